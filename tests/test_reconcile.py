"""`ai-journal reconcile`: the decisions a rewrite or a merge leaves, through real git."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from journal import cli, remap, state
from testing.git_repo import GitRepo
from tests.test_remap import _fragment, _links, linked  # noqa: F401  (fixture)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _squash(repo: GitRepo) -> str:
    env = {"GIT_SEQUENCE_EDITOR": "sed -i '2s/^pick/squash/'", "GIT_EDITOR": "true"}
    repo.git("rebase", "-q", "-i", "HEAD~2", env={**env, **repo.date_env(repo.tick())})
    return repo.head()


def test_squash_decision_through_reconcile(
    linked: tuple[GitRepo, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, old = linked
    squash = _squash(repo)
    monkeypatch.chdir(repo.path)
    code, out, err = _run(["reconcile"], capsys)  # not a terminal, no --yes: list and refuse
    assert code == 1
    assert f"its commit {old[:7]} was squashed into {squash[:7]}" in out
    assert "--yes" in err

    before = (repo.git("status", "--porcelain"), repo.git("diff"))
    code, out, _ = _run(["reconcile", "--dry-run"], capsys)
    assert code == 0
    assert out.startswith("accept  session")
    assert (repo.git("status", "--porcelain"), repo.git("diff")) == before

    code, out, _ = _run(["reconcile", "--yes", "--stage"], capsys)
    assert code == 0
    name = next(p for p in (repo.path / ".ai-journal/sessions").glob("*.json"))
    doc = json.loads(name.read_text())
    assert doc["rewritten"][0]["decision"] == remap.ACCEPTED
    assert (squash, "explicit") in [(c["sha"], c["strength"]) for c in doc["commits"]]
    assert doc["digest"] == state.digest(doc)
    assert f".ai-journal/sessions/{name.name}" in repo.git("diff", "--cached", "--name-only")
    assert _run(["reconcile", "--yes"], capsys)[1].startswith("nothing to reconcile")


def test_a_hand_note_citing_a_rebased_commit(
    linked: tuple[GitRepo, str],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo, old = linked
    journal = repo.path / "docs/ai-journal/2026-02-23.md"
    journal.write_text(journal.read_text() + f"\nReviewed {old[:9]} by hand.\n")
    repo.git("commit", "-q", "--no-verify", "-am", "note", env=repo.date_env(repo.tick()))
    repo.git("switch", "-q", "main")
    repo.commit("upstream", {"other.txt": "p\n"}, when=repo.clock + timedelta(minutes=5))
    repo.git("switch", "-q", "topic")
    repo.git("rebase", "-q", "main", env=repo.date_env(repo.tick()))
    new = repo.git("log", "--format=%H", "--grep=Make it y", "-n1").strip()
    monkeypatch.chdir(repo.path)
    code, out, _ = _run(["reconcile", "--yes"], capsys)
    assert code == 0
    assert f"your note cites {old[:9]}, rewritten to {new[:9]}" in out
    assert journal.read_text().endswith(f"\nReviewed {new[:9]} by hand.\n")


def test_a_state_conflict_is_resolved(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit("base", {"a.txt": "a\n"})
    doc = {
        "schema": 1,
        "goals": [],
        "milestones": [],
        "reconciled_head": None,
        "tasks": [{"id": "t-1", "status": "open"}],
        "conflicts": [
            {"path": "tasks/t-1/status", "base": "open", "ours": "done", "theirs": "blocked"}
        ],
    }
    path = repo.path / ".ai-journal/project_state.json"
    path.parent.mkdir()
    path.write_text(state.dumps_canonical({**doc, "digest": state.digest(doc)}))
    monkeypatch.chdir(repo.path)
    code, out, _ = _run(["reconcile", "--yes"], capsys)
    assert code == 0
    assert "project_state.json tasks/t-1/status" in out
    resolved = json.loads(path.read_text())
    assert resolved["tasks"] == [{"id": "t-1", "status": "done"}]
    assert "conflicts" not in resolved
    assert resolved["digest"] == state.digest(resolved)


@pytest.mark.parametrize(("answer", "status"), [("reopen", "open"), ("keep", "done")])
def test_a_task_whose_evidence_a_reset_took_away(
    repo: GitRepo,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: str,
    status: str,
) -> None:
    from journal import reconcile, task_store, tasks

    repo.commit("base", {"a.txt": "a\n"})
    monkeypatch.chdir(repo.path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1771840800")
    assert cli.main(["task", "add", "Ship it"]) == 0
    repo.commit("Plan")
    task_id = json.loads((repo.path / ".ai-journal/project_state.json").read_text())["tasks"][0]
    evidence = repo.commit("Ship it", {"b.txt": "b\n"})
    assert cli.main(["task", "done", task_id["id"], "--commit", evidence]) == 0
    repo.git("reset", "-q", "--keep", "HEAD~1")  # the done state stays, its evidence goes
    capsys.readouterr()

    code, out, _ = _run(["reconcile", "--dry-run"], capsys)
    assert code == 0
    assert f"reopen  task {task_id['id']} is done, but its evidence {evidence[:7]}" in out
    (decision,) = [d for d in reconcile.pending(*_repo_parts(repo)) if d.kind == "task"]
    reconcile.apply(_repo_parts(repo)[0], [(decision, answer)])

    doc = task_store.load_doc(repo.path)
    (task,) = doc["tasks"]
    seen = tasks.view_status(task, task_store.view_for(repo.path))
    assert seen.status == status
    assert task["transitions"][-1]["forced"] is (answer == "keep")
    assert not [d for d in reconcile.pending(*_repo_parts(repo)) if d.kind == "task"]


def _repo_parts(repo: GitRepo) -> tuple[object, object]:
    from journal import config, git

    paths = git.repo_paths(repo.path)
    return paths, config.load(paths.toplevel)

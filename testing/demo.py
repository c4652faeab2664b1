"""The sample run behind `scripts/demo`: a sandbox repository and CODEX_HOME, hooks installed through
the real pre-commit framework from this checkout, two days of agent sessions on two branches, commits,
an amend, and the journal that came out of it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo, isolated_git_env

CHECKOUT = Path(__file__).resolve().parents[1]
DAY1 = datetime(2026, 2, 23, 9, 30, tzinfo=UTC)
DAY2 = datetime(2026, 2, 24, 8, 15, tzinfo=UTC)

PATCH_HEALTH = """*** Begin Patch
*** Update File: app.py
@@ def index():
     return "ok"
+
+def health():
+    return {"status": "ok"}
*** Add File: tests/test_health.py
+from app import health
+
+def test_health():
+    assert health() == {"status": "ok"}
*** End Patch
"""

PATCH_CART = """*** Begin Patch
*** Update File: cart.py
@@ def total(items):
-    return sum(i.price for i in items)
+    return round(sum(i.price * i.qty for i in items), 2)
*** End Patch
"""

PATCH_VERSION = """*** Begin Patch
*** Update File: app.py
@@ def health():
-    return {"status": "ok"}
+    return {"status": "ok", "version": "1.0"}
*** End Patch
"""

PATCH_DOCS = """*** Begin Patch
*** Add File: docs/health.md
+# Health endpoint
+
+`GET /health` answers `{"status": "ok"}`.
*** End Patch
"""


def main() -> int:
    sandbox = Path(tempfile.mkdtemp(prefix="ai-journal-demo-"))
    env = _environment(sandbox)
    os.environ.update(env)
    repo = GitRepo.init(sandbox / "shop", clock=DAY1)
    codex = CodexHome(sandbox / "codex-home")
    _say(f"sandbox: {sandbox}")
    try:
        _base_commit(repo)
        _install_through_pre_commit(repo)
        _day_one(repo, codex)
        _day_two(repo, codex)
        _tasks_and_memory(repo)
        _show_journals(repo)
    finally:
        _stop_resident_servers(repo)
    return 0


def _stop_resident_servers(repo: GitRepo) -> None:
    """The stages after the first ran in a warm server (`journal.resident`); a demo leaves
    nothing running behind it."""
    from journal import resident_server

    stopped = resident_server.stop(repo.path / ".git" / "ai-journal")
    if stopped:
        pids = ", ".join(str(pid) for pid in stopped)
        _say(f"\nstopped the resident stage's server (pid {pids}), which served the later stages")


def _environment(sandbox: Path) -> dict[str, str]:
    home = sandbox / "home"
    home.mkdir()
    env = isolated_git_env(home)
    env["CODEX_HOME"] = str(sandbox / "codex-home")
    env["PRE_COMMIT_HOME"] = str(CHECKOUT / ".venv" / "pre-commit-demo-cache")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return env


def _base_commit(repo: GitRepo) -> None:
    files = {
        "app.py": 'def index():\n    return "ok"\n',
        "cart.py": "def total(items):\n    return sum(i.price for i in items)\n",
        "README.md": "# shop\n",
    }
    repo.commit("Initial shop skeleton", files, when=DAY1 - timedelta(hours=1))


def _install_through_pre_commit(repo: GitRepo) -> None:
    rev = subprocess.run(
        ["git", "-C", str(CHECKOUT), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if subprocess.run(
        ["git", "-C", str(CHECKOUT), "diff", "--quiet", "HEAD"], check=False
    ).returncode:
        _say("note: this checkout has uncommitted changes; pre-commit installs its committed HEAD")
    _run(repo, "ai-journal", "init", "--hook-repo", str(CHECKOUT), "--hook-rev", rev)
    _run(repo, "pre-commit", "install", "--install-hooks")
    repo.commit("Set up ai-journal", when=DAY1 - timedelta(minutes=30))


def _day_one(repo: GitRepo, codex: CodexHome) -> None:
    main_head = repo.head()
    session = codex.session(repo.path, DAY1, branch="main", commit=main_head)
    session.prompt("Add a /health endpoint with a test", cwd=str(repo.path)).tokens(18_000)
    session.plan(
        [
            ("Add /health route", "in_progress"),
            ("Write a test", "pending"),
            ("Document it", "pending"),
        ]
    )
    session.shell("rg -n 'def index' app.py", output="1:def index():\n", style="unified")
    session.apply_patch(PATCH_HEALTH)
    repo.write(_patched_health())
    session.shell(
        "pytest -q", exit_code=1, output="E   ModuleNotFoundError: No module named 'app'\n"
    )
    session.shell("PYTHONPATH=. pytest -q", output="1 passed in 0.02s\n", style="freeform")
    session.plan(
        [
            ("Add /health route", "completed"),
            ("Write a test", "completed"),
            ("Document it", "pending"),
        ]
    )
    session.reply("Added GET /health and a passing test.").tokens(6_500)
    repo.commit("Add /health endpoint", when=session.clock + timedelta(minutes=2))
    _agent_commits_docs(repo, session)
    _feature_branch(repo, codex)


def _agent_commits_docs(repo: GitRepo, session: Rollout) -> None:
    session.wait(5).prompt("Document the endpoint and commit it", cwd=str(repo.path)).tokens(4_000)
    session.apply_patch(PATCH_DOCS)
    repo.write(
        {"docs/health.md": '# Health endpoint\n\n`GET /health` answers `{"status": "ok"}`.\n'}
    )
    repo.git("add", "-A")
    sha = repo.commit("Document /health", when=session.clock + timedelta(seconds=30))
    session.shell(
        "git commit -am 'Document /health'",
        output=f"[main {sha[:7]}] Document /health\n 1 file changed\n",
    )
    session.plan(
        [
            ("Add /health route", "completed"),
            ("Write a test", "completed"),
            ("Document it", "completed"),
        ]
    )
    session.reply("Documented /health and committed it.").tokens(2_000)


def _feature_branch(repo: GitRepo, codex: CodexHome) -> None:
    repo.git("switch", "-c", "fix/cart-total")
    start = DAY1 + timedelta(hours=14, minutes=5)  # 23:35 UTC: the session crosses midnight
    session = codex.session(repo.path, start, branch="fix/cart-total", commit=repo.head())
    session.prompt("The cart total ignores quantities; fix it", cwd=str(repo.path)).tokens(12_000)
    session.shell(
        "pytest -q tests/test_cart.py", exit_code=4, output="ERROR: file or directory not found\n"
    )
    session.apply_patch(PATCH_CART)
    repo.write(
        {"cart.py": "def total(items):\n    return round(sum(i.price * i.qty for i in items), 2)\n"}
    )
    session.wait(50).shell("python -c 'import cart'", style="unified")
    session.reply("total() now multiplies by quantity and rounds to cents.").tokens(3_000)
    repo.commit("Fix cart total to use quantities", when=session.clock + timedelta(minutes=1))
    repo.commit(
        "Fix cart total: multiply by quantity",
        when=session.clock + timedelta(minutes=3),
        extra=("--amend",),
    )


def _day_two(repo: GitRepo, codex: CodexHome) -> None:
    repo.git("switch", "main")
    session = codex.session(repo.path, DAY2, branch="main", commit=repo.head())
    session.prompt("Return the version in /health too", cwd=str(repo.path)).tokens(9_000)
    session.apply_patch(PATCH_VERSION)
    repo.write(
        {
            "app.py": 'def index():\n    return "ok"\n\ndef health():\n    return {"status": "ok", "version": "1.0"}\n'
        }
    )
    session.shell(
        "PYTHONPATH=. pytest -q", exit_code=1, output="FAILED tests/test_health.py::test_health\n"
    )
    session.reply("Added the version; the old test needs updating.", final=True).tokens(2_500)
    repo.commit("Report the version in /health", when=session.clock + timedelta(minutes=4))


def _tasks_and_memory(repo: GitRepo) -> None:
    """A person adds a task and closes it by trailer; then what the next session would be fed."""
    _say("\n$ ai-journal task add 'Update the /health test for the version'")
    out = subprocess.run(
        ["ai-journal", "task", "add", "Update the /health test for the version"],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    _say(out.rstrip())
    task_id = out.split()[1]  # "added t-xxxxxx TITLE"
    repo.write({"tests/test_health.py": _VERSION_TEST})
    repo.commit(
        f"Check the version in the /health test\n\nCloses: {task_id}",
        when=repo.clock + timedelta(minutes=20),
    )
    for command in (
        ("ai-journal", "render"),  # takes in the trailer of the commit just made
        ("ai-journal", "tasks", "--all"),
        ("ai-journal", "next"),
        ("ai-journal", "recall", "health endpoint version"),
        ("ai-journal", "context", "--budget", "3000"),
    ):
        _say(f"\n$ {' '.join(command)}")
        _run(repo, *command)


_VERSION_TEST = (
    "from app import health\n\ndef test_health():\n"
    '    assert health() == {"status": "ok", "version": "1.0"}\n'
)


def _patched_health() -> dict[str, str]:
    return {
        "app.py": 'def index():\n    return "ok"\n\ndef health():\n    return {"status": "ok"}\n',
        "tests/test_health.py": 'from app import health\n\ndef test_health():\n    assert health() == {"status": "ok"}\n',
    }


def _show_journals(repo: GitRepo) -> None:
    _say("\n$ ai-journal status")
    _run(repo, "ai-journal", "status")
    for branch in ("main", "fix/cart-total"):
        names = repo.git("ls-tree", "--name-only", f"{branch}:docs/ai-journal").split()
        _say(f"\n{len(names)} journal file(s) committed on {branch}:")
        for name in names:
            _say(f"===== {repo.path}/docs/ai-journal/{name} (on {branch}) =====")
            _say(repo.git("show", f"{branch}:docs/ai-journal/{name}"))


def _run(repo: GitRepo, *cmd: str) -> None:
    subprocess.run(cmd, cwd=repo.path, check=True)


def _say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())

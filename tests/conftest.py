"""Hermetic tests: a temp HOME, no system or global git config, UTC, and a guard on the real home."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from testing.codex_home import CodexHome
from testing.git_repo import GitRepo, isolated_git_env

REAL_HOME = Path(os.path.expanduser("~")).resolve()
SHARED = Path(__file__).resolve().parents[2] / "shared"
FIXTURES = SHARED / "fixtures"
_ALLOWED = tuple(str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
_touches: list[str] = []


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event not in ("open", "os.listdir", "os.scandir", "os.mkdir", "os.remove", "os.rename"):
        return
    target = args[0] if args else None
    if not isinstance(target, (str, Path)):
        return
    path = os.path.abspath(target)
    if path.startswith(str(REAL_HOME) + os.sep) and not path.startswith(_ALLOWED):
        _touches.append(f"{event} {path}")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HOME; touching the real one fails the test."""
    home = tmp_path / "home"
    home.mkdir()
    for key in [k for k in os.environ if k.startswith(("GIT_", "PRE_COMMIT", "CODEX_"))]:
        monkeypatch.delenv(key)
    for key, value in isolated_git_env(home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PRE_COMMIT_HOME", str(_pre_commit_cache()))
    # hooks run in their own process unless a test asks for the resident stage (test_resident.py)
    monkeypatch.setenv("AI_JOURNAL_RESIDENT", "0")
    _touches.clear()
    yield home
    assert not _touches, f"test touched the real home directory: {_touches[:5]}"


def _pre_commit_cache() -> Path:
    # pre-commit builds one virtualenv per hook repository and rev; sharing it between tests of one
    # worker keeps the end-to-end tests from reinstalling the same environment each time.
    root = (
        Path(os.environ.get("PYTEST_XDIST_WORKER_CACHE", "/tmp")) / f"ai-journal-pc-{os.getuid()}"
    )
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo.init(tmp_path / "repo")


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CodexHome:
    home = CodexHome(tmp_path / "codex")
    monkeypatch.setenv("CODEX_HOME", str(home.root))
    return home


@pytest.fixture
def fixtures_dir() -> Path:
    assert FIXTURES.is_dir(), f"real agent logs are expected at {FIXTURES}"
    return FIXTURES

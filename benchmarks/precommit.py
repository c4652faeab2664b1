"""Hook repositories for the pre-commit framework, kept in the persistent cache.

pre-commit builds one environment per (repository, rev). Both repositories here live at fixed paths
in the cache and are committed with pinned dates, so an unchanged tree gives the same SHA and the
environment built by an earlier run is reused; `pre-commit gc` then drops the ones no longer used.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from benchmarks.sandbox import CHECKOUT, PYTHON, date_env, run
from testing.git_repo import BASE_TIME

NOOP_ID = "bench-noop"
NOOP_FILES = {
    "pyproject.toml": (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "bench-noop-hook"\nversion = "0"\n\n'
        '[project.scripts]\nbench-noop = "bench_noop:main"\n'
    ),
    "bench_noop.py": "def main() -> int:\n    return 0\n",
    ".pre-commit-hooks.yaml": (
        f"- id: {NOOP_ID}\n  name: no-op\n  entry: bench-noop\n  language: python\n"
        "  stages: [pre-commit, post-commit]\n  always_run: true\n  pass_filenames: false\n"
    ),
}


def snapshot_checkout(cache: Path, env: Mapping[str, str]) -> tuple[Path, str]:
    """This checkout's working tree (tracked and untracked, not ignored) as a one-commit repo."""
    target = cache / "hook-repo"
    shutil.rmtree(target, ignore_errors=True)
    for name in _checkout_files():
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(CHECKOUT / name, dest, follow_symlinks=False)
    return target, _commit_all(target, env)


def noop_hook_repo(cache: Path, env: Mapping[str, str]) -> tuple[Path, str]:
    """A hook repository whose only hook is a Python console script that exits 0."""
    target = cache / "noop-hook"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name, text in NOOP_FILES.items():
        (target / name).write_text(text)
    return target, _commit_all(target, env)


def noop_config(repo: Path, rev: str) -> str:
    return (
        "default_install_hook_types: [pre-commit, post-commit]\n"
        f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n      - id: {NOOP_ID}\n"
    )


def install(repo: Path, env: Mapping[str, str], hook_types: list[str]) -> None:
    """`pre-commit install` for `hook_types`, then build the hook environments now, not on the
    first commit."""
    types = [arg for hook_type in hook_types for arg in ("-t", hook_type)]
    run([PYTHON, "-m", "pre_commit", "install", *types], repo, env)
    run([PYTHON, "-m", "pre_commit", "install-hooks"], repo, env)


def collect_garbage(repo: Path, env: Mapping[str, str]) -> None:
    run([PYTHON, "-m", "pre_commit", "gc"], repo, env)


def _checkout_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=CHECKOUT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return sorted({n for n in listed.split("\0") if n and (CHECKOUT / n).is_file()})


def _commit_all(folder: Path, env: Mapping[str, str]) -> str:
    pinned = {**env, **date_env(BASE_TIME)}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        run(["git", *args], folder, pinned)
    return run(["git", "rev-parse", "HEAD"], folder, pinned).stdout.strip()

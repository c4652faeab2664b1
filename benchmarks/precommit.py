"""Hook repositories for the pre-commit framework, kept in the persistent cache.

pre-commit builds one environment per (repository, rev). Both repositories here live at fixed paths
in the cache and are committed with pinned dates, so an unchanged tree gives the same SHA and the
environment built by an earlier run is reused; `pre-commit gc` then drops the ones no longer used.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from benchmarks.sandbox import CHECKOUT, PYTHON, run
from testing.snapshot import commit_tree, snapshot

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
    return target, snapshot(target, Path(env["HOME"]), CHECKOUT)


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


def _commit_all(folder: Path, env: Mapping[str, str]) -> str:
    return commit_tree(folder, Path(env["HOME"]))


def prek() -> str | None:
    """The `prek` executable (a pre-commit-compatible hook runner), if one is on PATH."""
    return shutil.which("prek")


def install_prek(repo: Path, env: Mapping[str, str], hook_types: Sequence[str]) -> None:
    """`prek install` for `hook_types` and the hook environments, in the cache (`PREK_HOME`)."""
    exe = prek()
    assert exe is not None
    types = [arg for hook_type in hook_types for arg in ("-t", hook_type)]
    run([exe, "install", *types], repo, env)
    run([exe, "install-hooks"], repo, env)

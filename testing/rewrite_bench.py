"""How long building a rewrite map takes next to the rewrite itself.

A generated repository of N commits (each adding a line to one of a few files, with distinct author
times) gets ai-journal's native hooks; `git rebase --force-rebase` replays all N, then the map is
built from the recorded post-rewrite event (`from_event`) and from the reflog alone (`from_reflog`).
Everything runs in a temporary directory with git cut off from the machine's configuration.

    python -m testing.rewrite_bench --commits 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from journal import rewrite_build
from journal.rewrite import Kind, summary_line
from testing import history
from testing.git_repo import BASE_TIME, GitRepo, isolated_git_env

FILES = 10


def generated(path: Path, commits: int) -> GitRepo:
    """A repository with a base commit and `commits` more on main, written by `git fast-import`."""
    repo = GitRepo.init(path)
    stream, lines = [], dict.fromkeys(range(FILES), "")
    start = int(BASE_TIME.timestamp())
    for n in range(commits + 1):
        name = f"f{n % FILES}.txt"
        lines[n % FILES] += f"line {n}\n"
        data = lines[n % FILES].encode()
        who = f"Ada Tester <ada@example.com> {start + 60 * n} +0000"
        message = f"commit {n}\n".encode()
        stream.append(f"commit refs/heads/main\nauthor {who}\ncommitter {who}\n".encode())
        stream.append(b"data %d\n%s" % (len(message), message))
        stream.append(f"M 100644 inline {name}\n".encode() + b"data %d\n%s\n" % (len(data), data))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=b"".join(stream), check=True)
    repo.git("reset", "-q", "--hard", "main")
    return repo


def measure(root: Path, commits: int) -> dict[str, Any]:
    repo = history.with_native_hooks(generated(root / "repo", commits))
    old_tip = repo.head()
    env = {"GIT_COMMITTER_DATE": f"{int(BASE_TIME.timestamp()) + 10**6} +0000"}
    started = time.perf_counter()
    repo.git("rebase", "-q", "--force-rebase", f"HEAD~{commits}", env=env)
    rebase_s = time.perf_counter() - started

    (event,) = history.rewrite_events(repo)
    started = time.perf_counter()
    event_map = rewrite_build.from_event(repo.path, event)
    event_s = time.perf_counter() - started
    started = time.perf_counter()
    reflog_map = rewrite_build.from_reflog(repo.path, "main", old_tip)
    reflog_s = time.perf_counter() - started

    if reflog_map is None or reflog_map.pairs() != event_map.pairs():
        raise RuntimeError("the reflog did not rebuild the event's map")
    if event_map.counts() != {Kind.REWRITTEN: commits}:
        raise RuntimeError(f"unexpected map: {summary_line(event_map)}")
    return {
        "commits": commits,
        "rebase_s": round(rebase_s, 3),
        "from_event_s": round(event_s, 3),
        "from_reflog_s": round(reflog_s, 3),
        "from_event/rebase": round(event_s / rebase_s, 4),
        "from_reflog/rebase": round(reflog_s / rebase_s, 4),
        "summary": summary_line(event_map),
    }


@contextmanager
def isolated() -> Iterator[Path]:
    """A scratch directory and an environment in which git ignores the machine's configuration."""
    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="rewrite-bench-") as scratch:
        root = Path(scratch)
        (root / "home").mkdir()
        for key in [k for k in os.environ if k.startswith(("GIT_", "PRE_COMMIT"))]:
            del os.environ[key]
        os.environ.update(isolated_git_env(root / "home"))
        try:
            yield root
        finally:
            os.environ.clear()
            os.environ.update(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    args = parser.parse_args(argv)
    with isolated() as root:
        print(json.dumps(measure(root, args.commits), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A `CODEX_HOME` full of realistic sessions: most of them in the benchmark repository, some in other
projects, spread over two months, a fifth of the older ones archived, plus one live session that
the benchmarks keep appending to."""

from __future__ import annotations

import json
import os
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.rollouts import BenchRollout, Corpus, grow, start_session
from testing.git_repo import BASE_TIME

OWN_SHARE = 0.75
ARCHIVED_SHARE = 0.2
MEDIAN_SESSION = 400_000  # bytes; log-normal sizes
SIGMA = 1.3
SMALLEST, LARGEST = 20_000, 16 << 20


@dataclass
class LogSet:
    home: Path  # the CODEX_HOME
    repo: Path  # the repository most sessions worked in
    files: list[Path] = field(default_factory=list)
    live: BenchRollout | None = None

    @property
    def size(self) -> int:
        return sum(path.stat().st_size for path in self.files)

    def append(self, target: int) -> int:
        """Let the live session work on: whole turns, at least `target` bytes."""
        assert self.live is not None
        return grow(self.live, str(self.repo), target)


def generate(home: Path, repo: Path, total: int, seed: int, files: list[str]) -> LogSet:
    """Sessions until `total` bytes are written, then the live session (about one turn)."""
    rng = random.Random(seed)
    corpus = Corpus(rng)
    logs = LogSet(home, repo)
    largest = max(SMALLEST, min(LARGEST, total // 4))
    written = 0
    while written < total:
        target = min(largest, max(SMALLEST, int(rng.lognormvariate(0, SIGMA) * MEDIAN_SESSION)))
        own = rng.random() < OWN_SHARE
        cwd = str(repo if rng.random() < 0.8 else repo / "src") if own else _elsewhere(rng)
        start = BASE_TIME - timedelta(days=rng.uniform(1, 60), hours=rng.uniform(0, 6))
        archived = start < BASE_TIME - timedelta(days=20) and rng.random() < ARCHIVED_SHARE
        rollout = _new_session(home, rng, start, cwd, corpus, files, archived)
        written += grow(rollout, cwd, max(1, target - rollout.size))
        _history(home, rollout.id, start, corpus.take(80))
        _last_written(rollout)
        logs.files.append(rollout.path)
    logs.live = add_live_session(logs, corpus, files)
    return logs


def subset(logs: LogSet, home: Path, every: int, seed: int, files: list[str]) -> LogSet:
    """About 1/`every` of `logs` by size, files taken in order and hard-linked into another
    CODEX_HOME, with its own live session: the same kind of data, `every` times less of it."""
    small = LogSet(home, logs.repo)
    budget, taken = logs.size // every, 0
    live = logs.live.path if logs.live else None
    for path in logs.files:
        size = path.stat().st_size
        if path == live or taken + size > budget:
            continue
        target = home / path.relative_to(logs.home)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, target)
        small.files.append(target)
        taken += size
    small.live = add_live_session(small, Corpus(random.Random(seed)), files)
    return small


def add_live_session(logs: LogSet, corpus: Corpus, files: list[str]) -> BenchRollout:
    start = BASE_TIME - timedelta(minutes=30)
    live = _new_session(logs.home, corpus.rng, start, str(logs.repo), corpus, files, False)
    grow(live, str(logs.repo), 1)
    logs.files.append(live.path)
    return live


def _new_session(
    home: Path,
    rng: random.Random,
    start: datetime,
    cwd: str,
    corpus: Corpus,
    files: list[str],
    archived: bool,
) -> BenchRollout:
    sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    day = start.astimezone(UTC)
    folder = home / "sessions" / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
    if archived:
        folder = home / "archived_sessions"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-{day:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl"
    return start_session(path, sid, start, cwd, corpus, files)


def _last_written(rollout: BenchRollout) -> None:
    """The file's mtime is when its session last wrote to it, as on a real machine, not when
    the benchmark generated it: ingest tells live logs from old ones by it."""
    stamp = int(rollout.clock.timestamp() * 1e9)
    os.utime(rollout.path, ns=(stamp, stamp))


def _elsewhere(rng: random.Random) -> str:
    return f"/home/dev/src/project-{rng.randrange(8)}"


def _history(home: Path, session_id: str, when: datetime, text: str) -> None:
    record = {"session_id": session_id, "ts": int(when.timestamp()), "text": text}
    with (home / "history.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")

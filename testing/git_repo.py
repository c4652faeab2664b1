"""Real git repositories for tests, with pinned dates so SHAs are stable from run to run."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BASE_TIME = datetime(2026, 2, 23, 9, 0, 0, tzinfo=UTC)


def isolated_git_env(home: Path) -> dict[str, str]:
    """Environment variables that cut git off from the machine's own configuration."""
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "TZ": "UTC",
        "GIT_AUTHOR_NAME": "Ada Tester",
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester",
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_TERMINAL_PROMPT": "0",
        "LANG": "C.UTF-8",
    }


class GitRepo:
    """A work tree plus a clock: every commit is one minute after the previous one unless told otherwise."""

    def __init__(self, path: Path, clock: datetime = BASE_TIME) -> None:
        self.path = path
        self.clock = clock

    @classmethod
    def init(cls, path: Path, branch: str = "main", clock: datetime = BASE_TIME) -> GitRepo:
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True)
        repo = cls(path.resolve(), clock)
        repo.git("config", "user.name", "Ada Tester")
        repo.git("config", "user.email", "ada@example.com")
        repo.git("config", "commit.gpgsign", "false")
        return repo

    def git(self, *args: str, env: Mapping[str, str] | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.path,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc.stdout

    def tick(self, minutes: float = 1) -> datetime:
        self.clock += timedelta(minutes=minutes)
        return self.clock

    def date_env(self, when: datetime | None = None) -> dict[str, str]:
        stamp = (when or self.clock).strftime("%Y-%m-%dT%H:%M:%S%z")
        return {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}

    def write(self, files: Mapping[str, str]) -> None:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)

    def commit(
        self,
        message: str,
        files: Mapping[str, str] | None = None,
        when: datetime | None = None,
        extra: tuple[str, ...] = (),
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Write `files`, stage everything and commit at `when` (default: the clock plus one minute)."""
        if files:
            self.write(files)
        self.git("add", "-A")
        if when is None:
            when = self.tick()
        else:
            self.clock = when
        self.git(
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            message,
            *extra,
            env={**self.date_env(when), **(env or {})},
        )
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def branch(self) -> str:
        return self.git("symbolic-ref", "--short", "HEAD").strip()


def record_processes(monkeypatch: Any) -> list[list[str]]:
    """From now on (a `pytest.MonkeyPatch`'s lifetime), the argument list of every
    `subprocess.run` in this process, in order: how many git processes a call costs."""
    calls: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(args: list[str], **kwargs: Any) -> Any:
        calls.append(args)
        return real_run(args, **kwargs)

    monkeypatch.setattr(subprocess, "run", recording_run)
    return calls

"""`ai-journal hook --profile <stage>` (or `AI_JOURNAL_PROFILE=1`): where a hook's time went.

Times, in the hook's own process: interpreter start-up (from /proc), each phase of the hook (the
fast paths, the stage's refresh steps), every git command by subcommand, fsyncs, and imports by
top-level package. Phases are wrapped as their modules finish importing, so the fast paths stay
as light as they are without the flag. The table goes to stderr when the hook ends.
"""

from __future__ import annotations

import builtins
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

ENV = "AI_JOURNAL_PROFILE"
# module -> functions timed as phases (renamed ones are simply not timed)
PHASES: dict[str, tuple[str, ...]] = {
    "journal.fastpath": ("record",),
    "journal.stage_stamp": ("skip", "nothing_staged"),
    "journal.stage_stamp_write": ("begin", "save"),
    "journal.config": ("load",),
    "journal.pipeline": (
        "refresh",
        "_write_fragments",
        "_write_days",
        "_rewrites",
        "_index_recall",
        "_rewritten_citations",
    ),
    "journal.recall_index": ("index_written", "index_incremental"),
    "journal.context_agents": ("refresh_at_stage",),
    "journal.task_refresh": ("write_overview",),
    "journal.ingest": ("ingest",),
    "journal.journals": ("write_days", "pending_links"),
    "journal.task_sources": ("refresh",),
    "journal.checkpoint": ("load", "save"),
    "journal.notes": ("stamp",),
    "journal.render": ("render_day", "environment"),
    "journal.check_secrets": ("scan",),
}


class Profile:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: Counter[str] = Counter()
        self.imports: defaultdict[str, float] = defaultdict(float)
        self._depth = 0
        self._import = builtins.__import__

    def install(self) -> None:
        builtins.__import__ = self._timed_import
        for name in list(PHASES):
            if name in sys.modules:
                self._wrap_module(name)
        os.fsync = self.timed("os.fsync", os.fsync)

    def timed(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - begin
                self.calls[label] += 1

        wrapper.__wrapped__ = func  # type: ignore[attr-defined]
        return wrapper

    def _timed_import(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self._depth:
            return self._import(name, *args, **kwargs)
        new = name not in sys.modules
        self._depth += 1
        begin = time.perf_counter()
        try:
            return self._import(name, *args, **kwargs)
        finally:
            self._depth -= 1
            if new:
                key = name if name.startswith("journal.") else name.split(".", 1)[0]
                self.imports[key] += time.perf_counter() - begin
            # `from journal import x` names a package already there: wrap after every import
            for module in [m for m in PHASES if m in sys.modules]:
                self._wrap_module(module)

    def _wrap_module(self, name: str) -> None:
        module = sys.modules[name]
        if getattr(module, "_profiled", False):
            return
        module._profiled = True  # type: ignore[attr-defined]
        short = name.removeprefix("journal.")
        for attr in PHASES[name]:
            func = getattr(module, attr, None)
            if callable(func):
                setattr(module, attr, self.timed(f"{short}.{attr}", func))
        if name == "journal.git" or "journal.git" in sys.modules:
            self._wrap_git()

    def _wrap_git(self) -> None:
        git = sys.modules.get("journal.git")
        spawn = getattr(git, "_spawn", None)
        if git is None or spawn is None or getattr(git, "_profiled_spawn", False):
            return
        git._profiled_spawn = True  # type: ignore[attr-defined]

        def per_command(args: Any, *rest: Any, **kwargs: Any) -> Any:
            return self.timed(f"git {args[0]}", spawn)(args, *rest, **kwargs)

        git._spawn = per_command  # type: ignore[attr-defined]

    def report(self, what: str) -> str:
        total = (time.perf_counter() - self.start) * 1000
        lines = [f"ai-journal profile: {what}: {total:.1f} ms in this process"]
        startup = _process_age_ms() - total
        if startup > 0:
            lines[0] += f", {startup:.0f} ms before it (interpreter start-up)"
        rows = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        lines += [f"  {ms * 1000:8.1f} ms  {self.calls[k]:4}x  {k}" for k, ms in rows]
        imported = sum(self.imports.values()) * 1000
        lines.append(f"  {imported:8.1f} ms  imports:")
        top = sorted(self.imports.items(), key=lambda kv: -kv[1])[:12]
        lines += [f"  {ms * 1000:8.1f} ms        import {name}" for name, ms in top]
        return "\n".join(lines)


def _process_age_ms() -> float:
    """How long ago this process started, from /proc (0 elsewhere)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            started = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return (uptime - started / os.sysconf("SC_CLK_TCK")) * 1000


def wanted(args: list[str]) -> tuple[bool, list[str]]:
    """(profile?, the hook arguments without `--profile`)."""
    flag = "--profile" in args[:2]
    rest = [a for i, a in enumerate(args) if not (a == "--profile" and i < 2)]
    return flag or os.environ.get(ENV) == "1", rest

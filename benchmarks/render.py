"""Figure 7: a full re-render of a year against `git log --stat` over the same year.

A seeded repository of `Size.render_days` days (four commits each working day, made by
`git fast-import`) and one agent session a working day, in the repository, patching the file the
day's first commit changes. `ai-journal import` builds the fragments and journals once; then
`ai-journal render --all` (every session's fragment rebuilt, every day rendered again) and
`ai-journal render --all-days` are timed in turns with `git log --stat` from the first day on, and
with a Python importing what the renderer imports (the floor of any renderer in this process model).

`render --all-days` is timed three ways: run again with nothing changed, where it ends at the stamp
its last run left (`journal.render_stamp`: `render_all_days`); the same with the stamp turned off,
so every day's context is built and digested and matches its last render, and no day is rendered
(`render_all_days_digests`); and after a template change (a comment added to a template override
before each run, so every day's digest moves and every day is rendered, though the bytes stay the
same: `render_all_days_templates`).
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.rollouts import Corpus, start_session
from benchmarks.sandbox import PYTHON, Sandbox, Size, interleaved, ratio, run, timed
from testing.git_repo import BASE_TIME

FILES = 40
# what `render` imports before it renders anything: the command line, the pipeline, the templates
IMPORTS = "import journal.cli, journal.pipeline, journal.journals, jinja2"
PER_DAY = 4
SEED = 365


def _days(count: int) -> list[datetime]:
    first = BASE_TIME - timedelta(days=count)
    return [
        first + timedelta(days=n) for n in range(count) if (first + timedelta(days=n)).weekday() < 5
    ]


def _file(day_no: int, k: int) -> str:
    return f"src/mod_{(day_no * PER_DAY + k) % FILES:02d}.py"


def history_stream(days: list[datetime], seed: int) -> bytes:
    rng = random.Random(seed)
    out: list[bytes] = []
    mark = 0
    for day_no, day in enumerate(days):
        for k in range(PER_DAY):
            mark += 1
            when = int((day + timedelta(minutes=30 + 120 * k)).timestamp())
            body = f"def f{mark}():\n    return {rng.randrange(1 << 30)}\n".encode()
            message = f"change {mark}\n".encode()
            out.append(f"commit refs/heads/main\nmark :{mark}\n".encode())
            out.append(f"author Ada Tester <ada@example.com> {when} +0000\n".encode())
            out.append(f"committer Ada Tester <ada@example.com> {when} +0000\n".encode())
            out.append(b"data %d\n%s" % (len(message), message))
            out.append(f"from :{mark - 1}\n".encode() if mark > 1 else b"")
            name = _file(day_no, k)
            out.append(f"M 100644 inline {name}\ndata {len(body)}\n".encode() + body + b"\n")
    return b"".join(out)


def _sessions(home: Path, repo: Path, days: list[datetime]) -> None:
    corpus = Corpus(random.Random(SEED))
    files = [f"src/mod_{i:02d}.py" for i in range(FILES)]
    for day_no, day in enumerate(days):
        start = day + timedelta(minutes=5)
        folder = home / "sessions" / f"{start:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        sid = f"019c8a59-0000-7000-8000-{day_no:012d}"
        rollout = start_session(
            folder / f"rollout-{start:%Y-%m-%dT%H-%M-%S}-{sid}.jsonl",
            sid,
            start,
            str(repo),
            corpus,
            files,
        )
        rollout.turn(str(repo))
        target = _file(day_no, 0)
        rollout.apply_patch(
            f"*** Begin Patch\n*** Update File: {target}\n@@\n+# x\n*** End Patch\n"
        )
        rollout.reply(f"Changed {target}.")
        rollout.flush()


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    days = _days(size.render_days)
    repo = box.root / "render-repo"
    home = box.root / "codex-render"
    env = box.env(codex_home=home)
    repo.mkdir()
    run(["git", "init", "-q", "-b", "main", str(repo)], box.root, env)
    stream = history_stream(days, SEED)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, input=stream, check=True)
    run(["git", "checkout", "-q", "-f", "main"], repo, env)
    _sessions(home, repo, days)
    run(["ai-journal", "import"], repo, env)
    run(["ai-journal", "render", "--all"], repo, env)  # settles what import left pending
    journals = _journals(repo)
    if len(journals) < len(days):
        raise RuntimeError(f"{len(journals)} journals for {len(days)} days of agent work")
    since = f"--since={days[0].isoformat()}"
    touch = _template_toucher(repo)
    digests_env = {**env, "AI_JOURNAL_RENDER_SKIP": "0"}
    times = interleaved(
        {
            "render_all": lambda: timed(lambda: run(["ai-journal", "render", "--all"], repo, env)),
            "render_all_days": lambda: timed(
                lambda: run(["ai-journal", "render", "--all-days"], repo, env)
            ),
            "render_all_days_digests": lambda: timed(
                lambda: run(["ai-journal", "render", "--all-days"], repo, digests_env)
            ),
            "render_all_days_templates": lambda: (
                touch() + timed(lambda: run(["ai-journal", "render", "--all-days"], repo, env))
            ),
            "import_floor": lambda: timed(lambda: run([PYTHON, "-c", IMPORTS], repo, env)),
            "git_log_stat": lambda: timed(lambda: run(["git", "log", "--stat", since], repo, env)),
        },
        warmup=1,
        runs=max(3, size.runs // 5),
    )
    if _journals(repo) != journals:  # every render must rewrite the same files, byte for byte
        raise RuntimeError("re-rendering changed the journals")
    return {
        "days": len(days),
        "commits": len(days) * PER_DAY,
        "journals": len(journals),
        "ms": {name: s.as_dict() for name, s in times.items()},
        "render_all/git_log_stat": ratio(times["render_all"], times["git_log_stat"]),
        "render_all_days/git_log_stat": ratio(times["render_all_days"], times["git_log_stat"]),
        "render_all_days_digests/git_log_stat": ratio(
            times["render_all_days_digests"], times["git_log_stat"]
        ),
        "render_all_days_templates/git_log_stat": ratio(
            times["render_all_days_templates"], times["git_log_stat"]
        ),
        "import_floor/git_log_stat": ratio(times["import_floor"], times["git_log_stat"]),
    }


def _template_toucher(repo: Path) -> Callable[[], float]:
    """A function that changes the repository's override of the session template (a comment
    more each call: the rendered bytes stay the same); it returns 0.0 seconds to add."""
    from journal.render import builtin_dir

    source = (builtin_dir() / "session.md.j2").read_text(encoding="utf-8")
    override = repo / ".ai-journal" / "templates" / "session.md.j2"
    override.parent.mkdir(parents=True, exist_ok=True)
    calls = iter(range(1, 1 << 30))

    def touch() -> float:
        override.write_text(f"{source}{{# benchmark run {next(calls)} #}}", encoding="utf-8")
        return 0.0

    touch()
    return touch


def _journals(repo: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((repo / "docs" / "ai-journal").glob("20*.md"))}

"""Figure 1: what the hooks add to `git commit`, six set-ups of the same repository, measured in turns.

Each measured commit edits one file (staged outside the timing) and runs `git commit -q` with
pinned dates, ten minutes after the previous one. In `native_live` an agent session works between
commits (a realistic turn plus a patch of the very file committed), so the stage hook has new log
bytes to ingest and a session to link and render.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import precommit
from benchmarks.rollouts import BenchRollout, Corpus, start_session
from benchmarks.sandbox import (
    CHECKOUT,
    PYTHON,
    Sandbox,
    Size,
    date_env,
    interleaved,
    minute,
    ratio,
    run,
)
from journal import precommit_config, resident, resident_server
from testing.git_repo import GitRepo

VARIANTS = {
    "no_hooks": "a. no hooks (floor)",
    "empty_python": "b. empty Python post-commit (baseline)",
    "native": "c. ai-journal native, nothing to link",
    "native_live": "d. ai-journal native, live session",
    "native_live_cold": "j. ai-journal native, live session, resident stage off",
    "precommit": "e. ai-journal through pre-commit",
    "precommit_noop": "f. no-op Python hook through pre-commit",
    "precommit_live": "k. ai-journal through pre-commit, live session",
    "import_floor": "i. the live stage's import floor (its modules, nothing else)",
}
PREK_VARIANTS = {  # measured when a `prek` executable is on PATH (`pip install prek`)
    "prek": "g. ai-journal through prek",
    "prek_noop": "h. no-op Python hook through prek",
    "prek_live": "l. ai-journal through prek, live session",
}
LIVE = {  # the variants an agent works in, and whether their stage may use the resident server
    "native_live": True,
    "native_live_cold": False,
    "precommit_live": True,
    "prek_live": True,
}
SPACING = 10  # minutes between commits: room for an agent's turn
JOURNALS, FRAGMENTS = "docs/ai-journal", ".ai-journal/sessions"
FILES = 40


@dataclass
class Variant:
    repo: GitRepo
    env: dict[str, str]
    live: BenchRollout | None = None
    count: int = 0
    stderr: str = ""
    modules: list[str] | None = None  # the import floor's: what it imports

    def commit(self, extra_env: dict[str, str] | None = None) -> float:
        self.stderr = ""
        self.count += 1
        when = minute(SPACING * self.count)
        target = f"src/mod_{self.count % FILES:02d}.py"
        with (self.repo.path / target).open("a") as handle:
            handle.write(f"# change {self.count}\n")
        run(["git", "add", target], self.repo.path, self.env)
        if self.live is not None:
            self._agent_works(target)
        args = ["git", "commit", "-q", "-m", f"change {self.count}"]
        env = {**self.env, **date_env(when), **(extra_env or {})}
        start = time.perf_counter()
        self.stderr = run(args, self.repo.path, env).stderr
        return time.perf_counter() - start

    def _agent_works(self, target: str) -> None:
        """A turn between the previous commit and this one, ending with a patch of `target`."""
        assert self.live is not None
        self.live.clock = minute(SPACING * (self.count - 1)) + timedelta(seconds=5)
        self.live.turn(str(self.repo.path))
        body = f"*** Update File: {target}\n@@\n+# change {self.count}\n"
        self.live.apply_patch(f"*** Begin Patch\n{body}*** End Patch\n")
        self.live.reply(f"Changed {target}.")
        self.live.flush()


def run_figure(box: Sandbox, size: Size) -> dict[str, Any]:
    variants = _set_up(box)
    times = interleaved({n: v.commit for n, v in variants.items()}, size.warmup, size.commits)
    for name, variant in variants.items():
        _check_hooks_ran(name, variant)
    servers = {
        name: len(resident_server.stop(variant.repo.path / ".git" / "ai-journal"))
        for name, variant in variants.items()
    }
    wanted = {name: int(LIVE.get(name, False)) for name in variants}
    if servers != wanted:
        raise RuntimeError(f"one resident server for each live variant, expected; got {servers}")
    floor = variants["import_floor"].modules or []
    return {
        "import_floor_modules": {
            "count": len(floor),
            "journal": sum(name.startswith("journal.") for name in floor),
        },
        "ms_per_commit": {name: s.as_dict() for name, s in times.items()},
        "ratios": {
            "native/empty_python (c/b)": ratio(times["native"], times["empty_python"]),
            "native_live/empty_python (d/b)": ratio(times["native_live"], times["empty_python"]),
            "native_live/import_floor (d/i)": ratio(times["native_live"], times["import_floor"]),
            "native_live_cold/import_floor (j/i)": ratio(
                times["native_live_cold"], times["import_floor"]
            ),
            "native_live/native_live_cold (d/j)": ratio(
                times["native_live"], times["native_live_cold"]
            ),
            "precommit/precommit_noop (e/f)": ratio(times["precommit"], times["precommit_noop"]),
            "precommit/empty_python (e/b)": ratio(times["precommit"], times["empty_python"]),
            "precommit_live/precommit_noop (k/f)": ratio(
                times["precommit_live"], times["precommit_noop"]
            ),
            **(
                {
                    "prek/prek_noop (g/h)": ratio(times["prek"], times["prek_noop"]),
                    "prek_live/prek_noop (l/h)": ratio(times["prek_live"], times["prek_noop"]),
                }
                if "prek" in times
                else {}
            ),
        },
    }


def _set_up(box: Sandbox) -> dict[str, Variant]:
    from filelock import FileLock

    box.cache.mkdir(parents=True, exist_ok=True)
    env = box.env()
    with FileLock(str(box.cache / "lock")):
        snapshot, _ = precommit.snapshot_checkout(box.cache, env)
        noop, noop_rev = precommit.noop_hook_repo(box.cache, env)
        names = [*VARIANTS, *(PREK_VARIANTS if precommit.prek() else [])]
        variants = {name: Variant(box.new_repo(f"commit-{name}", FILES), env) for name in names}
        _empty_python_hook(variants["empty_python"].repo.path)
        for name in (
            "native",
            "native_live",
            "native_live_cold",
            "precommit",
            "precommit_live",
            "prek",
            "prek_live",
        ):
            if name not in variants:
                continue
            repo = variants[name].repo
            run(["ai-journal", "init", "--hook-repo", snapshot], repo.path, env)
            repo.commit("set up ai-journal")
        for name in ("native", "native_live", "native_live_cold"):
            run(["ai-journal", "install", "--native"], variants[name].repo.path, env)
        for name in ("precommit", "precommit_live"):
            precommit.install(variants[name].repo.path, env, list(precommit_config.HOOK_TYPES))
        consumer = variants["precommit_noop"].repo
        consumer.write({".pre-commit-config.yaml": precommit.noop_config(noop, noop_rev)})
        consumer.commit("set up pre-commit")
        precommit.install(consumer.path, env, ["pre-commit", "post-commit"])
        precommit.collect_garbage(consumer.path, env)
        if "prek" in variants:
            for name in ("prek", "prek_live"):
                precommit.install_prek(variants[name].repo.path, env, precommit_config.HOOK_TYPES)
            consumer = variants["prek_noop"].repo
            consumer.write({".pre-commit-config.yaml": precommit.noop_config(noop, noop_rev)})
            consumer.commit("set up prek")
            precommit.install_prek(consumer.path, env, ("pre-commit", "post-commit"))
    for name in (name for name in LIVE if name in variants):
        live, home = variants[name], box.root / f"codex-{name}"
        live.env = box.env(codex_home=home, **{resident.SWITCH: "1" if LIVE[name] else "0"})
        live.live = _live_session(home, live.repo.path)
    floor = variants["import_floor"]
    floor.modules = _stage_imports(variants["native_live_cold"])
    _import_floor_hook(floor.repo.path, floor.modules)
    return variants


def _stage_imports(live: Variant) -> list[str]:
    """The modules one live stage imports, in the order `-X importtime` reports them finished (a
    module's own imports first), from a commit made outside the timing."""
    live.commit({"PYTHONPROFILEIMPORTTIME": "1"})
    names = [
        line.rsplit("|", 1)[1].strip()
        for line in live.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    ]
    modules = [name for name in names if name and name != "imported package"]
    if not any(name.startswith("journal.") for name in modules):
        raise RuntimeError(f"no import trace from the live stage: {live.stderr[-500:]!r}")
    return modules


def _import_floor_hook(repo: Path, modules: list[str]) -> None:
    """A native pre-commit hook started as the shim starts Python, which imports those modules and
    does nothing else: the floor the live stage's own work is compared with."""
    listing = repo / ".git" / "hooks" / "floor-modules.txt"
    listing.write_text("\n".join(modules) + "\n")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\nexec {PYTHON} -S -P -c '{_FLOOR}' {CHECKOUT} {listing}\n")
    hook.chmod(0o755)


_FLOOR = """import importlib, sys
sys.path.append(sys.argv[1])
for name in open(sys.argv[2]).read().split():
    try:
        importlib.import_module(name)
    except Exception:
        pass
    if name == "site":
        import site; site.main()
"""


def _empty_python_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "post-commit"
    hook.write_text(f"#!{PYTHON}\n")
    hook.chmod(0o755)


def _live_session(home: Path, repo: Path) -> BenchRollout:
    corpus = Corpus(random.Random(7))
    files = [f"src/mod_{i:02d}.py" for i in range(FILES)]
    folder = home / "sessions" / "2026" / "02" / "23"
    folder.mkdir(parents=True)
    sid = "019c8a59-0000-7000-8000-00000000be0c"
    path = folder / f"rollout-2026-02-23T09-00-00-{sid}.jsonl"
    live = start_session(path, sid, minute(0), str(repo), corpus, files)
    live.flush()
    return live


def _check_hooks_ran(name: str, variant: Variant) -> None:
    """The figures mean nothing if the hooks did not do their work: check what they left."""
    # Without agent sessions there is no journal to write (a day of human commits gets none), so
    # the first and third variants must leave only their events.
    wanted: dict[str, list[str]] = {
        "native": [],
        "native_live": [JOURNALS, FRAGMENTS],
        "native_live_cold": [JOURNALS, FRAGMENTS],
        "precommit_live": [JOURNALS, FRAGMENTS],
        "prek_live": [JOURNALS, FRAGMENTS],
        "precommit": [],
        "prek": [],
    }
    for folder in wanted.get(name, []):
        count = variant.repo.git(
            "rev-list", "--count", f"HEAD~{variant.count}..HEAD", "--", folder
        ).strip()
        if int(count) != variant.count:
            raise RuntimeError(f"{name}: {count} of {variant.count} commits changed {folder}")
    if name in wanted:
        events = variant.repo.path / ".git" / "ai-journal" / "events.jsonl"
        lines = events.read_text().splitlines() if events.exists() else []
        if len(lines) < variant.count:
            raise RuntimeError(
                f"{name}: {len(lines)} post-commit events for {variant.count} commits"
            )

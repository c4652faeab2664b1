"""Random histories that move, replayed through real git with ai-journal's hooks installed.

A history is a list of steps: agent work, commits, amends, interactive rebases, cherry-picks,
merges, hard resets, branch switches, a jump to the next day. Steps carry small integers that
`Replay` reads modulo what the repository holds when the step runs, so every list of steps is a
valid history and hypothesis can shrink one freely. Every step leaves a line in `Replay.log`.

Every change adds a file of its own (`work/w<n>.txt` by an agent, `human/h<n>.txt` by a person), so
only ai-journal's own files can conflict. A conflict stops a rebase, cherry-pick or merge as it
would stop a person, who takes the version of the commit being applied (else the one already
there) and goes on; the next refresh re-derives what that side lacks.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st

from testing.codex_home import CodexHome, Rollout
from testing.git_repo import GitRepo

OUR_PATHS = (".ai-journal/", "docs/ai-journal/")
ACTIONS = ("pick", "squash", "fixup", "drop", "edit")
BRANCHES = ("main", "topic")


@dataclass(frozen=True)
class Work:
    """An agent session prompts and adds a file; with `agent_commits` it commits (everything
    pending) and its output announces the commit."""

    resume: bool  # go on with the newest session instead of starting one
    agent_commits: bool


@dataclass(frozen=True)
class Commit:
    """A person commits everything pending (a file of their own when nothing is)."""


@dataclass(frozen=True)
class Amend:
    change: bool  # add a file of the person's own, else only reword


@dataclass(frozen=True)
class Rebase:
    """`rebase -i HEAD~n` (n from `depth`): git's todo is reordered by the keys in `order` and
    given `actions` in turn (a squash or fixup with no kept commit before it becomes a pick); at an `edit` stop the
    person amends with a file of their own when `amend_at_edit`."""

    depth: int
    order: tuple[int, ...]
    actions: tuple[str, ...]
    amend_at_edit: bool


@dataclass(frozen=True)
class CherryPick:
    index: int  # which of the other branch's commits not yet here


@dataclass(frozen=True)
class Merge:
    fast_forward: bool  # allow a fast-forward, else always a merge commit


@dataclass(frozen=True)
class Reset:
    back: int  # `reset --hard HEAD~n`, n from `back`, never below the base


@dataclass(frozen=True)
class Switch:
    """To the other branch (`topic` is created at HEAD the first time)."""


@dataclass(frozen=True)
class NextDay:
    """The clock jumps 20 hours."""


Step = Work | Commit | Amend | Rebase | CherryPick | Merge | Reset | Switch | NextDay

_small = st.integers(min_value=0, max_value=7)
_work = st.builds(Work, resume=st.booleans(), agent_commits=st.booleans())
_rebase = st.builds(
    Rebase,
    depth=_small,
    order=st.lists(_small, min_size=1, max_size=4).map(tuple),
    actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4).map(tuple),
    amend_at_edit=st.booleans(),
)
# Steps that make commits come more often than the ones that move them, so that there is history
# to move; the simplest steps come first, which is where hypothesis shrinks to.
steps: st.SearchStrategy[Step] = st.one_of(
    _work,
    _work,
    st.just(Commit()),
    st.builds(Amend, change=st.booleans()),
    _rebase,
    _rebase,
    st.just(Switch()),
    st.builds(Merge, fast_forward=st.booleans()),
    st.builds(CherryPick, index=_small),
    st.builds(Reset, back=_small),
    st.just(NextDay()),
)


def histories(min_steps: int, max_steps: int) -> st.SearchStrategy[list[Step]]:
    return st.lists(steps, min_size=min_steps, max_size=max_steps)


PRELUDE: list[Step] = [
    Work(resume=False, agent_commits=True),
    Work(resume=False, agent_commits=False),
    Commit(),
]  # history to move: a commit an agent made and announced, one a person made of agent work

# A GIT_SEQUENCE_EDITOR: the plan's order and actions applied to git's own todo list.
_TODO_EDITOR = """\
import json, sys
plan = json.load(open(sys.argv[1]))
path = sys.argv[2]
lines = [l for l in open(path).read().splitlines() if l.startswith("pick ")]
order, actions = plan["order"], plan["actions"]
ranked = sorted(range(len(lines)), key=lambda i: (order[i % len(order)], i))
out, kept = [], False
for position, index in enumerate(ranked):
    action = actions[position % len(actions)]
    if not kept and action in ("squash", "fixup"):
        action = "pick"
    kept = kept or action != "drop"
    out.append(action + lines[index][len("pick"):])
text = "\\n".join(out) + "\\n"
open(path, "w").write(text)
open(sys.argv[1] + ".todo", "w").write(text)
"""


@dataclass
class Replay:
    """Plays steps on `repo` (hooks installed), writing agent sessions to `codex`."""

    repo: GitRepo
    codex: CodexHome
    base: str  # nothing at or below this commit moves
    sessions: list[Rollout] = field(default_factory=list)
    announced: list[tuple[str, str]] = field(default_factory=list)  # (session id, sha)
    files: int = 0
    log: list[str] = field(default_factory=list)

    def run(self, history: list[Step]) -> None:
        for step in history:
            done = getattr(self, _HANDLERS[type(step)])(step)
            self.log.append(f"{type(step).__name__}: {done}")

    def work(self, step: Work) -> str:
        session = self._session(step.resume)
        name = self._new_file("work/w")
        patch = f"*** Begin Patch\n*** Add File: {name}\n+{name}\n*** End Patch\n"
        session.prompt(f"Add {name}", cwd=str(self.repo.path)).apply_patch(patch)
        self.repo.write({name: f"{name}\n"})
        self.repo.clock = max(self.repo.clock, session.clock)
        if not step.agent_commits:
            session.reply(f"Added {name}.")
            return f"{session.id[:8]} adds {name}"
        sha = self._commit(f"Add {name}", at=session.clock + timedelta(seconds=1))
        announcement = f"[{self.repo.branch()} {sha[:7]}] Add {name}\n"
        session.shell(f"git add -A && git commit -m 'Add {name}'", output=announcement)
        session.reply(f"Committed {name}.")
        self.announced.append((session.id, sha))
        return f"{session.id[:8]} commits {name} as {sha[:7]}"

    def commit(self, step: Commit) -> str:
        if not self.repo.git("status", "--porcelain"):
            self._human_file()
        return self._commit("Human change")[:7]

    def amend(self, step: Amend) -> str:
        if self.repo.head() == self.base:
            return "skipped (nothing to amend)"
        old = self.repo.head()
        if step.change:
            self._human_file()
        self.repo.git("commit", "-q", "--amend", "-m", "Amended", env=self._committer_date())
        return f"{old[:7]} -> {self.repo.head()[:7]}"

    def rebase(self, step: Rebase) -> str:
        above = self._first_parents()
        if not above:
            return "skipped (nothing above the base)"
        depth = 1 + step.depth % len(above)
        plan = self.repo.path.parent / f"plan-{len(self.log)}.json"
        plan.write_text(json.dumps({"order": step.order, "actions": step.actions}))
        editor = self.repo.path.parent / "todo_editor.py"
        editor.write_text(_TODO_EDITOR)
        env = {
            **self._committer_date(),
            "GIT_EDITOR": "true",
            "GIT_SEQUENCE_EDITOR": f"{sys.executable} {editor} {plan}",
        }
        self._try_git("rebase", "-i", f"HEAD~{depth}", env=env)
        conflicts = self._finish_sequence("rebase", env, amend_at_edit=step.amend_at_edit)
        todo = Path(f"{plan}.todo")
        picks = todo.read_text().replace("\n", "; ") if todo.exists() else "no todo"
        return f"HEAD~{depth}: {picks} ({conflicts} conflicts) -> {self.repo.head()[:7]}"

    def cherry_pick(self, step: CherryPick) -> str:
        other = self._other_branch()
        if other is None:
            return "skipped (no other branch)"
        listed = self.repo.git(
            "rev-list", "--no-merges", "--cherry-pick", "--right-only", f"HEAD...{other}"
        ).split()
        if not listed:
            return "skipped (nothing to pick)"
        sha = listed[step.index % len(listed)]
        env = {"GIT_EDITOR": "true", **self._dates()}
        self._try_git("cherry-pick", sha, env=env)
        conflicts = self._finish_sequence("cherry-pick", env)
        return f"{sha[:7]} ({conflicts} conflicts) -> {self.repo.head()[:7]}"

    def merge(self, step: Merge) -> str:
        other = self._other_branch()
        if other is None:
            return "skipped (no other branch)"
        mode = "--ff" if step.fast_forward else "--no-ff"
        self._try_git("merge", mode, "-m", f"Merge {other}", other, env=self._dates())
        conflicts = 0
        if (self._git_dir() / "MERGE_HEAD").exists():
            conflicts = self._resolve()
            self.repo.git("commit", "-q", "--no-edit", env=self._dates())
        return f"{other} {mode} ({conflicts} conflicts) -> {self.repo.head()[:7]}"

    def reset(self, step: Reset) -> str:
        above = self._first_parents()
        if not above:
            return "skipped (nothing above the base)"
        back = 1 + step.back % len(above)
        self.repo.git("reset", "-q", "--hard", f"HEAD~{back}")
        return f"HEAD~{back} -> {self.repo.head()[:7]}"

    def switch(self, step: Switch) -> str:
        target = BRANCHES[1 - BRANCHES.index(self.repo.branch())]
        create = () if self._branch_exists(target) else ("-c",)
        self.repo.git("switch", "-q", *create, target)
        return target

    def next_day(self, step: NextDay) -> str:
        self.repo.clock += timedelta(hours=20)
        return self.repo.clock.isoformat()

    # -- helpers -------------------------------------------------------------------------------

    def _session(self, resume: bool) -> Rollout:
        if resume and self.sessions:
            session = self.sessions[-1]
            session.clock = max(session.clock, self.repo.clock) + timedelta(minutes=1)
            return session
        start = self.repo.clock + timedelta(minutes=1)
        sid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ai-journal-history/{len(self.sessions)}"))
        session = self.codex.session(
            self.repo.path,
            start,
            branch=self.repo.branch(),
            commit=self.repo.head(),
            session_id=sid,
        )
        self.sessions.append(session)
        return session

    def _new_file(self, prefix: str) -> str:
        self.files += 1
        return f"{prefix}{self.files}.txt"

    def _human_file(self) -> None:
        name = self._new_file("human/h")
        self.repo.write({name: f"{name}\n"})
        self.repo.git("add", "-A")

    def _commit(self, message: str, at: datetime | None = None) -> str:
        self.repo.git("add", "-A")
        self.repo.git("commit", "-q", "-m", message, env=self._dates(at))
        return self.repo.head()

    def _dates(self, at: datetime | None = None) -> dict[str, str]:
        """Author and committer date: `at`, else a minute after the last step."""
        self.repo.clock = at or self.repo.clock + timedelta(minutes=1)
        return self.repo.date_env(self.repo.clock)

    def _committer_date(self) -> dict[str, str]:
        """Only the committer date: an amend or a rebase keeps each commit's author date."""
        return {"GIT_COMMITTER_DATE": self._dates()["GIT_COMMITTER_DATE"]}

    def _first_parents(self) -> list[str]:
        return self.repo.git("rev-list", "--first-parent", f"{self.base}..HEAD").split()

    def _branch_exists(self, name: str) -> bool:
        return bool(self.repo.git("rev-parse", "--verify", "-q", f"refs/heads/{name}", check=False))

    def _other_branch(self) -> str | None:
        other = BRANCHES[1 - BRANCHES.index(self.repo.branch())]
        return other if self._branch_exists(other) else None

    def _git_dir(self) -> Path:
        return Path(self.repo.git("rev-parse", "--absolute-git-dir").strip())

    def _try_git(self, *args: str, env: dict[str, str]) -> bool:
        """A git command that may stop (a conflict, an `edit`); True when it went through."""
        proc = subprocess.run(
            ["git", *args],
            cwd=self.repo.path,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.returncode == 0

    def _finish_sequence(
        self, command: str, env: dict[str, str], amend_at_edit: bool = False
    ) -> int:
        """Resolve and continue a stopped rebase or cherry-pick until it is done; the number of
        files that were in conflict. A pick left empty by the resolution is skipped."""
        marker = "rebase-merge" if command == "rebase" else "CHERRY_PICK_HEAD"
        conflicts = 0
        for _ in range(50):
            if not (self._git_dir() / marker).exists():
                return conflicts
            resolved = self._resolve()
            conflicts += resolved
            if not resolved and amend_at_edit:
                self._human_file()
                self.repo.git("commit", "-q", "--amend", "--no-edit", env=self._committer_date())
            if not self._try_git(command, "--continue", env=env) and self._nothing_to_commit():
                self._try_git(command, "--skip", env=env)
        status = self.repo.git("status", check=False)
        raise AssertionError(f"the {command} never finished:\n{status}")

    def _nothing_to_commit(self) -> bool:
        unmerged = self.repo.git("diff", "--name-only", "--diff-filter=U")
        return not unmerged and not self.repo.git("diff", "--cached", "--name-only")

    def _resolve(self) -> int:
        """Take a side for every conflicted file of ours; how many there were."""
        unmerged = self.repo.git("diff", "--name-only", "--diff-filter=U").split()
        for path in unmerged:
            assert path.startswith(OUR_PATHS), f"a conflict outside ai-journal's files: {path}"
            listing = self.repo.git("ls-files", "-u", "--", path).splitlines()
            stages = {line.split()[2] for line in listing}
            if stages & {"2", "3"}:
                # The side's blob is written by hand: `git checkout --theirs` would fire
                # post-checkout, which pre-commit refuses while files are unmerged (exit 1).
                side = "3" if "3" in stages else "2"
                (self.repo.path / path).write_text(self.repo.git("show", f":{side}:{path}"))
                self.repo.git("add", "--", path)
            else:
                self.repo.git("rm", "-q", "--", path)
        return len(unmerged)


_HANDLERS = {
    Work: "work",
    Commit: "commit",
    Amend: "amend",
    Rebase: "rebase",
    CherryPick: "cherry_pick",
    Merge: "merge",
    Reset: "reset",
    Switch: "switch",
    NextDay: "next_day",
}


def prepare(path: Path, clock: datetime) -> GitRepo:
    """A repository with a first commit and ai-journal set up by `init` (config, attributes, the
    merge driver), committed; installing hooks is the caller's part."""
    from journal import git, install

    repo = GitRepo.init(path, clock=clock)
    repo.commit("base", {"README.md": "base\n"}, when=clock)
    install.init(git.repo_paths(repo.path), local=True)
    repo.commit("Set up ai-journal")
    return repo


def save(replay: Replay, pristine: Path) -> None:
    """Keep a copy of `replay`'s repository (local state included) and agent logs."""
    shutil.copytree(replay.repo.path, pristine / "repo", symlinks=True)
    shutil.copytree(replay.codex.root, pristine / "codex", symlinks=True)


def restore(replay: Replay, pristine: Path) -> Replay:
    """`replay` as it was when `save`d to `pristine`: the repository and the agent logs are put
    back at the same paths (the logs name the repository's path, the local state both)."""
    for folder, name in ((replay.repo.path, "repo"), (replay.codex.root, "codex")):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(pristine / name, folder, symlinks=True)
    return dataclasses.replace(
        replay,
        repo=GitRepo(replay.repo.path, replay.repo.clock),
        sessions=[copy.copy(session) for session in replay.sessions],
        announced=list(replay.announced),
        log=list(replay.log),
    )

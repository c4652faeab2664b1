"""Journals through a rewrite that only renamed commits: the SHAs of the generated parts
substituted in place, where that is byte for byte what rendering the day again would write.

A day's journal is a function of its context (`journal.day`); a rewrite that replaced each commit
of the day by a successor with the same subject, author, author date, files and (with web links)
renamed parent, and moved the fragments' links and the tasks' evidence by the same renaming,
changes that context only by the SHAs, and the built-in templates write a SHA only whole or as its
first 7 digits. So the frontmatter's `commits` and those two forms in the generated region are
renamed (`journal.remap_text`), after checking what could still differ:
- the order of a day's commits (author date, committer date, SHA) and of a session's commit rows
  (author date, SHA): the renamed order must be the order the new SHAs sort in;
- a SHA-like word in agent, commit or task text: each old SHA must occur exactly as often as the
  templates write it (its commit entry, its child's compare link, the rows of the day's sessions,
  the day's tasks), else the day is rendered;
- the Tasks section: its entries, named by the old SHAs, must be what the view last rendered
  (`journal.remap_tasks`);
- a pending entry, a replaced commit of the day not listed, one the view never saw, a fragment
  rebuilt around it, a template override, a frontmatter of another shape: the day is rendered.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journal import day, git, merge_journal, remap_text, write_batch
from journal.git import CommitInfo
from journal.remap_tasks import TaskSections
from journal.remap_text import Counts

if TYPE_CHECKING:
    from journal.run import Run

_OVERRIDES = Path(".ai-journal") / "templates"


class Step:
    """The journal step of one refresh (see the module docstring)."""

    def __init__(
        self,
        run: Run,
        replaced: set[str],
        tips: list[str],
        new_commits: list[CommitInfo],
        dirty: set[str],
    ) -> None:
        """`replaced`: the commits the new maps replaced; `tips`: the checkpoint's, which still
        exist; `new_commits`: those since then; `dirty`: commits whose entries may list other
        sessions now (linked by a fragment the run rebuilt) or that the view never saw."""
        self.run, self.tz, self.web = run, run.tz, run.web is not None
        self.plan_olds = run.plan.olds if run.plan else {}
        self.renames = self._renames(replaced, tips)
        self.old_info = self._old_info()
        self.new_info = {c.sha: c for c in new_commits}
        self.old_days = {sha: day.commit_day(info, self.tz) for sha, info in self.old_info.items()}
        self.olds_on: dict[date, set[str]] = {}
        for sha, when in self.old_days.items():
            self.olds_on.setdefault(when, set()).add(sha)
        self.short = remap_text.shorts(self.plan_olds, self.renames)
        self.dirty = dirty
        self.dates: dict[str, tuple[float, float]] = {}
        self.tasks = TaskSections(run, self.renames)

    def apply(self, fragments: list[dict[str, Any]], moved: set[str], must: set[date]) -> set[date]:
        """Rename what can be renamed; the days left to render."""
        top = self.run.paths.toplevel
        folder = top / self.run.config.journal_dir
        texts = remap_text.journals_citing(folder, self.plan_olds)
        on_day, moved_days, stuck = self._fragment_days(fragments, moved)
        candidates = set(texts) | moved_days | set(self.olds_on)
        blocked = must | stuck | {self.old_days[x] for x in self.dirty if x in self.old_days}
        blocked |= {
            day.commit_day(self.new_info[x], self.tz) for x in self.dirty & self.new_info.keys()
        }
        if _has_overrides(top) or not self.renames:
            return candidates - must
        left, done, files = set(), [], []
        for when in sorted(candidates - blocked):
            path = folder / f"{when.isoformat()}.md"
            text = texts[when] if when in texts else remap_text.read(path)
            if text is None:  # no journal: none is needed unless a session is on it
                if on_day.get(when) or self._linked_on(when, fragments):
                    left.add(when)
                continue
            renamed = self.substitute(when, text, on_day.get(when, []))
            if renamed is None:
                left.add(when)
            else:
                done.append(when)
                files.append((path, renamed))
        self.run.result.written += write_batch.write_all(files)
        self.run.result.days += done
        self.tasks.keep(done)
        return left | ((candidates & blocked) - must)

    def _fragment_days(
        self, fragments: list[dict[str, Any]], moved: set[str]
    ) -> tuple[dict[date, list[list[Any]]], set[date], set[date]]:
        """Per day the links of each fragment on it (its session rows); the days of the moved
        fragments; the days a fragment that stays as it is cites a renamed commit on (its rows)
        or of (the commit's entry names its session)."""
        on_day: dict[date, list[list[Any]]] = {}
        moved_days: set[date] = set()
        stuck: set[date] = set()
        for doc in fragments:
            links = list(doc.get("commits") or [])
            days = day.fragment_days(doc, self.tz)
            for when in days:
                on_day.setdefault(when, []).append(links)
            if doc.get("id") in moved:
                moved_days |= days
                continue
            cited = {str(link.get("sha")) for link in links} & self.renames.keys()
            if cited:
                stuck |= days | {self.old_days[x] for x in cited if x in self.old_days}
        return on_day, moved_days, stuck

    def substitute(self, when: date, text: str, rows: list[list[dict[str, Any]]]) -> str | None:
        """`text` with the renamed SHAs, or None when rendering could write something else."""
        parts = merge_journal.split(text)
        listed = remap_text.listed(parts.frontmatter)
        if listed is None or not parts.region or remap_text.PENDING in parts.region:
            return None
        if not self._same_commits(when, listed) or not self._rows_sorted(when, parts.region):
            return None
        tasks = self.tasks.counts(when)
        found = remap_text.count(parts.region, self.plan_olds, self.renames, self.short)
        if tasks is None or found is None or found != _plus(self._expected(listed, rows), tasks):
            return None
        front = remap_text.swap_frontmatter(parts.frontmatter, self.renames)
        if front is None:
            return None
        region = remap_text.swap_region(parts.region, self.renames, self.short)
        return parts._replace(frontmatter=front, region=region).text

    # -- what the rewrite renamed ---------------------------------------------------------------

    def _renames(self, replaced: set[str], tips: list[str]) -> dict[str, str]:
        """old -> successor for the one-to-one rewrites whose successor is new on HEAD."""
        from journal import rewrite

        wanted = {
            old: new
            for old, (new, kind) in self.plan_olds.items()
            if old in replaced and new is not None and kind is rewrite.Kind.REWRITTEN
        }
        if not wanted:
            return {}
        revs = "\n".join(["HEAD", *(f"^{tip}" for tip in tips)]) + "\n"
        head = set(git.run(["rev-list", "--stdin"], self.run.paths.toplevel, revs).split())
        return {old: new for old, new in wanted.items() if new in head}

    def _old_info(self) -> dict[str, CommitInfo]:
        present = git.existing_commits(self.run.paths.toplevel, sorted(self.renames))
        if not present or self.run.head.sha is None:
            return {}
        found = self.run.commits(rev=present[0], also=present[1:], exclude=[self.run.head.sha])
        return {c.sha: c for c in found if c.sha in self.renames}

    def _linked_on(self, when: date, fragments: list[dict[str, Any]]) -> bool:
        shas = set(self.olds_on.get(when, ()))
        shas |= {self.renames[x] for x in shas}
        return any(c.get("sha") in shas for doc in fragments for c in doc.get("commits", []))

    # -- the checks ------------------------------------------------------------------------------

    def _same_commits(self, when: date, listed: list[str]) -> bool:
        """Each listed commit is unchanged or renamed to a successor showing the same, every
        replaced commit of the day is listed, and the renamed list is in the order it sorts in."""
        if any(sha in self.plan_olds and sha not in self.renames for sha in listed):
            return False
        for old in (sha for sha in listed if sha in self.renames):
            before, after = self.old_info.get(old), self.new_info.get(self.renames[old])
            if before is None or after is None or not self._same_entry(before, after):
                return False
        if not self.olds_on.get(when, set()) <= set(listed):
            return False
        if len(listed) < 2:
            return True
        keys = self._commit_keys(listed)
        return keys is not None and keys == sorted(keys)

    def _same_entry(self, before: CommitInfo, after: CommitInfo) -> bool:
        shown = ("subject", "author_name", "author_email", "authored", "files")
        if any(getattr(before, name) != getattr(after, name) for name in shown):
            return False
        if len(before.parents) != len(after.parents):
            return False
        parent = before.parents[0] if before.parents else None
        if not self.web or parent is None:
            return True
        if parent in self.plan_olds and parent not in self.renames:
            return False
        return self.renames.get(parent, parent) == after.parents[0]

    def _commit_keys(self, listed: list[str]) -> list[tuple[float, float, str]] | None:
        unchanged = [sha for sha in listed if sha not in self.renames and sha not in self.dates]
        if unchanged:
            self.dates.update(_dates(self.run.paths.toplevel, unchanged))
        keys = []
        for sha in listed:
            new = self.renames.get(sha)
            if new is not None:
                info = self.new_info[new]
                keys.append((_epoch(info.authored), _epoch(info.committed), new))
            elif sha in self.dates:
                keys.append((*self.dates[sha], sha))
            else:
                return None
        return keys

    def _rows_sorted(self, when: date, region: str) -> bool:
        """Each session's commit rows, renamed, are in the order the renderer sorts them in:
        author date, then SHA, every row a commit the day's render knows."""
        start = datetime.combine(when, time.min, self.tz).timestamp()
        for tokens in remap_text.row_tokens(region):
            if len(tokens) < 2:
                continue
            olds = [self.short.get(token) for token in tokens]
            if any(old is None or old not in self.renames for old in olds):
                return False
            infos = [self.new_info[self.renames[str(old)]] for old in olds]
            if any(_epoch(info.committed) < start for info in infos):
                return False
            keys = [(_epoch(info.authored), info.sha) for info in infos]
            if keys != sorted(keys):
                return False
        return True

    def _expected(self, listed: list[str], rows: list[list[dict[str, Any]]]) -> Counts:
        """How often the built-in templates write each renamed commit in this day's commit
        entries and session rows."""
        short: Counter[str] = Counter()
        full: Counter[str] = Counter()
        web = 1 if self.web else 0
        for old in (sha for sha in listed if sha in self.renames):
            parents = self.old_info[old].parents
            short[old] += 1  # the entry's label
            full[old] += web  # its link
            if self.web and parents:  # the compare link names the parent and the commit
                full[old] += 1
                full[parents[0]] += 1 if parents[0] in self.renames else 0
            else:  # `git show <short>`
                short[old] += 1
        for links in rows:
            for sha in (str(link.get("sha")) for link in links):
                if sha in self.renames:
                    short[sha] += 1
                    full[sha] += web
        return +short, +full


def _plus(one: Counts, other: Counts) -> Counts:
    return one[0] + other[0], one[1] + other[1]


def _dates(top: Path, shas: list[str]) -> dict[str, tuple[float, float]]:
    """{sha: (author time, committer time)} of the commits among `shas` that exist."""
    present = git.existing_commits(top, shas)
    if not present:
        return {}
    query = ["log", "--no-walk=unsorted", "--stdin", "--format=%H %at %ct"]
    out = git.run(query, top, "\n".join(present) + "\n")
    found = {}
    for line in out.splitlines():
        sha, authored, committed = line.split()
        found[sha] = (float(authored), float(committed))
    return found


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _has_overrides(top: Path) -> bool:
    folder = top / _OVERRIDES
    return folder.is_dir() and any(folder.iterdir())

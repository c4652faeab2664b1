"""Read-only views for `status` and `sessions`: nothing here writes a file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from journal import checkpoint, fragment, git, state
from journal.errors import JournalError
from journal.run import FRAGMENT_DIR

if TYPE_CHECKING:
    from journal.cli import Repo


def session_lines(repo: Repo) -> list[str]:
    fragments = fragment.load_all(repo.paths.toplevel / FRAGMENT_DIR)
    if not fragments:
        return ["no sessions recorded yet (run `ai-journal import` to back-fill)"]
    return [_session_line(doc, repo.config.timezone) for doc in fragments]


def _session_line(doc: dict[str, Any], tz: str) -> str:
    started = _local(doc.get("started"), tz)
    branch = (doc.get("git") or {}).get("branch") or "-"
    prompts = doc.get("prompts") or []
    first = prompts[0]["text"].splitlines()[0][:60] if prompts else ""
    commits = len(doc.get("commits") or [])
    return (
        f"{started}  {doc['agent']:<6} {branch:<20} {doc['id'][:8]}  {commits} commit(s)  {first}"
    )


def show_session(repo: Repo, prefix: str) -> str:
    matches = [
        path
        for path in sorted((repo.paths.toplevel / FRAGMENT_DIR).glob("*.json"))
        if _fragment_id(path).startswith(prefix) or path.stem.endswith(prefix[:8])
    ]
    if not matches:
        raise JournalError(
            f"no session fragment matches '{prefix}'; see `ai-journal sessions list`"
        )
    if len(matches) > 1:
        names = ", ".join(p.name for p in matches[:5])
        raise JournalError(f"'{prefix}' matches several sessions ({names}); give more of the id")
    return matches[0].read_text(encoding="utf-8")


def _fragment_id(path: Path) -> str:
    data = state.read_json(path, default={}) or {}
    return str(data.get("id", ""))


def status_lines(repo: Repo) -> list[str]:
    head = git.head(repo.paths.toplevel)
    lines = [
        f"branch: {head.branch or '(detached)'} at {head.sha[:7] if head.sha else '(no commits)'}"
    ]
    lines.append(f"last checkpoint: {_last_checkpoint(repo)}")
    unlinked = _unlinked(repo)
    lines.append(f"sessions not yet linked to a commit: {len(unlinked)}")
    lines += [f"  {line}" for line in unlinked[:10]]
    from journal import reconcile

    decisions = reconcile.pending(repo.paths, repo.config)
    lines.append(f"pending reconciliations: {len(decisions)}")
    lines += [f"  {d.question}" for d in decisions[:10]]
    stale = _stale_days(repo)
    if stale:
        lines.append(
            "journal: stale for "
            + ", ".join(d.isoformat() for d in stale)
            + " (run `ai-journal render`)"
        )
    else:
        lines.append("journal: up to date")
    return lines


def _last_checkpoint(repo: Repo) -> str:
    ran_at = checkpoint.last_run(state.local_dir(repo.paths.common_dir))
    if ran_at is None:
        return "never (no commit has run the ai-journal-stage hook yet)"
    moment = datetime.fromtimestamp(ran_at, UTC)
    return moment.astimezone(ZoneInfo(repo.config.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def _unlinked(repo: Repo) -> list[str]:
    fragments = fragment.load_all(repo.paths.toplevel / FRAGMENT_DIR)
    return [_session_line(doc, repo.config.timezone) for doc in fragments if not doc.get("commits")]


def _stale_days(repo: Repo) -> list[date]:
    """Days whose journal differs from what a render would write now (the last commit's day and today)."""
    from journal import day, pipeline, render

    tz = ZoneInfo(repo.config.timezone)
    days = {datetime.now(tz).date()}
    recent = git.commits(repo.paths.toplevel, rev="HEAD", limit=1) if git.head().sha else []
    days |= {day.commit_day(commit, tz) for commit in recent}
    env = render.environment(repo.paths.toplevel)
    stale = []
    for when in sorted(days):
        path = repo.paths.toplevel / repo.config.journal_dir / f"{when.isoformat()}.md"
        existing = path.read_text(encoding="utf-8") if path.exists() else None
        # The journal committed with HEAD shows HEAD as "pending": that view is up to date too.
        views = [
            pipeline.day_context(repo.paths, repo.config, when, head_as_pending=as_pending)
            for as_pending in (False, True)
        ]
        if existing is None and not any(v.get("sessions") or v.get("commits") for v in views):
            continue
        if all(render.render_text(existing, view, env) != existing for view in views):
            stale.append(when)
    return stale


def _local(stamp: str | None, tz: str) -> str:
    if not stamp:
        return "????-??-?? ??:??"
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")

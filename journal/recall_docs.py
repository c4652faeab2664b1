"""The documents recall searches, read from where ai-journal keeps them.

* sessions: the committed fragments of the work tree (prompts, summary, title; anchored to their
  linked commits), and the parsed-session cache for sessions without a fragment yet (their text
  scrubbed and redacted as a fragment's would be);
* commits: full messages of the commits of every local branch (anchored to themselves, with their
  patch-id);
* journals: each day's journal in the work tree without its frontmatter (the generated region and
  what people wrote around it), anchored to the commits its frontmatter lists;
* tasks: the titles of `project_state.json`, anchored to their evidence commits.
Journals and tasks are read from a work tree, which shows one branch: their documents are kept
per branch. Each reader returns only what changed since the marks it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from journal import git, state
from journal.errors import StateCorrupt
from journal.recall_filter import Anchor
from journal.recall_store import Doc

FRAGMENT_DIR = Path(state.COMMITTED_DIRNAME) / "sessions"
STATE_FILE = Path(state.COMMITTED_DIRNAME) / "project_state.json"
TITLE_MAX_CHARS = 100
PATCH_IDS_PER_RUN = 2000  # patch-ids of the newest commits only: a first index stays quick
_DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.md")
_SHA = re.compile(r"\b[0-9a-f]{40}\b")

Marks = dict[str, list[Any]]  # file name -> [mtime_ns, size, …]


class Changed(NamedTuple):
    docs: list[Doc]
    gone: list[str]  # doc ids whose source disappeared
    marks: Marks


def day_of(stamp: str | None, tz: ZoneInfo) -> str | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (
        (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz).date().isoformat()
    )


def _title(*candidates: str | None) -> str:
    text = next((" ".join(c.split()) for c in candidates if c and c.strip()), "")
    return text if len(text) <= TITLE_MAX_CHARS else text[: TITLE_MAX_CHARS - 1] + "…"


def _stat_marks(files: Iterable[Path]) -> Marks:
    marks: Marks = {}
    for path in files:
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        marks[path.name] = [st.st_mtime_ns, st.st_size]
    return marks


def _changed_files(folder: Path, pattern: str, old: Marks) -> tuple[list[Path], list[str], Marks]:
    new = _stat_marks(sorted(folder.glob(pattern))) if folder.is_dir() else {}
    changed = [folder / name for name, mark in new.items() if old.get(name, [])[:2] != mark]
    return changed, [name for name in old if name not in new], new


# -- sessions -------------------------------------------------------------------------------------


def fragment_docs(toplevel: Path, marks: Marks, tz: ZoneInfo) -> Changed:
    changed, _, new = _changed_files(toplevel / FRAGMENT_DIR, "*.json", marks)
    return Changed(read_fragments(changed, tz), [], new)


def read_fragments(files: Iterable[Path], tz: ZoneInfo) -> list[Doc]:
    """The session documents of these fragment files (missing or broken ones give none)."""
    docs = []
    for path in files:
        try:
            data = state.read_json(path)
        except (StateCorrupt, FileNotFoundError):
            continue  # a broken fragment is reported by the commands that own it
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            docs.append(_fragment_doc(data, tz))
    return docs


def _fragment_doc(data: dict[str, Any], tz: ZoneInfo) -> Doc:
    prompts = [str(p.get("text") or "") for p in data.get("prompts") or [] if isinstance(p, dict)]
    summary = str(data.get("summary") or "")
    links = [c for c in data.get("commits") or [] if isinstance(c, dict) and c.get("sha")]
    keys = [Anchor(str(c["sha"]), c.get("patch_id") or None) for c in links]
    branch = (data.get("git") or {}).get("branch")
    return Doc(
        doc_id=f"session:{data['id']}",
        kind="session",
        ref=str(data["id"]),
        title=_title(data.get("title"), *prompts, summary, str(data["id"])),
        body="\n".join([*prompts, summary]),
        branch=branch if isinstance(branch, str) else None,
        sha=keys[0].sha if keys else None,
        day=day_of(data.get("started"), tz),
        keys=keys,
    )


def cached_session_docs(
    paths: git.RepoPaths, config: Any, versions: dict[str, str], tz: ZoneInfo
) -> tuple[list[Doc], dict[str, str]]:
    """Sessions of the parsed-session cache whose record moved since `versions`, and the new
    versions."""
    from journal import ingest

    cache = ingest.cached(state.local_dir(paths.common_dir))
    index = {sid: s for sid, s in cache.index.items() if s.parent_id is None}
    current = {sid: summary.version for sid, summary in index.items()}
    moved = [sid for sid, version in current.items() if versions.get(sid) != version]
    if not moved:
        return [], current
    scrub = scrub_for(paths, config)
    docs = [session_doc(session, scrub, config, tz) for session in cache.load(moved).values()]
    return docs, current


def scrub_for(paths: git.RepoPaths, config: Any) -> Any:
    """How a cached session's text is cleaned, as its fragment's would be."""
    from journal.fragment_fields import Scrub
    from journal.redact import Redactor

    return Scrub(Redactor.from_config(config), paths.toplevel, git.worktrees(paths.toplevel))


def session_doc(session: Any, scrub: Any, config: Any, tz: ZoneInfo) -> Doc:
    from journal.fragment_fields import final_summary

    prompts = [scrub.text(p.text, config.prompt_max_chars) for p in session.prompts]
    summary = final_summary(session, scrub, config.summary_max_chars) or ""
    title = scrub.text(session.title, config.prompt_max_chars) if session.title else None
    return Doc(
        doc_id=f"session:{session.id}",
        kind="session",
        ref=session.id,
        title=_title(title, *prompts, summary, session.id),
        body="\n".join([*prompts, summary]),
        branch=session.git_branch,
        day=day_of(session.started, tz),
    )


# -- commits --------------------------------------------------------------------------------------


def commit_docs(
    toplevel: Path, exclude: list[str], tz: ZoneInfo
) -> tuple[list[Doc], list[tuple[str, str]]]:
    """Commits new since `exclude` (the tips indexed last time; those that no longer exist are
    ignored), and (sha, patch-id) pairs for the newest of them."""
    found = git.commit_messages(toplevel, exclude)
    patch_ids = git.patch_ids(toplevel, [c.sha for c in found[:PATCH_IDS_PER_RUN]])
    docs = []
    for commit in found:
        subject, _, body = commit.message.partition("\n")
        day = datetime.fromtimestamp(commit.authored, UTC).astimezone(tz).date().isoformat()
        docs.append(
            Doc(
                doc_id=f"commit:{commit.sha}",
                kind="commit",
                ref=commit.sha,
                title=_title(subject, commit.sha),
                body=body.strip(),
                branch=commit.branch,
                sha=commit.sha,
                day=day,
                keys=[Anchor(commit.sha, patch_ids.get(commit.sha))],
            )
        )
    return docs, sorted(patch_ids.items())


# -- journals and tasks ---------------------------------------------------------------------------


def journal_docs(folder: Path, branch: str | None, marks: Marks) -> Changed:
    changed, removed, new = _changed_files(folder, "*.md", marks)
    gone = [f"journal:{branch or ''}:{Path(name).stem}" for name in removed]
    return Changed(read_journals(changed, branch), gone, new)


def read_journals(files: Iterable[Path], branch: str | None) -> list[Doc]:
    """The documents of these day journals, as `branch`'s (other files and missing ones give
    none)."""
    docs = []
    for path in files:
        if not _DAY_FILE.fullmatch(path.name):
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            continue
        front, body = _split_frontmatter(text)
        day = path.stem
        docs.append(
            Doc(
                doc_id=f"journal:{branch or ''}:{day}",
                kind="journal",
                ref=day,
                title=f"Journal {day}",
                body=body,
                branch=branch,
                day=day,
                keys=[Anchor(sha) for sha in dict.fromkeys(_SHA.findall(front))],
            )
        )
    return docs


def _split_frontmatter(text: str) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    if lines and lines[0].rstrip("\r\n") == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.rstrip("\r\n") in ("---", "..."):
                return "".join(lines[:index]), "".join(lines[index + 1 :])
    return "", text


def task_docs(toplevel: Path, branch: str | None, tz: ZoneInfo) -> list[Doc]:
    """Every task of the work tree's `project_state.json` (a broken file gives none)."""
    try:
        data = state.read_json(toplevel / STATE_FILE, default={}) or {}
    except StateCorrupt:
        return []
    milestones = {
        m.get("id"): m.get("title") for m in data.get("milestones") or [] if isinstance(m, dict)
    }
    docs = []
    for task in data.get("tasks") or []:
        if not isinstance(task, dict) or not isinstance(task.get("id"), str):
            continue
        evidence = (task.get("evidence") or {}).get("commits") or []
        labels = [str(label) for label in task.get("labels") or []]
        docs.append(
            Doc(
                doc_id=f"task:{branch or ''}:{task['id']}",
                kind="task",
                ref=task["id"],
                title=_title(task.get("title"), task["id"]),
                body=" ".join([*labels, str(milestones.get(task.get("milestone")) or "")]).strip(),
                branch=branch,
                day=day_of(task.get("created"), tz),
                keys=[Anchor(str(sha)) for sha in evidence if isinstance(sha, str)],
            )
        )
    return docs

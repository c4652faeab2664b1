from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import git
from journal.config import Config
from journal.day import build_context, commit_day, fragment_days
from journal.errors import JournalError
from journal.web import web_links
from testing.git_repo import GitRepo
from tests import samples

PARIS = Config(timezone="Europe/Paris")
GITHUB = web_links("git@github.com:acme/widgets.git")
MON, TUE = date(2026, 2, 23), date(2026, 2, 24)


def _all_fragments() -> list[dict[str, Any]]:
    return [samples.health_session(), samples.cli_session(), samples.night_session()]


def _context(day: date = MON, config: Config = PARIS, **kwargs: Any) -> dict[str, Any]:
    commits = [*samples.day_commits(), samples.night_commit()]
    return build_context(day, _all_fragments(), commits, config=config, web=GITHUB, **kwargs)


def _session(context: dict[str, Any], session_id: str) -> dict[str, Any]:
    return next(s for s in context["sessions"] if s["id"] == session_id)


def test_days_follow_the_configured_timezone() -> None:
    night = samples.night_session()
    assert fragment_days(night, ZoneInfo("Europe/Paris")) == {MON, TUE}
    assert fragment_days(night, ZoneInfo("UTC")) == {MON}
    assert fragment_days(night, ZoneInfo("America/New_York")) == {MON}


def test_commit_day_is_the_local_author_day() -> None:
    rebased = samples.night_commit()._replace(committed="2026-03-02T10:00:00Z")
    assert commit_day(rebased, ZoneInfo("Europe/Paris")) == TUE
    assert commit_day(rebased, ZoneInfo("UTC")) == MON


def test_a_session_across_midnight_is_split_by_local_day() -> None:
    monday = _session(_context(MON), samples.NIGHT_SESSION)
    tuesday = _session(_context(TUE), samples.NIGHT_SESSION)
    assert (monday["start"], monday["end"]) == ("23:41", "23:58")
    assert (tuesday["start"], tuesday["end"]) == ("00:05", "00:37")
    assert monday["first_prompt"] == "The nightly export job times out; find out why."
    assert tuesday["first_prompt"] == "Batch the queries and add a regression test."
    assert [c["command"] for c in monday["commands"]] == [
        "python -m widgets.export --dry-run",
        "pytest tests/test_export.py -q",
    ]
    assert [c["exit_code"] for c in tuesday["commands"]] == [0]
    assert monday["files"] == [{"path": "src/widgets/export.py", "action": "update"}]
    assert tuesday["files"] == [{"path": "tests/test_export.py", "action": "add"}]
    assert (monday["tokens"], tuesday["tokens"]) == (20000, 15500)
    assert monday["continues_next_day"]
    assert not monday["continued_from_previous_day"]
    assert tuesday["continued_from_previous_day"]
    assert not tuesday["continues_next_day"]
    assert monday["summary"] is None
    assert tuesday["summary"].startswith("Batched the export queries")


def test_plans_keep_only_the_days_snapshots() -> None:
    monday = [p for p in _context(MON)["plans"] if p["session_id"] == samples.NIGHT_SESSION]
    tuesday = _context(TUE)["plans"]
    assert [(p["completed"], p["total"], p["time"]) for p in monday] == [(1, 2, "23:50")]
    assert [(p["completed"], p["total"], p["time"]) for p in tuesday] == [(3, 3, "00:25")]
    assert tuesday[0]["steps"][-1] == {"step": "Add a regression test", "status": "completed"}


def test_a_session_with_two_unrelated_plans_lists_both() -> None:
    fragment = samples.health_session()
    fragment["plans"].append(
        {
            "ts": "2026-02-23T09:36:30.000Z",
            "explanation": "README",
            "steps": [{"step": "Describe /health in the README", "status": "completed"}],
        }
    )
    context = build_context(MON, [fragment], [], config=PARIS, web=None)
    assert [(p["time"], p["total"]) for p in context["plans"]] == [("10:12", 3), ("10:36", 1)]


def test_session_fields() -> None:
    health = _session(_context(), samples.HEALTH_SESSION)
    assert health["resume"] == f"codex resume {samples.HEALTH_SESSION}"
    assert health["short_id"] == "019c8a59"
    assert health["prompts"] == 2
    assert (health["commands_total"], health["failed_commands"], health["commands_more"]) == (
        4,
        1,
        0,
    )
    assert health["files"] == [
        {"path": "README.md", "action": "update"},
        {"path": "src/widgets/app.py", "action": "update"},
        {"path": "tests/test_health.py", "action": "add"},  # added, then edited: still new
    ]
    assert [(c["short"], c["strength"], c["subject"]) for c in health["commits"]] == [
        ("3f9c2a1", "explicit", "Add /health endpoint"),
        ("5d6e7f8", "files", "Document the health check"),
    ]
    assert health["commits"][0]["url"] == f"https://github.com/acme/widgets/commit/{samples.HEALTH}"
    cli = _session(_context(), samples.CLI_SESSION)
    assert cli["outcome"] == "interrupted"
    assert cli["failed_commands"] == 1  # exit 2 failed; a command without exit code did not


def test_commands_are_capped_with_a_remainder() -> None:
    context = _context(config=Config(timezone="Europe/Paris", max_commands=2))
    health = _session(context, samples.HEALTH_SESSION)
    assert [c["command"] for c in health["commands"]] == ['rg -n "app.route" src', "pytest -q"]
    assert (health["commands_more"], health["commands_total"]) == (2, 4)
    assert context["summary"]["commands"] == 9


def test_commits_carry_links_diffstat_and_their_sessions() -> None:
    commits = _context()["commits"]
    assert [c["short"] for c in commits] == ["3f9c2a1", "5d6e7f8", "8c9d0e1", "b1c2d3e"]
    first = commits[0]
    assert (first["files"], first["insertions"], first["deletions"], first["time"]) == (
        2,
        43,
        2,
        "10:38",
    )
    assert first["compare_url"] == (
        f"https://github.com/acme/widgets/compare/{samples.BASE}...{samples.HEALTH}"
    )
    assert first["show"] == "git show 3f9c2a1"
    assert [(r["short_id"], r["strength"]) for r in first["sessions"]] == [("019c8a59", "explicit")]
    assert commits[3]["sessions"] == []
    assert all(not c["pending"] for c in commits)


def test_a_commit_linked_by_several_sessions_lists_the_strongest_first() -> None:
    cli = samples.cli_session()
    cli["commits"].append({"sha": samples.DOCS, "patch_id": "p-docs", "strength": "time"})
    health = samples.health_session()
    health["commits"].append({"sha": samples.DOCS, "patch_id": "p-docs", "strength": "explicit"})
    context = build_context(MON, [cli, health], samples.day_commits(), config=PARIS, web=None)
    docs = next(c for c in context["commits"] if c["sha"] == samples.DOCS)
    assert [(r["short_id"], r["strength"]) for r in docs["sessions"]] == [
        ("019c8a59", "explicit"),  # the stronger of the session's two links
        ("019c8a70", "time"),
    ]


def test_a_rewritten_commit_is_found_by_patch_id() -> None:
    amended = samples.day_commits()[0]._replace(sha="9" * 40)
    context = build_context(MON, _all_fragments(), [amended], config=PARIS, web=None)
    assert [r["short_id"] for r in context["commits"][0]["sessions"]] == ["019c8a59"]


def test_pending_commit_and_its_sessions() -> None:
    links = [{"session_id": samples.HEALTH_SESSION, "strength": "files"}]
    context = _context(pending=samples.pending_commit(), pending_links=links)
    pending = context["pending"]
    assert pending["pending"]
    assert pending["sha"] == ""
    assert pending["url"] is None
    assert pending["compare_url"] is None
    assert pending["show"] is None
    assert [(r["short_id"], r["strength"]) for r in pending["sessions"]] == [("019c8a59", "files")]
    assert _session(context, samples.HEALTH_SESSION)["commits"][-1] == {
        "sha": "",
        "short": "",
        "url": None,
        "subject": None,
        "strength": "files",
        "pending": True,
    }
    assert "" not in [c["sha"] for c in context["commits"]]
    assert context["summary"]["pending"] == 1
    assert context["summary"]["insertions"] == 62 + 4


def test_summary_and_branches() -> None:
    context = _context(branches=["release/0.4"])
    assert context["branches"] == ["fix/config-typos", "main", "release/0.4"]
    assert context["summary"] == {
        "sessions": 3,
        "commits": 4,
        "pending": 0,
        "files_changed": 6,
        "insertions": 62,
        "deletions": 7,
        "commands": 9,
        "failed_commands": 4,
        "tokens": 48213 + 22950 + 20000,
    }
    assert (context["date"], context["weekday"], context["timezone"]) == (
        "2026-02-23",
        "Monday",
        "Europe/Paris",
    )
    assert context["web"] == {"kind": "github", "url": "https://github.com/acme/widgets"}


def test_context_is_plain_json_and_independent_of_input_order() -> None:
    forward = _context(pending=samples.pending_commit())
    fragments, commits = (
        _all_fragments()[::-1],
        [samples.night_commit(), *samples.day_commits()[::-1]],
    )
    backward = build_context(
        MON, fragments, commits, config=PARIS, web=GITHUB, pending=samples.pending_commit()
    )
    assert json.loads(json.dumps(forward)) == forward
    assert forward == backward


def test_a_day_without_anything() -> None:
    context = build_context(
        date(2026, 3, 1), _all_fragments(), samples.day_commits(), config=PARIS, web=None
    )
    assert (context["sessions"], context["commits"], context["plans"]) == ([], [], [])
    assert context["pending"] is None
    assert context["web"] is None


def test_an_unreadable_timestamp_is_a_journal_error() -> None:
    fragment = samples.health_session()
    fragment["prompts"][0]["ts"] = "yesterday-ish"
    with pytest.raises(JournalError, match="unreadable time 'yesterday-ish'"):
        build_context(MON, [fragment], [], config=PARIS, web=None)


def test_commits_from_a_real_repository(repo: GitRepo) -> None:
    repo.commit(
        "Add app", {"app.py": "print('hi')\n"}, when=datetime(2026, 2, 23, 23, 30, tzinfo=UTC)
    )
    repo.commit("Late fix", {"app.py": "print('hello')\n"})
    commits = git.commits(repo.path, with_patch_ids=True)
    tuesday = build_context(TUE, [], commits, config=PARIS, web=None)
    assert [c["subject"] for c in tuesday["commits"]] == ["Add app", "Late fix"]
    assert tuesday["commits"][0]["parent"] is None
    assert tuesday["commits"][0]["compare_url"] is None
    assert tuesday["commits"][1]["insertions"] == 1
    assert tuesday["commits"][1]["deletions"] == 1
    assert build_context(MON, [], commits, config=Config(), web=None)["summary"]["commits"] == 2


_zones = st.sampled_from(
    ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham"]
)
_offsets = st.lists(st.integers(min_value=0, max_value=3 * 24 * 60), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    zone=_zones,
    minutes=_offsets,
    exits=st.lists(st.sampled_from([0, 1, None]), min_size=30, max_size=30),
)
def test_days_partition_a_sessions_events(
    zone: str, minutes: list[int], exits: list[int | None]
) -> None:
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # spans a daylight-saving change in Europe
    stamps = sorted(
        (start + timedelta(minutes=m)).isoformat().replace("+00:00", "Z") for m in minutes
    )
    fragment = samples.health_session()
    fragment.update(
        started=stamps[0],
        ended=stamps[-1],
        prompts=[{"ts": ts, "text": f"prompt {i}"} for i, ts in enumerate(stamps)],
        commands=[
            {"ts": ts, "command": f"cmd {i}", "exit_code": exits[i]} for i, ts in enumerate(stamps)
        ],
        files=[],
        plans=[],
    )
    config = Config(timezone=zone, max_commands=1000)
    days = sorted(fragment_days(fragment, ZoneInfo(zone)))
    seen = [
        _session(build_context(d, [fragment], [], config=config, web=None), samples.HEALTH_SESSION)
        for d in days
    ]
    assert sum(s["prompts"] for s in seen) == len(stamps)
    assert [c["command"] for s in seen for c in s["commands"]] == [
        f"cmd {i}" for i in range(len(stamps))
    ]
    assert sum(s["failed_commands"] for s in seen) == sum(1 for e in exits[: len(stamps)] if e)
    assert [s["summary"] is not None for s in seen] == [False] * (len(days) - 1) + [True]
    assert seen[0]["continued_from_previous_day"] is False
    assert seen[-1]["continues_next_day"] is False

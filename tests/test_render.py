from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import frontmatter
import mistune
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import git, render
from journal.config import Config
from journal.day import build_context
from journal.errors import JournalError
from journal.web import web_links
from testing.git_repo import GitRepo
from tests import samples

GOLDEN = Path(__file__).parent / "golden"
PARIS = Config(timezone="Europe/Paris")
MON, TUE = date(2026, 2, 23), date(2026, 2, 24)
NOWHERE = Path("/nonexistent-toplevel")  # no overrides: built-in templates only


def _env(toplevel: Path | None = None) -> Any:
    return render.environment(toplevel) if toplevel else _builtin_env()


@functools.cache
def _builtin_env() -> Any:
    return render.environment(NOWHERE)


def _two_sessions(web: str | None = "git@github.com:acme/widgets.git") -> dict[str, Any]:
    fragments = [samples.health_session(), samples.cli_session()]
    return build_context(MON, fragments, samples.day_commits(), config=PARIS, web=web_links(web))


def _midnight(day: date) -> dict[str, Any]:
    return build_context(
        day,
        [samples.night_session()],
        [samples.night_commit()],
        config=PARIS,
        web=web_links("git@gitlab.com:acme/platform/widgets.git"),
    )


def _pending() -> dict[str, Any]:
    return build_context(
        MON,
        [samples.health_session()],
        samples.day_commits()[:2],
        config=PARIS,
        web=web_links("https://ada@bitbucket.org/acme/widgets.git"),
        pending=samples.pending_commit(),
        pending_links=[{"session_id": samples.HEALTH_SESSION, "strength": "files"}],
    )


CASES = {
    "two_sessions": _two_sessions,
    "midnight_monday": lambda: _midnight(MON),
    "midnight_tuesday": lambda: _midnight(TUE),
    "pending_commit": _pending,
    "no_web_host": lambda: _two_sessions(web=None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    text = render.render_text(None, CASES[case](), _env())
    golden = GOLDEN / f"{case}.md"
    if os.environ.get("UPDATE_GOLDENS") == "1":
        golden.write_bytes(text.encode("utf-8"))
    assert text == golden.read_bytes().decode("utf-8"), (
        f"rerun with UPDATE_GOLDENS=1 to see {golden}"
    )


def test_no_web_host_shows_plain_shas_and_a_git_show_hint() -> None:
    text = render.render_text(None, _two_sessions(web=None), _env())
    assert "http" not in text
    assert "`git show 3f9c2a1`" in text


def test_pending_commit_reads_as_this_commit() -> None:
    text = render.render_text(None, _pending(), _env())
    assert "- **this commit (pending)** · 1 file, +4 −1 · from codex `019c8a59` (files)" in text
    meta = frontmatter.loads(text).metadata
    assert meta["commits"] == [samples.HEALTH, samples.DOCS]  # the pending one has no SHA yet


def test_frontmatter() -> None:
    meta = frontmatter.loads(render.render_text(None, _two_sessions(), _env())).metadata
    assert meta == {
        "date": MON,
        "branches": ["fix/config-typos", "main"],
        "commits": [samples.HEALTH, samples.DOCS, samples.CLI, samples.BUMP],
        "sessions": [samples.HEALTH_SESSION, samples.CLI_SESSION],
        "schema": 1,
    }


def test_same_inputs_give_identical_bytes_and_one_final_newline() -> None:
    first = render.render_text(None, _two_sessions(), _env())
    assert render.render_text(first, _two_sessions(), _env()) == first
    assert render.render_text(None, _two_sessions(), _env()) == first
    assert first.endswith("-->\n")
    assert not first.endswith("\n\n")


# --- a person's text around the generated region --------------------------------------------

INTRO = "Reviewed with Bea — the /health work is ready. 🚀\n\n"
OUTRO = "\n## Notes\n\n- 東京 deploy at 17:00\n- naïve café \u200fעברית\u200f\u00a0done\n"


def _with_notes(text: str, before: str = INTRO, after: str = OUTRO) -> str:
    head, marker, rest = text.partition(render.BEGIN)
    return head + before + marker + rest + after


def test_notes_before_and_after_are_kept_byte_for_byte() -> None:
    fresh = render.render_text(None, _pending(), _env())
    edited = _with_notes(fresh)
    again = render.render_text(edited, _two_sessions(), _env())
    assert INTRO + render.BEGIN in again
    assert again.endswith(render.END + "\n" + OUTRO)
    assert "3 sessions" not in again  # the region itself was replaced
    assert "2 sessions · 4 commits" in again
    assert render.render_text(again, _two_sessions(), _env()) == again


def test_note_right_after_the_end_marker() -> None:
    fresh = render.render_text(None, _two_sessions(), _env())
    edited = fresh + "Follow-up: ask about the retry policy."
    again = render.render_text(edited, _pending(), _env())
    assert again.endswith(render.END + "\nFollow-up: ask about the retry policy.\n")


def test_trailing_blank_lines_become_one_newline() -> None:
    fresh = render.render_text(None, _two_sessions(), _env())
    again = render.render_text(fresh + "note\n\n\n\n", _two_sessions(), _env())
    assert again.endswith("note\n")
    assert again == fresh + "note\n"


def test_crlf_file_keeps_its_newlines_and_notes() -> None:
    fresh = _with_notes(render.render_text(None, _two_sessions(), _env()))
    crlf = fresh.replace("\n", "\r\n")
    again = render.render_text(crlf, _pending(), _env())
    assert "\n" not in again.replace("\r\n", "")
    assert INTRO.replace("\n", "\r\n") + render.BEGIN in again
    assert again.endswith(render.END + "\r\n" + OUTRO.replace("\n", "\r\n"))
    assert again.replace("\r\n", "\n") == render.render_text(fresh, _pending(), _env())


def test_deleted_markers_keep_everything_and_append_a_fresh_region() -> None:
    fresh = render.render_text(None, _two_sessions(), _env())
    unmarked = fresh.replace(render.BEGIN + "\n", "").replace(render.END + "\n", "")
    unmarked += "My own summary of the day."
    again = render.render_text(unmarked, _pending(), _env())
    kept = unmarked.split("---\n", 2)[2] + "\n"  # everything after the frontmatter
    assert again.split("---\n", 2)[2].startswith(kept)
    assert again.endswith(render.render_region(_pending(), _env()) + "\n" + render.END + "\n")
    assert render.render_text(again, _pending(), _env()) == again


@pytest.mark.parametrize("lost", [render.BEGIN, render.END])
def test_one_deleted_marker_never_eats_a_persons_text(lost: str) -> None:
    fresh = _with_notes(render.render_text(None, _two_sessions(), _env()))
    broken = fresh.replace(lost + "\n", "")
    again = render.render_text(broken, _pending(), _env())
    body = broken.split("---\n", 2)[2]
    assert body in again
    assert again.count("this commit (pending)") == 2  # the fresh region only
    assert render.render_text(again, _pending(), _env()) == again
    assert render.render_text(again, _two_sessions(), _env()).count(body) == 1


def test_a_file_without_frontmatter_gets_one_and_keeps_its_text() -> None:
    person = "# Monday\n\nStand-up notes, written before any render.\n"
    again = render.render_text(person, _two_sessions(), _env())
    assert again.startswith("---\ndate: 2026-02-23\n")
    assert "---\n" + person + render.BEGIN in again


_note_line = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs"], blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    ),
    max_size=40,
).filter(lambda line: line.strip() not in (render.BEGIN, render.END))
_notes = st.lists(_note_line, max_size=6).map(lambda lines: "".join(f"{line}\n" for line in lines))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=_notes, after=_notes)
def test_any_notes_survive_rerendering(before: str, after: str) -> None:
    env = _env()
    edited = _with_notes(render.render_text(None, _two_sessions(), env), before, after)
    again = render.render_text(edited, _pending(), env)
    assert before + render.BEGIN in again
    expected_tail = after.rstrip("\n") + "\n" if after.strip("\n") else ""
    assert again.endswith(render.END + "\n" + expected_tail)
    assert render.render_text(again, _pending(), env) == again


# --- hostile agent and commit text ------------------------------------------------------------

HOSTILE = (
    "# Heading from a prompt\n---\nsetext?\n===\n<script>alert(1)</script>\n</details>\n"
    "```\nfenced\n```\n<!-- ai-journal:end -->\n> quote\n1. list\n- [x] done\n| a | b |\n"
    "[link](http://evil.example) ![img](x.png) <http://auto.example> *em* __strong__ ~~gone~~"
)


def _hostile_context() -> dict[str, Any]:
    fragment = samples.health_session()
    fragment["title"] = HOSTILE
    fragment["model"] = "<b>model</b>"
    fragment["prompts"][0]["text"] = HOSTILE
    fragment["summary"] = HOSTILE
    fragment["plans"][1]["explanation"] = HOSTILE
    fragment["plans"][1]["steps"][0]["step"] = HOSTILE
    fragment["commands"][0]["command"] = (
        "cat <<'EOF'\n</details>\n```\n<!-- ai-journal:begin -->\nEOF"
    )
    fragment["files"][0]["path"] = "docs/`weird`</details>.md"
    commits = [samples.day_commits()[0]._replace(subject=HOSTILE.replace("\n", " "))]
    web = web_links("git@github.com:acme/widgets.git")
    return build_context(MON, [fragment], commits, config=PARIS, web=web)


def _walk(tokens: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for token in tokens:
        yield token
        yield from _walk(token.get("children") or [])


def _text(token: dict[str, Any]) -> str:
    return "".join(t.get("raw", "") for t in _walk(token.get("children") or []))


def test_hostile_text_cannot_change_the_markdown_structure() -> None:
    text = render.render_text(None, _hostile_context(), _env())
    body = frontmatter.loads(text).content
    parse = mistune.create_markdown(
        renderer=None, plugins=["strikethrough", "table", "task_lists", "url"]
    )
    tokens = list(_walk(parse(body)))
    kinds = {t["type"] for t in tokens}
    headings = [t for t in tokens if t["type"] == "heading"]
    assert [h["attrs"]["level"] for h in headings] == [1, 2, 3, 2, 2]
    html = [t["raw"] for t in tokens if t["type"] == "block_html"]
    assert html == [
        render.BEGIN + "\n",
        "<details>\n<summary>4 commands (1 failed) · 3 files changed</summary>\n",
        "</details>\n",
        render.END + "\n",
    ]
    assert not kinds & {"inline_html", "block_code", "thematic_break", "block_quote_html", "table"}
    assert not kinds & {"image", "strikethrough"}
    styled = [_text(t) for t in tokens if t["type"] in ("emphasis", "strong")]
    assert not {"em", "strong", "gone"} & set(styled)  # only the template's own emphasis
    assert len([t for t in tokens if t["type"] == "block_quote"]) == 1  # the prompt, not "> quote"
    links = [t for t in tokens if t["type"] == "link"]
    ours = [t for t in links if t["attrs"]["url"].startswith("https://github.com/acme/widgets/")]
    assert len(ours) == 4  # the commit, its diff, the session's links to two commits
    bare = [t for t in links if t not in ours]  # bare URLs auto-linked: nothing hides behind text
    assert all(unquote(t["attrs"]["url"]) == _text(t) for t in bare)
    assert all(_text(t).startswith(("http://evil.example", "http://auto.example")) for t in bare)
    assert [t["attrs"]["checked"] for t in tokens if t["type"] == "task_list_item"] == [
        True,
        True,
        True,
    ]
    assert "<script>" not in text
    assert text.count(render.END) == 1
    assert text.count(render.BEGIN) == 1
    assert render.render_text(text, _hostile_context(), _env()) == text


def test_filters() -> None:
    assert render.md("# a *b* _c_ snake_case <i> `x_y` [l](u)") == (
        r"\# a \*b\* \_c\_ snake_case \<i\> `x_y` \[l\](u)"
    )
    assert render.md("1. first") == r"1\. first"
    assert render.md("2026-02-23 notes") == "2026-02-23 notes"
    assert render.md(None) == ""
    assert render.code("a `b` c") == "``a `b` c``"
    assert render.code("`x") == "`` `x ``"
    assert render.excerpt("one two three four", 12) == "one two…"
    assert render.excerpt("a\n\n  b", 10) == "a b"
    assert render.human(48213) == "48.2k"
    assert render.human(1_000_000) == "1M"
    assert render.human(999) == "999"
    assert render.count(1, "file") == "1 file"
    assert render.count(0, "file") == "0 files"
    assert render.local_time("2026-02-23T23:30:00Z", "Europe/Paris") == "00:30"
    assert render.exit_code(None) == "no exit code"


# --- templates ---------------------------------------------------------------------------------


def test_builtin_templates() -> None:
    assert render.builtin_templates() == [
        "commit.md.j2",
        "journal.md.j2",
        "plan.md.j2",
        "session.md.j2",
        "task.md.j2",
        "task_macros.md.j2",
        "tasks.md.j2",
    ]
    assert render.builtin_dir() == Path(__file__).resolve().parents[1] / "templates"


def test_a_repository_template_overrides_the_builtin(tmp_path: Path) -> None:
    overrides = tmp_path / ".ai-journal" / "templates"
    overrides.mkdir(parents=True)
    (overrides / "commit.md.j2").write_text("- {{ c.short }} by {{ c.author }}\n")
    text = render.render_text(None, _two_sessions(), _env(tmp_path))
    assert "- 3f9c2a1 by Ada Tester\n" in text
    assert "## Sessions" in text  # the rest is still the built-in layout
    (overrides / "journal.md.j2").write_text("{{ summary.commits }} commits on {{ date }}\n")
    text = render.render_text(None, _two_sessions(), _env(tmp_path))
    assert f"{render.BEGIN}\n4 commits on 2026-02-23\n\n{render.END}\n" in text


def test_template_errors_name_the_file_and_line(tmp_path: Path) -> None:
    overrides = tmp_path / ".ai-journal" / "templates"
    overrides.mkdir(parents=True)
    (overrides / "journal.md.j2").write_text("ok\n{% if %}\n")
    with pytest.raises(JournalError, match=r"journal\.md\.j2:2: "):
        render.render_text(None, _two_sessions(), _env(tmp_path))
    (overrides / "journal.md.j2").write_text("{{ no_such_thing }}\n")
    with pytest.raises(JournalError, match="'no_such_thing' is undefined"):
        render.render_text(None, _two_sessions(), _env(tmp_path))


def test_export_template(tmp_path: Path) -> None:
    target = render.export_template(tmp_path, "session.md.j2")
    assert target == tmp_path / ".ai-journal" / "templates" / "session.md.j2"
    assert target.read_bytes() == (render.builtin_dir() / "session.md.j2").read_bytes()
    target.write_text("{{ s.short_id }} was here\n")
    with pytest.raises(JournalError, match="already exists"):
        render.export_template(tmp_path, "session.md.j2")
    assert target.read_text() == "{{ s.short_id }} was here\n"
    with pytest.raises(JournalError, match=r"choose one of: commit\.md\.j2, journal\.md\.j2"):
        render.export_template(tmp_path, "nope.j2")
    assert "019c8a59 was here" in render.render_text(None, _two_sessions(), _env(tmp_path))


def test_context_json_is_deterministic() -> None:
    text = render.context_json(_pending())
    assert text == render.context_json(_pending())
    assert text.startswith('{\n  "branches": [\n    "main"\n  ],\n  "commits": [')
    assert text.endswith("}\n")


# --- writing ---------------------------------------------------------------------------------


def test_render_day_in_a_real_repository(repo: GitRepo) -> None:
    repo.git("remote", "add", "origin", "https://ada:s3cret@github.com/acme/widgets.git")
    repo.commit("Add app", {"app.py": "print('hi')\n"}, when=datetime(2026, 2, 23, 9, tzinfo=UTC))
    repo.write({"app.py": "print('hello')\n"})
    repo.git("add", "app.py")
    config = Config(timezone="Europe/Paris", journal_dir="notes/journal")
    web = web_links(git.origin_url(repo.path))
    context = build_context(
        MON, [], git.commits(repo.path), config=config, web=web, pending=git.staged(repo.path)
    )
    result = render.render_day(repo.path, config, context)
    assert result.path == repo.path / "notes" / "journal" / "2026-02-23.md"
    assert result.changed
    text = result.path.read_text()
    assert "s3cret" not in text
    assert "(https://github.com/acme/widgets/commit/" in text
    assert "**this commit (pending)** · 1 file, +1 −1" in text
    assert not render.render_day(repo.path, config, context).changed
    result.path.write_text(text + "Checked by hand.\n")
    assert not render.render_day(repo.path, config, context).changed
    assert result.path.read_text().endswith("Checked by hand.\n")


def test_render_day_refuses_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    target = tmp_path / "docs" / "ai-journal" / "2026-02-23.md"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"\xff\xfe notes")
    with pytest.raises(JournalError, match="not UTF-8"):
        render.render_day(tmp_path, PARIS, _two_sessions())
    assert target.read_bytes() == b"\xff\xfe notes"

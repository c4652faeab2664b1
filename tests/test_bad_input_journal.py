"""Agent and commit text that would break a journal (a closing `</details>`, fences, front-matter
rules, `<script>`, markers, headings, tables): the journal rendered from it has the same Markdown
structure, as mistune parses it, as the journal of the same history told in plain words."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import frontmatter
import mistune

from journal import cli, render
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo

EVIL = (
    "</details></summary> ```\n---\ntitle: x\n---\n<script>alert(1)</script> "
    "<!-- ai-journal:end --> # heading | a | b |\n|---|---|\n[x](javascript:alert(1)) "
    "<img src=x onerror=alert(1)> **bold** _em_ ~~s~~ > quote\n- item\n1. one\n"
)
PLAIN = "nothing special here at all"
JOURNAL = "docs/ai-journal/2026-02-23.md"


def _journal(root: Path, codex_root: Path, text: str, monkeypatch: Any) -> str:
    repo = GitRepo.init(root)
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    codex = CodexHome(codex_root)
    monkeypatch.setenv("CODEX_HOME", str(codex_root))
    session = codex.session(
        repo.path,
        BASE_TIME + timedelta(minutes=2),
        session_id="5" * 8 + "-0000-4000-8000-" + "0" * 12,
    )
    session.prompt(text, cwd=str(repo.path))
    session.plan([(text, "completed")], explanation=text)
    session.shell(text, exit_code=1, output=text)
    session.reply(text)
    repo.commit(f"Fix: {text}", {"app.py": "y\n"}, when=session.clock + timedelta(minutes=1))
    monkeypatch.chdir(repo.path)
    assert cli.main(["import"]) == 0
    return (repo.path / JOURNAL).read_text(encoding="utf-8")


def _skeleton(nodes: list[dict[str, Any]]) -> list[Any]:
    """The node types as nested lists, text of every kind folded away."""
    out: list[Any] = []
    for node in nodes:
        if node["type"] in ("text", "codespan", "softbreak", "linebreak"):
            continue
        out.append([node["type"], _skeleton(node.get("children", []))])
    return out


def test_hostile_text_leaves_the_structure_of_the_journal_intact(
    tmp_path: Path, monkeypatch: Any
) -> None:
    plain = _journal(tmp_path / "plain", tmp_path / "codex-plain", PLAIN, monkeypatch)
    hostile = _journal(tmp_path / "hostile", tmp_path / "codex-hostile", EVIL, monkeypatch)

    parse = mistune.create_markdown(renderer="ast", plugins=["table", "strikethrough"])
    assert _skeleton(parse(hostile)) == _skeleton(parse(plain))

    post = frontmatter.loads(hostile)
    assert set(post.metadata) == {"date", "branches", "commits", "sessions", "schema"}
    lines = hostile.splitlines()
    assert lines.count(render.BEGIN) == lines.count(render.END) == 1
    assert lines.count("---") == 2  # the frontmatter's own rules, nothing else
    # Raw HTML only where the template put it; hostile text shows up as text or inside a code
    # span, where nothing is markup.
    assert _html(parse(hostile)) == _html(parse(plain))


def _html(nodes: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for node in nodes:
        if node["type"] in ("inline_html", "block_html"):
            found.append(node.get("raw", ""))
        found += _html(node.get("children", []))
    return found

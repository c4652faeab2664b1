"""`ai-journal check --secrets` and the `ai-journal-check` hook: the index versions of journals,
fragments and project state are scanned; findings are named by file:line and kind, never shown."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import check_secrets, cli, install, state
from journal import git as git_mod
from journal.config import Config
from journal.errors import JournalError
from journal.redact import Redactor
from testing.codex_home import CodexHome
from testing.git_repo import BASE_TIME, GitRepo
from tests.secrets_corpus import SHAPES

TOKEN = next(shape.text for shape in SHAPES if shape.name == "github_classic")
FINGERPRINT = hashlib.sha256(TOKEN.encode()).hexdigest()[:16]
FRAGMENT = ".ai-journal/sessions/20260223T115434Z_main_019c8a59.json"
JOURNAL = "docs/ai-journal/2026-02-23.md"


def _fragment(prompt: str) -> str:
    doc = {"schema": 1, "id": "019c8a59-e9dd-71f0-9ae3-4079fe9726a9", "prompts": [{"text": prompt}]}
    doc["digest"] = state.digest(doc)
    return state.dumps_canonical(doc)


@pytest.fixture
def here(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.commit("base", {"app.py": "x\n"}, when=BASE_TIME)
    monkeypatch.chdir(repo.path)
    return repo


def _check(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_staged_fragment_with_a_token_is_refused_by_line_and_kind(
    here: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    here.write({FRAGMENT: _fragment(f"use {TOKEN} for the client")})
    here.git("add", FRAGMENT)
    code, out, err = _check(["--secrets", "--staged"], capsys)
    line = _fragment("x").splitlines().index('      "text": "x"') + 1
    assert code == 1
    assert f"{FRAGMENT}:{line}:20: github_token (fingerprint {FINGERPRINT})" in err
    assert "1 problem(s)" in err
    assert TOKEN not in out + err


def test_the_index_version_is_what_counts(
    here: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    here.write({JOURNAL: f"# notes\n\nkey {TOKEN}\n"})
    here.git("add", JOURNAL)
    here.write({JOURNAL: "# notes\n\nclean now, but not staged\n"})
    code, _out, err = _check(["--secrets"], capsys)
    assert (code, f"{JOURNAL}:3:5: github_token" in err) == (1, True)
    here.git("add", JOURNAL)
    assert _check(["--secrets"], capsys)[0] == 0
    here.write({JOURNAL: f"unstaged {TOKEN}\n"})
    assert _check(["--secrets", "--staged"], capsys)[0] == 0


def test_staged_only_skips_what_head_already_holds(
    here: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    here.commit("old journal", {JOURNAL: f"{TOKEN}\n"})
    assert _check(["--secrets", "--staged"], capsys)[0] == 0
    assert _check(["--secrets"], capsys)[0] == 1
    here.write({".ai-journal/project_state.json": json.dumps({"goals": [f"rotate {TOKEN}"]})})
    here.git("add", ".ai-journal/project_state.json")
    code, _out, err = _check(["--secrets", "--staged"], capsys)
    assert code == 1
    assert ".ai-journal/project_state.json:1:20: github_token" in err
    assert JOURNAL not in err


def test_an_allowlisted_fingerprint_passes(
    here: GitRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    here.write({JOURNAL: f"{TOKEN}\nAuthorization: Bearer abc123def456ghi789\n"})
    here.git("add", JOURNAL)
    code, _out, err = _check(["--secrets"], capsys)
    assert (code, err.count(JOURNAL)) == (1, 2)
    here.write({".ai-journal/config.toml": f'[secrets]\nallow = ["{FINGERPRINT}"]\n'})
    code, _out, err = _check(["--secrets"], capsys)
    assert (code, err.count(JOURNAL)) == (1, 1)
    assert f"{JOURNAL}:2:23: auth_header" in err


def test_github_format_emits_annotations(here: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    here.write({JOURNAL: f"\n\n  {TOKEN}\n"})
    here.git("add", JOURNAL)
    code, out, _err = _check(["--secrets", "--format", "github"], capsys)
    assert code == 1
    assert out == f"::error file={JOURNAL},line=3,col=3::github_token (fingerprint {FINGERPRINT})\n"


def test_a_range_is_checked_at_its_head(here: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    base = here.head()
    here.commit("leak", {JOURNAL: f"{TOKEN}\n"})
    here.commit("unrelated", {"app.py": "y\n"})
    assert _check(["--range", f"{base}..HEAD"], capsys)[0] == 1
    assert _check(["--range", f"{base}..{base}"], capsys)[0] == 0
    code, _out, err = _check(["--range", "HEAD"], capsys)
    assert (code, "BASE..HEAD" in err) == (1, True)


def test_json_findings_point_at_their_string(tmp_path: Path) -> None:
    redactor = Redactor(home=str(tmp_path))
    text = _fragment(f'line one\nexport API_TOKEN="{TOKEN}" and "quotes"')
    (hit,) = check_secrets.scan_text("f.json", text, redactor)
    shown = text.splitlines()[hit.line - 1]
    assert shown[hit.column - 1 :].startswith(TOKEN)
    assert hit.kind == "github_token"
    broken = text.replace("{", "", 1)  # not JSON any more: scanned as text
    (hit,) = check_secrets.scan_text("f.json", broken, redactor)
    assert broken.splitlines()[hit.line - 1][hit.column - 1 :].startswith(TOKEN)


def test_what_the_stage_writes_passes_its_own_gate(
    here: GitRepo, codex_home: CodexHome, capsys: pytest.CaptureFixture[str]
) -> None:
    """The stage hook commits redacted text; the gate (same rules) finds nothing in it."""
    install.install_native(git_mod.repo_paths(here.path))
    session = codex_home.session(here.path, BASE_TIME + timedelta(minutes=2), commit=here.head())
    for shape in SHAPES:
        session.prompt(f"Use\n{shape.text}\nnow", cwd=str(here.path))
        session.shell(f"echo '{shape.text}'", output=shape.text)
    session.reply("Done.")
    here.commit("Work", {"app.py": "z\n"}, when=session.clock)
    assert ".ai-journal/sessions/" in here.git("show", "--name-only", "HEAD")
    assert _check(["--secrets"], capsys)[0] == 0


def test_the_hook_entry_refuses_a_commit(here: GitRepo) -> None:
    """The manifest's entry, run as git's pre-commit hook, stops the commit with its exit status."""
    from journal import precommit_config as pcc

    spec = next(spec for spec in pcc.HOOKS if spec.id == "ai-journal-check")
    args = pcc.entry(spec).split()[1:]
    hook = here.path / ".git" / "hooks" / "pre-commit"
    launcher = "import sys, journal.entry as e; sys.exit(e.main())"
    hook.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c '{launcher}' {' '.join(args)}\n")
    hook.chmod(0o755)
    here.write({JOURNAL: f"hand note: {TOKEN}\n"})
    here.git("add", JOURNAL)
    env = {**os.environ, **here.date_env(here.tick(1))}
    proc = subprocess.run(
        ["git", "commit", "-m", "notes"],
        check=False,
        cwd=here.path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert f"{JOURNAL}:1:12: github_token (fingerprint {FINGERPRINT})" in proc.stderr
    assert TOKEN not in proc.stdout + proc.stderr
    assert here.git("log", "--format=%s", "-1").strip() == "base"


def test_the_allowlist_key_is_validated() -> None:
    from journal import config as config_mod

    assert config_mod.from_mapping({"secrets": {"allow": [FINGERPRINT]}}) == Config(
        secrets_allow=(FINGERPRINT,)
    )
    with pytest.raises(JournalError, match=r"secrets\.allow: 'ghp' is not a 16-hex-digit"):
        config_mod.from_mapping({"secrets": {"allow": ["ghp"]}})


PIECES = [shape.text for shape in SHAPES] + ["\n", " ", '"', "\\", "=", ": ", "PASSWORD=", "ok"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=8))
def test_what_redaction_leaves_passes_the_gate_and_a_secret_is_placed(parts: list[str]) -> None:
    redactor = Redactor(home="/nonexistent")
    clean = redactor.redact("".join(parts))
    assert check_secrets.scan_text("f.json", _fragment(clean), redactor) == []
    planted = _fragment(f"{clean} {TOKEN}")
    (hit,) = check_secrets.scan_text("f.json", planted, redactor)
    assert (hit.kind, hit.fingerprint) == ("github_token", FINGERPRINT)
    assert planted.split("\n")[hit.line - 1][hit.column - 1 :].startswith(TOKEN)


def test_no_hint_holds_a_character_json_must_escape() -> None:
    """What lets a JSON file's strings be checked for the hints of its text alone."""
    everything = {hint for rule in Redactor().rules for hint in rule.hints}
    assert len(everything) > 50
    for hint in everything:
        assert not set(hint) & {'"', "\\"}, hint
        assert hint.isprintable(), hint


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.one_of(st.sampled_from(PIECES), st.text(max_size=12)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.sampled_from([*PIECES[:5], "k", "token"]), inner, max_size=4),
        ),
        max_leaves=12,
    ),
    st.booleans(),
)
def test_strings_checked_for_the_files_hints_find_what_all_hints_find(
    document: object, ascii_only: bool
) -> None:
    redactor = Redactor(home="/nonexistent")
    text = json.dumps(document, ensure_ascii=ascii_only, indent=2)
    hints = check_secrets._hints_of_strings(text, redactor)
    for value in check_secrets._strings(json.loads(text)):
        assert redactor.findings(value, hints) == redactor.findings(value)


def test_a_secret_planted_after_clean_commits_is_refused_by_the_native_gate(
    here: GitRepo, codex_home: CodexHome
) -> None:
    """Texts the gate found clean are remembered (`journal.clean_texts`); a new one is still
    looked at, in the string it was planted in."""
    install.install_native(git_mod.repo_paths(here.path))
    session = codex_home.session(here.path, BASE_TIME + timedelta(minutes=2), commit=here.head())
    session.prompt("Make the app say z", cwd=str(here.path)).reply("Done.")
    here.commit("Work", {"app.py": "z\n"}, when=session.clock)
    assert (here.path / ".git/ai-journal/clean-texts").stat().st_size > 32
    fragment = next((here.path / ".ai-journal/sessions").glob("*.json"))
    fragment.write_text(fragment.read_text().replace("Make the app say z", f"use {TOKEN} now"))
    here.git("add", str(fragment))
    proc = subprocess.run(
        ["git", "commit", "-q", "-m", "more"],
        cwd=here.path,
        env={**os.environ, **here.date_env(BASE_TIME + timedelta(minutes=30))},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "github_token" in proc.stderr
    assert TOKEN not in proc.stderr

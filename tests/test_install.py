"""Installing: native shims (chaining, idempotence, uninstall), pre-commit's hooks, and `init`."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import __version__, config, config_file, events, git, install
from journal import precommit_config as pcc
from journal.errors import JournalError
from testing.git_repo import GitRepo

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _hooks(repo: GitRepo) -> Path:
    return git.repo_paths(repo.path).hooks_dir


def _snapshot(folder: Path) -> dict[str, tuple[str | bytes, int]]:
    """Name → (content or link target, mode) of every file in `folder`."""
    return {
        p.name: (os.readlink(p), 0) if p.is_symlink() else (p.read_bytes(), p.stat().st_mode)
        for p in sorted(folder.iterdir())
    }


def _stage_off(repo: GitRepo) -> None:
    repo.write({".ai-journal/config.toml": "[journal]\nstage = false\n"})
    with (repo.path / ".git" / "info" / "exclude").open("a") as exclude:
        exclude.write(".ai-journal/\n")


def _foreign(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _precommit(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo.path,
        capture_output=True,
        text=True,
        check=False,
    )


# -- native shims -------------------------------------------------------------------------------


def test_install_native_writes_executable_marked_shims_once(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    written = install.install_native(paths)
    assert written == [paths.hooks_dir / name for name in pcc.HOOK_TYPES]
    for path in written:
        text = path.read_text()
        assert text.startswith("#!/bin/sh\n")
        assert install.SHIM_MARKER in text
        assert f"AI_JOURNAL_PYTHON={sys.executable}\n" in text
        assert os.access(path, os.X_OK)
        assert install.hook_kind(path) == "native"
    before = _snapshot(paths.hooks_dir)
    assert install.install_native(paths) == []
    assert _snapshot(paths.hooks_dir) == before


def test_shim_text_is_the_hooks_dir_template() -> None:
    template = (ROOT / "hooks" / "shim.sh").read_text()
    assert install.shim_template() == template
    assert install.shim_text("/opt/my env/python") == template.replace(
        "@PYTHON@", "'/opt/my env/python'"
    ).replace("@PATH@", str(ROOT))


def test_foreign_hook_is_moved_aside_and_restored_by_uninstall(repo: GitRepo) -> None:
    hooks = _hooks(repo)
    _foreign(hooks / "post-commit", "echo foreign")
    (hooks / "post-merge").symlink_to("/nowhere/post-merge")
    before = _snapshot(hooks)
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    assert (hooks / "post-commit.ai-journal-prev").read_text() == "#!/bin/sh\necho foreign\n"
    assert os.readlink(hooks / "post-merge.ai-journal-prev") == "/nowhere/post-merge"
    assert install.install_native(paths) == []

    removed = install.uninstall(paths)
    assert sorted(removed) == sorted(hooks / name for name in pcc.HOOK_TYPES)
    assert _snapshot(hooks) == before
    assert os.readlink(hooks / "post-merge") == "/nowhere/post-merge"
    assert install.uninstall(paths) == []


def test_uninstall_leaves_foreign_and_precommit_hooks_alone(repo: GitRepo) -> None:
    assert _precommit(repo, "install", "-t", "post-commit").returncode == 0
    hooks = _hooks(repo)
    _foreign(hooks / "post-merge", "exit 0")
    before = _snapshot(hooks)
    assert install.uninstall(git.repo_paths(repo.path)) == []
    assert _snapshot(hooks) == before


def test_prev_and_foreign_hook_both_present_is_refused(repo: GitRepo) -> None:
    hooks = _hooks(repo)
    _foreign(hooks / "post-commit", "echo new")
    _foreign(hooks / "post-commit.ai-journal-prev", "echo old")
    with pytest.raises(JournalError, match=r"post-commit and .*post-commit\.ai-journal-prev both"):
        install.install_native(git.repo_paths(repo.path))
    assert (hooks / "post-commit").read_text() == "#!/bin/sh\necho new\n"


def test_precommit_script_is_chained_and_both_run(repo: GitRepo, tmp_path: Path) -> None:
    ran = tmp_path / "ran.txt"
    repo.write(
        {
            ".pre-commit-config.yaml": (
                "repos:\n- repo: local\n  hooks:\n  - id: note\n    name: note\n"
                f"    entry: sh -c 'echo pre-commit-hook >> {ran}'\n    language: system\n"
                "    stages: [post-commit]\n    always_run: true\n    pass_filenames: false\n"
            )
        }
    )
    _stage_off(repo)
    repo.commit("config")
    assert _precommit(repo, "install", "-t", "post-commit").returncode == 0
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    assert install.hook_kind(paths.hooks_dir / "post-commit.ai-journal-prev") == "pre-commit"
    sha = repo.commit("two")
    assert ran.read_text() == "pre-commit-hook\n"
    assert events.read_events(paths.common_dir / "ai-journal")[-1]["sha"] == sha


def test_uninstall_removes_our_shim_that_precommit_moved_to_legacy(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    assert _precommit(repo, "install", "-t", "post-rewrite").returncode == 0
    legacy = paths.hooks_dir / "post-rewrite.legacy"
    assert install.hook_kind(legacy) == "native"
    assert legacy in install.uninstall(paths)
    assert not legacy.exists()
    assert install.hook_kind(paths.hooks_dir / "post-rewrite") == "pre-commit"


def test_core_hooks_path_is_honoured(repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    _stage_off(repo)
    paths = git.repo_paths(repo.path)
    assert paths.hooks_dir == repo.path / ".githooks"
    install.install_native(paths)
    assert install.hook_kind(repo.path / ".githooks" / "post-commit") == "native"
    sha = repo.commit("one")
    assert events.read_events(paths.common_dir / "ai-journal")[-1]["sha"] == sha


def test_linked_worktree_shares_hooks_and_events(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("one")
    worktree = tmp_path / "wt"
    repo.git("worktree", "add", "-q", "-b", "wt", str(worktree))
    wt = GitRepo(worktree.resolve())
    _stage_off(repo)
    (wt.path / ".ai-journal").mkdir()
    (wt.path / ".ai-journal" / "config.toml").write_text("[journal]\nstage = false\n")
    install.install_native(git.repo_paths(wt.path))
    assert install.hook_kind(repo.path / ".git" / "hooks" / "post-commit") == "native"
    sha = wt.commit("in the worktree")
    main_sha = repo.commit("in main")
    recorded = events.read_events(repo.path / ".git" / "ai-journal")
    assert [
        (e["sha"], e["worktree"], e["branch"]) for e in recorded if e["hook"] == "post-commit"
    ] == [
        (sha, str(wt.path), "wt"),
        (main_sha, str(repo.path), "main"),
    ]


def test_shim_falls_back_to_ai_journal_on_path(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (VENV_BIN / "ai-journal").exists()
    hook = _hooks(repo) / "post-commit"
    _foreign(hook, "")
    hook.write_text(install.shim_text("/nonexistent/python"))
    _stage_off(repo)
    monkeypatch.setenv("PATH", f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    sha = repo.commit("one")
    assert events.read_events(repo.path / ".git" / "ai-journal")[-1]["sha"] == sha


def test_shim_without_any_ai_journal_still_runs_the_chained_hook(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    hooks = _hooks(repo)
    _foreign(hooks / "post-commit.ai-journal-prev", f"echo chained > {ran}")
    (hooks / "post-commit").write_text(install.shim_text("/nonexistent/python"))
    (hooks / "post-commit").chmod(0o755)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    repo.commit("one")
    assert ran.read_text() == "chained\n"
    assert not (repo.path / ".git" / "ai-journal" / "events.jsonl").exists()


def test_shim_does_not_read_stdin_of_hooks_without_one(repo: GitRepo) -> None:
    sha = repo.commit("one")
    install.install_native(git.repo_paths(repo.path))
    proc = subprocess.Popen(
        [str(_hooks(repo) / "post-checkout"), sha, sha, "1"],
        cwd=repo.path,
        stdin=subprocess.PIPE,  # left open: a read would wait forever
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            assert stream is not None
            stream.close()
    assert events.read_events(repo.path / ".git" / "ai-journal")[-1]["new"] == sha


# -- pre-commit install ---------------------------------------------------------------------------


def test_install_precommit_installs_every_hook_type(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    installed = install.install_precommit(paths)
    assert installed == [paths.common_dir / "hooks" / t for t in pcc.HOOK_TYPES]
    assert all(install.hook_kind(path) == "pre-commit" for path in installed)


def test_install_precommit_reports_precommits_refusal(repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    with pytest.raises(JournalError, match=r"pre-commit install failed: .*core\.hooksPath"):
        install.install_precommit(git.repo_paths(repo.path))


# -- the manifest -----------------------------------------------------------------------------------


def test_manifest_is_valid_and_matches_the_hook_table() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "validate-manifest",
            str(ROOT / ".pre-commit-hooks.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in manifest] == list(pcc.HOOK_IDS)
    for hook, spec in zip(manifest, pcc.HOOKS, strict=True):
        assert hook["stages"] == [spec.stage]
        assert hook["entry"] == pcc.entry(spec) == (spec.command or f"ai-journal hook {spec.stage}")
        assert hook["name"] == spec.name
        assert hook["language"] == "python"
        assert hook["always_run"] is True
        assert hook["pass_filenames"] is False
        assert hook.get("verbose", False) is spec.verbose
        assert hook["minimum_pre_commit_version"] == "3.2.0"
    assert [h["id"] for h in manifest if h.get("verbose")] == ["ai-journal-post-rewrite"]


# -- init -------------------------------------------------------------------------------------------


def _validate_config(repo: GitRepo) -> None:
    proc = _precommit(repo, "validate-config", ".pre-commit-config.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_init_sets_up_a_fresh_repository_and_is_idempotent(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    report = install.init(paths)
    top = repo.path
    assert report.written == [
        top / ".ai-journal" / "config.toml",
        top / ".pre-commit-config.yaml",
        top / ".gitattributes",
    ]
    assert report.git_config == ["merge.ai-journal.name", "merge.ai-journal.driver"]
    assert report.snippet is None
    assert repo.git("config", "--local", "merge.ai-journal.driver").strip() == (
        f"{sys.executable} -m journal.entry merge-driver %O %A %B %P"
    )
    assert (top / ".gitattributes").read_text() == (
        ".ai-journal/project_state.json merge=ai-journal\ndocs/ai-journal/*.md merge=ai-journal\n"
    )
    _validate_config(repo)
    data = yaml.safe_load((top / ".pre-commit-config.yaml").read_text())
    assert data["default_install_hook_types"] == list(pcc.HOOK_TYPES)
    (entry,) = data["repos"]
    assert entry == {
        "repo": "https://github.com/ai-journal/ai-journal",
        "rev": f"v{__version__}",
        "hooks": [{"id": hook_id} for hook_id in pcc.HOOK_IDS],
    }

    files = {p: p.read_bytes() for p in report.written}
    again = install.init(paths)
    assert (again.written, again.git_config, again.snippet) == ([], [], None)
    assert again.lines() == ["already set up: nothing to change"]
    assert {p: p.read_bytes() for p in files} == files


def test_config_toml_documents_every_key_and_sets_the_timezone() -> None:
    text = config_file.config_toml("Europe/Paris")
    assert config.from_mapping(tomllib.loads(text)) == config.Config(timezone="Europe/Paris")
    for key, _default, doc in config.documented_keys():
        assert f"# {doc}\n" in text
        assert f"{key.split('.', 1)[1]} = " in text
    assert '\ntimezone = "Europe/Paris"\n' in text
    assert '# dir = "docs/ai-journal"\n' in text
    assert "# stage = true\n" in text


def test_detect_timezone(tmp_path: Path) -> None:
    missing = tmp_path / "localtime"
    assert config_file.detect_timezone({"TZ": "America/New_York"}, missing) == "America/New_York"
    assert config_file.detect_timezone({"TZ": ":Asia/Tokyo"}, missing) == "Asia/Tokyo"
    link = tmp_path / "etc-localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Berlin")
    assert config_file.detect_timezone({"TZ": "Not/AZone"}, link) == "Europe/Berlin"
    assert config_file.detect_timezone({}, link) == "Europe/Berlin"
    assert config_file.detect_timezone({}, missing) == "UTC"


def test_init_with_a_local_path_repo_pins_its_head(repo: GitRepo, tmp_path: Path) -> None:
    hook_repo = GitRepo.init(tmp_path / "hookrepo")
    head = hook_repo.commit("hooks")
    install.init(git.repo_paths(repo.path), hook_repo=str(hook_repo.path))
    (entry,) = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())["repos"]
    assert (entry["repo"], entry["rev"]) == (str(hook_repo.path), head)


def test_init_local_hooks(repo: GitRepo) -> None:
    install.init(git.repo_paths(repo.path), local=True)
    _validate_config(repo)
    (entry,) = yaml.safe_load((repo.path / ".pre-commit-config.yaml").read_text())["repos"]
    assert entry["repo"] == "local"
    assert "rev" not in entry
    for hook, spec in zip(entry["hooks"], pcc.HOOKS, strict=True):
        assert hook["id"] == spec.id
        assert hook["entry"] == pcc.entry(spec)
        assert hook["language"] == "system"
        assert hook["stages"] == [spec.stage]
        assert hook["always_run"] is True
        assert hook["pass_filenames"] is False


def test_init_keeps_existing_files(repo: GitRepo) -> None:
    repo.write(
        {
            ".ai-journal/config.toml": '[journal]\ndir = "notes/journal"\n',
            ".gitattributes": "*.png binary",
        }
    )
    report = install.init(git.repo_paths(repo.path))
    assert (
        repo.path / ".ai-journal/config.toml"
    ).read_text() == '[journal]\ndir = "notes/journal"\n'
    assert (repo.path / ".gitattributes").read_text() == (
        "*.png binary\n.ai-journal/project_state.json merge=ai-journal\n"
        "notes/journal/*.md merge=ai-journal\n"
    )
    assert repo.path / ".ai-journal/config.toml" not in report.written


EXISTING = """\
# See https://pre-commit.com for more information
default_install_hook_types: [pre-commit, pre-push]
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0   # pinned on purpose
    hooks:
    -   id: trailing-whitespace
    -   id: check-yaml
        exclude: |
            ^weird/
    # -   id: end-of-file-fixer   (disabled for now)

# local checks follow
-   repo: local
    hooks:
    -   id: lint
        name: lint
        entry: make lint
        language: system
# trailing comment
"""


def test_init_edits_a_plain_existing_config_keeping_comments(repo: GitRepo) -> None:
    repo.write({".pre-commit-config.yaml": EXISTING})
    report = install.init(git.repo_paths(repo.path))
    assert report.snippet is None
    text = (repo.path / ".pre-commit-config.yaml").read_text()
    assert text == EXISTING.replace(
        "[pre-commit, pre-push]",
        "[pre-commit, pre-push, post-commit, post-checkout, post-merge, post-rewrite]",
    ).replace(
        "        language: system\n",
        "        language: system\n"
        "-   repo: https://github.com/ai-journal/ai-journal\n"
        f"    rev: v{__version__}\n"
        "    hooks:\n" + "".join(f"    -   id: {hook_id}\n" for hook_id in pcc.HOOK_IDS),
    )
    _validate_config(repo)
    assert install.init(git.repo_paths(repo.path)).written == []


@pytest.mark.parametrize(
    "text",
    [
        "x: &a 1\nrepos:\n- repo: local\n  hooks: []\ny: *a\n",
        "repos: [{repo: local, hooks: []}]\n",
        "repos:\n- repo: local\n  hooks:\n  - id: ai-journal-stage\n",
        "- not a mapping\n",
        "repos: !!seq\n- repo: local\n",
    ],
)
def test_init_leaves_configs_it_cannot_edit_safely_and_gives_a_snippet(
    repo: GitRepo, text: str
) -> None:
    repo.write({".pre-commit-config.yaml": text})
    report = install.init(git.repo_paths(repo.path))
    assert (repo.path / ".pre-commit-config.yaml").read_text() == text
    assert report.snippet is not None
    assert "- repo: https://github.com/ai-journal/ai-journal" in report.snippet
    assert report.lines()[-2] == "add this to .pre-commit-config.yaml by hand:"


def test_empty_flow_repos_becomes_a_block(repo: GitRepo) -> None:
    edited = pcc.add_entries("repos: []\n", "local", None, local=True)
    assert edited is not None
    assert edited.startswith("default_install_hook_types: [pre-commit, post-commit,")
    assert "repos:\n  - repo: local\n    hooks:\n      - id: ai-journal-stage\n" in edited


@st.composite
def configs(draw: st.DrawFn) -> str:
    dash = draw(st.sampled_from([0, 2, 4]))
    offset = draw(st.sampled_from([2, 4]))
    nested = draw(st.sampled_from([0, 2]))
    keys = " " * (dash + offset)
    repos = []
    for index in range(draw(st.integers(1, 3))):
        lines = [" " * dash + "-" + " " * (offset - 1) + f"repo: https://example.com/r{index}"]
        lines.append(f"{keys}rev: v{index}.0")
        lines.append(f"{keys}hooks:")
        for hook in range(draw(st.integers(1, 3))):
            lines.append(f"{keys}{' ' * nested}-{' ' * (offset - 1)}id: h{index}-{hook}")
        if draw(st.booleans()):
            lines.append(f"{keys}{' ' * nested}# -   id: disabled")
        repos.append("\n".join(lines) + "\n")
    types = draw(
        st.sampled_from(
            [
                "",
                "default_install_hook_types: [pre-commit]\n",
                "default_install_hook_types:\n- pre-commit\n- post-commit\n",
                "default_install_hook_types:\n  - pre-push\n",
            ]
        )
    )
    header = draw(st.sampled_from(["", "# my hooks\n", "fail_fast: true\n"]))
    footer = draw(st.sampled_from(["", "\n# end\n", "default_stages: [pre-commit]\n"]))
    types_first = draw(st.booleans())
    body = "repos:\n" + draw(st.sampled_from(["", "\n"])).join(repos)
    return header + (types + body if types_first else body + types) + footer


@settings(max_examples=150, deadline=None)
@given(configs(), st.booleans())
def test_editing_keeps_every_original_line_and_is_idempotent(text: str, local: bool) -> None:
    edited = pcc.add_entries(text, "https://example.com/aj", "v9", local=local)
    assert edited is not None
    remaining = iter(edited.splitlines())
    for line in text.splitlines():  # the original lines survive, in order
        if line.startswith("default_install_hook_types: ["):
            continue
        assert any(candidate == line for candidate in remaining), line
    data = yaml.safe_load(edited)
    original = yaml.safe_load(text)
    assert pcc.hook_ids(data) == pcc.hook_ids(original) | set(pcc.HOOK_IDS)
    assert set(pcc.HOOK_TYPES) <= set(data["default_install_hook_types"])
    assert data["repos"][: len(original["repos"])] == original["repos"]
    assert pcc.add_entries(edited, "https://example.com/aj", "v9", local=local) == edited

from __future__ import annotations

from pathlib import Path

import pytest

from journal import config, doctor, git, install
from journal import precommit_config as pcc
from testing.git_repo import GitRepo


def _by_name(repo: GitRepo, cfg: config.Config | None = None) -> dict[str, doctor.Check]:
    return {check.name: check for check in doctor.checks(git.repo_paths(repo.path), cfg)}


def _failed(repo: GitRepo) -> set[str]:
    return {name for name, check in _by_name(repo).items() if not check.ok}


@pytest.fixture
def codex(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "codex"
    (home / "sessions").mkdir(parents=True)
    monkeypatch.setenv("CODEX_HOME", str(home))
    return home


def test_bare_repository_fails_every_setup_check(repo: GitRepo) -> None:
    checks = _by_name(repo)
    hook_checks = [f"{name} hook" for name in pcc.HOOK_TYPES]
    assert [name for name in checks if name.endswith(" hook")] == hook_checks
    assert _failed(repo) >= {*hook_checks, "pre-commit config", "merge driver", "merge attributes"}
    assert checks["post-commit hook"].fix == doctor.INSTALL_FIX
    assert "is not installed" in checks["post-commit hook"].detail
    assert checks["config"].ok
    assert all(check.fix for check in checks.values() if not check.ok)
    repo.write({".pre-commit-config.yaml": "repos: []\n"})
    assert _by_name(repo)["pre-commit config"].detail.endswith("has no ai-journal hooks")


def test_native_setup_passes(repo: GitRepo, codex: Path) -> None:
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    for key, value in install.merge_driver_config().items():
        repo.git("config", key, value)
    repo.write({".gitattributes": "\n".join(install.attribute_lines("docs/ai-journal")) + "\n"})
    checks = _by_name(repo)
    assert {name for name, check in checks.items() if not check.ok} <= {"templates"}
    assert checks["pre-commit config"].detail == "not used: the hooks are native"
    assert checks["codex home"].detail == str(codex)


def test_merge_driver_whose_program_is_gone(repo: GitRepo) -> None:
    repo.git(
        "config",
        "merge.ai-journal.driver",
        "/gone/python -m journal.entry merge-driver %O %A %B %P",
    )
    check = _by_name(repo)["merge driver"]
    assert not check.ok
    assert "/gone/python, which is not there any more" in check.detail


def test_init_and_precommit_install_pass(repo: GitRepo, codex: Path) -> None:
    paths = git.repo_paths(repo.path)
    install.init(paths)
    install.install_precommit(paths)
    checks = _by_name(repo)
    assert {name for name, check in checks.items() if not check.ok} <= {"templates"}
    assert checks["post-rewrite hook"].detail.startswith("pre-commit's script")


def test_precommit_hooks_without_our_ids_or_types(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    install.install_precommit(paths)
    config_path = repo.path / ".pre-commit-config.yaml"
    assert _by_name(repo)["pre-commit config"].detail == f"{config_path} not found"
    repo.write({".pre-commit-config.yaml": "repos: []\n"})
    lacks = _by_name(repo)["pre-commit config"].detail
    assert lacks == f"{config_path} lacks the hook ids {', '.join(pcc.HOOK_IDS)}"
    text = pcc.new_config("local", None, local=True)
    repo.write({".pre-commit-config.yaml": text.split("\n", 1)[1]})  # no install types line
    check = _by_name(repo)["pre-commit config"]
    assert not check.ok
    assert check.detail == (
        "default_install_hook_types lacks post-commit, post-checkout, post-merge, post-rewrite:"
        " those hooks never run"
    )
    repo.write({".pre-commit-config.yaml": text.replace("- id: ai-journal-post-merge", "- id: x")})
    assert "lacks the hook ids ai-journal-post-merge" in _by_name(repo)["pre-commit config"].detail
    repo.write({".pre-commit-config.yaml": "repos: [\n"})
    assert "is not valid YAML" in _by_name(repo)["pre-commit config"].detail


def test_foreign_hook_and_hooks_path(repo: GitRepo) -> None:
    repo.git("config", "core.hooksPath", "githooks")
    hook = repo.path / "githooks" / "post-merge"
    hook.parent.mkdir()
    hook.write_text("#!/bin/sh\n")
    check = _by_name(repo)["post-merge hook"]
    assert not check.ok
    assert check.detail == f"{hook} is neither ours nor pre-commit's"
    install.install_native(git.repo_paths(repo.path))
    assert _by_name(repo)["post-merge hook"].detail == f"ai-journal shim in {hook.parent}"


def test_config_and_codex_home_problems(repo: GitRepo, tmp_path: Path) -> None:
    repo.write({".ai-journal/config.toml": "[journal]\ntimezon = 'UTC'\n"})
    check = _by_name(repo)["config"]
    assert not check.ok
    assert "did you mean 'journal.timezone'" in check.detail
    cfg = config.Config(codex_home=str(tmp_path / "no-codex"))
    home_check = _by_name(repo, cfg)["codex home"]
    assert not home_check.ok
    assert home_check.detail.startswith(str(tmp_path / "no-codex"))


def test_templates_check(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    full.mkdir()
    (full / "journal.md.j2").write_text("{{ day }}\n")
    assert not doctor._templates_check([empty, tmp_path / "missing"]).ok
    assert doctor._templates_check([empty, full]) == doctor.Check(
        "templates", True, f"built-in templates in {full}"
    )
    assert doctor.template_dirs()[1] == Path(doctor.__file__).resolve().parents[1] / "templates"
    assert str(doctor.template_dirs()[0]).startswith(str(Path(doctor.__file__).parent))


def test_a_shim_from_an_older_release_asks_for_a_reinstall(repo: GitRepo) -> None:
    paths = git.repo_paths(repo.path)
    install.install_native(paths)
    hook = paths.hooks_dir / "post-commit"
    text = hook.read_text()
    hook.write_text(text.replace(f"{install.SHIM_MARKER} v", f"{install.SHIM_MARKER} v0", 1))
    check = _by_name(repo)["post-commit hook"]
    assert not check.ok
    assert "older ai-journal shim (v0" in check.detail
    assert check.fix == "run `ai-journal install --native`"
    install.install_native(paths)
    assert _by_name(repo)["post-commit hook"].ok

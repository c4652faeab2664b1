"""`ai-journal doctor`: is everything in place for the hooks to do their work?

Each check names what it looked at and, when it fails, the command that fixes it. A missing hook
or hook type fails silently in practice (git just runs nothing), which is why these exist.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from journal import config as config_mod
from journal import git, install
from journal import precommit_config as pcc
from journal.errors import JournalError


class Check(NamedTuple):
    name: str
    ok: bool
    detail: str
    fix: str = ""


INSTALL_FIX = "run `ai-journal install` (pre-commit) or `ai-journal install --native`"


def checks(paths: git.RepoPaths, config: config_mod.Config | None = None) -> list[Check]:
    kinds = {name: install.hook_kind(paths.hooks_dir / name) for name in pcc.HOOK_TYPES}
    found = [_hook_check(paths.hooks_dir / name, kind) for name, kind in kinds.items()]
    config_check, loaded = _config_check(paths)
    return [
        *found,
        _precommit_config_check(paths.toplevel, kinds),
        _merge_driver_check(paths.toplevel),
        _attributes_check(paths.toplevel, (config or loaded).journal_dir),
        _templates_check(template_dirs()),
        config_check,
        _codex_home_check(config or loaded),
        _state_check(paths.toplevel),
        _resident_check(paths.common_dir / "ai-journal"),
    ]


def _hook_check(path: Path, kind: str | None) -> Check:
    name = f"{path.name} hook"
    if kind == "native":
        installed, current = _shim_version(path.read_text(errors="replace")), _current_shim()
        if installed != current:
            detail = f"{path} is an older ai-journal shim ({installed or 'unversioned'})"
            return Check(name, False, detail, "run `ai-journal install --native`")
        return Check(name, True, f"ai-journal shim in {path.parent}")
    if kind == "pre-commit":
        return Check(name, True, f"pre-commit's script in {path.parent}")
    detail = (
        f"{path} is not installed" if kind is None else f"{path} is neither ours nor pre-commit's"
    )
    return Check(name, False, detail, INSTALL_FIX)


def _shim_version(text: str) -> str | None:
    """`v3` from the shim's `ai-journal-shim v3` line."""
    found = re.search(rf"{install.SHIM_MARKER} (v\d+)", text)
    return found.group(1) if found else None


def _current_shim() -> str | None:
    return _shim_version(install.shim_template())


def _precommit_config_check(toplevel: Path, kinds: dict[str, str | None]) -> Check:
    name = "pre-commit config"
    path = toplevel / install.PRECOMMIT_CONFIG
    try:
        data = _load_yaml(path)
    except JournalError as exc:
        return Check(name, False, str(exc), f"fix the YAML in {path}")
    native = all(kind == "native" for kind in kinds.values())
    if not path.exists():
        if native:
            return Check(name, True, "not used: the hooks are native")
        return Check(name, False, f"{path} not found", "run `ai-journal init`")
    if "pre-commit" not in kinds.values() and not (pcc.hook_ids(data) & set(pcc.HOOK_IDS)):
        if native:
            return Check(name, True, "not used: the hooks are native")
        return Check(name, False, f"{path} has no ai-journal hooks", "run `ai-journal init`")
    missing_ids = [hook_id for hook_id in pcc.HOOK_IDS if hook_id not in pcc.hook_ids(data)]
    if missing_ids:
        detail = f"{path} lacks the hook ids {', '.join(missing_ids)}"
        return Check(name, False, detail, "run `ai-journal init`, or add them by hand")
    types = data.get(pcc.INSTALL_TYPES_KEY) if isinstance(data, dict) else None
    have = set(types) if isinstance(types, list) else {"pre-commit"}
    missing_types = [t for t in pcc.HOOK_TYPES if t not in have]
    if missing_types:
        detail = f"{pcc.INSTALL_TYPES_KEY} lacks {', '.join(missing_types)}: those hooks never run"
        return Check(name, False, detail, "run `ai-journal init`, then `ai-journal install`")
    return Check(name, True, f"{path.name} names every ai-journal hook and hook type")


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise JournalError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc


def _merge_driver_check(toplevel: Path) -> Check:
    key = f"merge.{install.MERGE_DRIVER}.driver"
    value = (git.try_run(["config", "--get", key], toplevel) or "").strip()
    program = shlex.split(value)[0] if value else ""
    if value and not shutil.which(program):
        detail = f"{key} runs {program}, which is not there any more: merges of journals will fail"
        return Check("merge driver", False, detail, "run `ai-journal init` again from your install")
    if value:
        return Check("merge driver", True, f"{key} = {value}")
    detail = f"{key} is not set: merges of journals fall back to plain text merges"
    return Check("merge driver", False, detail, "run `ai-journal init` (git config is not cloned)")


def _attributes_check(toplevel: Path, journal_dir: str) -> Check:
    probes = [install.STATE_ATTRIBUTE_PATH, f"{journal_dir.strip('/')}/2000-01-01.md"]
    out = git.try_run(["check-attr", "merge", "--", *probes], toplevel) or ""
    unset = [p for p in probes if f"{p}: merge: {install.MERGE_DRIVER}" not in out.splitlines()]
    if unset:
        detail = f".gitattributes does not send {', '.join(unset)} to the merge driver"
        return Check("merge attributes", False, detail, "run `ai-journal init`")
    return Check("merge attributes", True, "state and journals use the ai-journal merge driver")


def template_dirs() -> list[Path]:
    """Where the built-in templates may be: inside the installed package, or in a checkout."""
    packaged = Path(str(resources.files("journal") / "templates"))
    checkout = Path(__file__).resolve().parent.parent / "templates"
    return [packaged, checkout]


def _templates_check(candidates: list[Path]) -> Check:
    for folder in candidates:
        if folder.is_dir() and any(p.is_file() for p in folder.iterdir()):
            return Check("templates", True, f"built-in templates in {folder}")
    detail = f"no built-in templates in {' or '.join(map(str, candidates))}"
    return Check("templates", False, detail, "reinstall ai-journal")


def _config_check(paths: git.RepoPaths) -> tuple[Check, config_mod.Config]:
    path = paths.toplevel / config_mod.CONFIG_PATH
    try:
        loaded = config_mod.load(paths.toplevel)
    except JournalError as exc:
        return Check("config", False, str(exc), f"fix {path}"), config_mod.Config()
    detail = f"{path} is valid" if path.exists() else f"{path} absent: defaults apply"
    return Check("config", True, detail), loaded


def codex_home(config: config_mod.Config) -> Path:
    raw = config.codex_home or os.environ.get("CODEX_HOME") or "~/.codex"
    return Path(raw).expanduser()


def _codex_home_check(config: config_mod.Config) -> Check:
    home = codex_home(config)
    if home.is_dir():
        return Check("codex home", True, f"{home}")
    fix = "set codex.home in .ai-journal/config.toml or $CODEX_HOME"
    return Check("codex home", False, f"{home} does not exist (no Codex sessions to read)", fix)


def _state_check(toplevel: Path) -> Check:
    """`project_state.json` and the fragments parse, in a schema this version knows; a broken
    file is never rewritten, so the fix is the person's (or git's copy)."""
    from journal import fragment, project_state
    from journal.errors import StateCorrupt

    name, state_path = "project state", project_state.STATE_PATH.as_posix()
    try:
        project_state.load(toplevel)
        fragments = fragment.load_all(toplevel / state_path.rsplit("/", 1)[0] / "sessions")
    except StateCorrupt as exc:
        where = f"{exc.path}:{exc.line}:{exc.column}"
        relative = Path(os.path.relpath(exc.path, toplevel)).as_posix()
        fix = (
            f"edit {where} (a JSON syntax error), or take git's copy: "
            f"`git checkout -- {relative}`; ai-journal never overwrites it"
        )
        return Check(name, False, str(exc).split("; fix", 1)[0], fix)
    except JournalError as exc:
        return Check(name, False, str(exc), "upgrade ai-journal (`pip install -U ai-journal`)")
    return Check(name, True, f"{state_path} and {len(fragments)} session fragment(s) parse")


def _resident_check(local: Path) -> Check:
    """Informational: whether a warm server takes this repository's stages (see
    `journal.resident`)."""
    from journal import resident, resident_server

    name = "resident stage"
    if os.environ.get(resident.SWITCH) == "0":
        return Check(name, True, f"off ({resident.SWITCH}=0): every stage runs in its hook")
    pids = resident_server.running(local) if local.is_dir() else []
    # any install's note (the pre-commit framework's environment is not this command's)
    failed = next(local.glob(f"{resident.SOCKET_PREFIX}*{resident.FAILED_SUFFIX}"), None)
    if not pids and failed is not None:
        reason = failed.read_text(encoding="utf-8", errors="replace").strip()
        detail = f"no server can listen in {local} ({reason}): every stage runs in its hook"
        return Check(name, True, detail, f"delete {failed} to try again")
    if not pids:
        return Check(name, True, "no server running; the next stage with agent work starts one")
    idle = resident_server.IDLE_SECONDS // 60
    listed = ", ".join(str(pid) for pid in pids)
    return Check(name, True, f"server pid {listed}, leaving after {idle} idle minutes")

"""Setting a repository up: native hook shims, pre-commit's hooks, and `init`.

The native shim's source is `hooks/shim.sh` at the top of the project; the wheel carries it as
`journal/hooks/shim.sh`. A shim calls the ai-journal of the Python environment that installed it
(falling back to `ai-journal` on PATH), and chains the hook it replaced with the same arguments
and stdin.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from journal import __version__, config_file, git, state
from journal import config as config_mod
from journal import precommit_config as pcc
from journal.errors import JournalError

SHIM_MARKER = "ai-journal-shim"
PREV_SUFFIX = ".ai-journal-prev"
PRECOMMIT_MARKERS = (
    "138fd403232d2ddd5efb44317e38bf03",  # pre-commit's current hook script id
    "4d9958c90bc262f47553e2c073f14cfe",
    "d8ee923c46731b42cd95cc869add4062",
    "49fd668cb42069aa1b6048464be5d395",
    "79f09a650522a87b0da915d0d983b2de",
    "e358c9dae00eac5d06b38dfdb1e33a8c",
)
PRECOMMIT_CONFIG = ".pre-commit-config.yaml"
MERGE_DRIVER = "ai-journal"


def merge_driver_config() -> dict[str, str]:
    """The local git config of the merge driver. It names the interpreter that ran `init`, because
    under pre-commit `ai-journal` is usually not on PATH, and git gives up a merge whose driver
    cannot start."""
    command = f"{shlex.quote(sys.executable)} -m journal.entry merge-driver %O %A %B %P"
    return {
        f"merge.{MERGE_DRIVER}.name": "ai-journal merge driver",
        f"merge.{MERGE_DRIVER}.driver": command,
    }


STATE_ATTRIBUTE_PATH = ".ai-journal/project_state.json"


# -- native hooks -------------------------------------------------------------------------------


def shim_template() -> str:
    packaged = resources.files("journal") / "hooks" / "shim.sh"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parent.parent / "hooks" / "shim.sh"
    try:
        return checkout.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JournalError("the hook shim template is missing; reinstall ai-journal") from exc


def shim_text(python: str | None = None) -> str:
    """The shim for `python`; it puts the folder this package is imported from on `sys.path`
    itself, because it starts Python without `site` (-S)."""
    package_root = str(Path(__file__).resolve().parent.parent)
    text = shim_template().replace("@PYTHON@", shlex.quote(python or sys.executable))
    return text.replace("@PATH@", shlex.quote(package_root))


def hook_kind(path: Path) -> str | None:
    """ "native" for our shim, "pre-commit" for pre-commit's script, "other", or None if absent."""
    if not path.exists():
        return "other" if path.is_symlink() else None
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "other"
    if SHIM_MARKER in text:
        return "native"
    if any(marker in text for marker in PRECOMMIT_MARKERS):
        return "pre-commit"
    return "other"


def install_native(paths: git.RepoPaths) -> list[Path]:
    """Write our shim for every hook type; return the hooks that changed (none the second time)."""
    from journal import notes

    text = shim_text()
    changed = [_install_shim(paths.hooks_dir / name, text) for name in pcc.HOOK_TYPES]
    notes.configure(paths.toplevel)
    return [path for path in changed if path is not None]


def _install_shim(target: Path, text: str) -> Path | None:
    prev = target.with_name(target.name + PREV_SUFFIX)
    moved = False
    if hook_kind(target) not in (None, "native"):
        if prev.exists() or prev.is_symlink():
            raise JournalError(
                f"{target} and {prev} both exist; move one of them away, then install again"
            )
        os.replace(target, prev)
        moved = True
    written = state.write_atomic(target, text)
    if not os.access(target, os.X_OK) or written:
        target.chmod(0o755)
    return target if (written or moved) else None


def uninstall(paths: git.RepoPaths) -> list[Path]:
    """Remove exactly our shims, putting back the hooks they chained; return the paths touched."""
    touched: list[Path] = []
    for name in pcc.HOOK_TYPES:
        target = paths.hooks_dir / name
        prev = target.with_name(name + PREV_SUFFIX)
        legacy = target.with_name(name + ".legacy")  # where `pre-commit install` moves our shim
        if hook_kind(legacy) == "native":
            legacy.unlink()
            touched.append(legacy)
        if hook_kind(target) != "native":
            continue
        if prev.exists() or prev.is_symlink():
            os.replace(prev, target)
        else:
            target.unlink()
        touched.append(target)
    from journal import notes, resident_server

    resident_server.stop(paths.common_dir / "ai-journal")
    if git.config_get(paths.toplevel, "notes.rewriteRef") == notes.REF:
        git.run(["config", "--local", "--unset", "notes.rewriteRef"], paths.toplevel)
    return touched


def install_precommit(paths: git.RepoPaths) -> list[Path]:
    """`pre-commit install` for every hook type ai-journal uses."""
    types = [arg for hook_type in pcc.HOOK_TYPES for arg in ("-t", hook_type)]
    proc = subprocess.run(
        [*_precommit_command(), "install", *types],
        cwd=paths.toplevel,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [line for line in (proc.stdout + proc.stderr).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit {proc.returncode}"
        raise JournalError(f"pre-commit install failed: {reason}")
    return [paths.common_dir / "hooks" / hook_type for hook_type in pcc.HOOK_TYPES]


def _precommit_command() -> list[str]:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    found = shutil.which("pre-commit")
    if found is None:
        raise JournalError("pre-commit is not installed; `pip install pre-commit`, or use --native")
    return [found]


# -- init ---------------------------------------------------------------------------------------


@dataclass
class InitReport:
    written: list[Path] = field(default_factory=list)  # files created or changed
    git_config: list[str] = field(default_factory=list)  # local git config keys set
    snippet: str | None = None  # pre-commit entries to add by hand
    notices: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"wrote {path}" for path in self.written]
        out += [f"set git config {key}" for key in self.git_config]
        out += self.notices
        if self.snippet:
            out += [f"add this to {PRECOMMIT_CONFIG} by hand:", self.snippet.rstrip("\n")]
        return out or ["already set up: nothing to change"]


def init(
    paths: git.RepoPaths,
    *,
    hook_repo: str | None = None,
    hook_rev: str | None = None,
    local: bool = False,
) -> InitReport:
    """Write the config, the pre-commit entries, `.gitattributes` and the merge driver's git config.
    Running it again changes nothing."""
    report = InitReport()
    top = paths.toplevel
    config_path = top / config_mod.CONFIG_PATH
    if not config_path.exists():
        _write(report, config_path, config_file.config_toml(config_file.detect_timezone()))
    config = config_mod.load(top)
    repo, rev = _hook_source(hook_repo, hook_rev, local)
    _add_precommit_entries(report, top / PRECOMMIT_CONFIG, repo, rev, local)
    _add_attributes(report, top / ".gitattributes", config.journal_dir)
    for key, value in merge_driver_config().items():
        if git.try_run(["config", "--local", "--get", key], top) != value + "\n":
            git.run(["config", "--local", key, value], top)
            report.git_config.append(key)
    return report


def _write(report: InitReport, path: Path, text: str) -> None:
    if state.write_atomic(path, text):
        report.written.append(path)


def _hook_source(
    hook_repo: str | None, hook_rev: str | None, local: bool
) -> tuple[str, str | None]:
    if local:
        return "local", None
    if not hook_repo:
        return pcc.DEFAULT_REPO, hook_rev or f"v{__version__}"
    folder = Path(hook_repo).expanduser()
    if "://" in hook_repo or not folder.is_dir():
        return hook_repo, hook_rev or f"v{__version__}"
    folder = folder.resolve()
    if hook_rev:
        return str(folder), hook_rev
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    proc = subprocess.run(
        ["git", "rev-parse", "--verify", "HEAD"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise JournalError(f"{folder} has no commit to pin; pass --hook-rev")
    return str(folder), proc.stdout.strip()


def _add_precommit_entries(
    report: InitReport, path: Path, repo: str, rev: str | None, local: bool
) -> None:
    if not path.exists():
        _write(report, path, pcc.new_config(repo, rev, local=local))
        report.notices.append("next: `ai-journal install` (or `pre-commit install`)")
        return
    text = path.read_text(encoding="utf-8")
    edited = pcc.add_entries(text, repo, rev, local=local)
    if edited is None:
        report.snippet = pcc.snippet(repo, rev, local=local)
    elif edited != text:
        _write(report, path, edited)
        report.notices.append("next: `ai-journal install` (or `pre-commit install`)")


def attribute_lines(journal_dir: str) -> list[str]:
    return [
        f"{STATE_ATTRIBUTE_PATH} merge={MERGE_DRIVER}",
        f"{journal_dir.strip('/')}/*.md merge={MERGE_DRIVER}",
    ]


def _add_attributes(report: InitReport, path: Path, journal_dir: str) -> None:
    text = ""
    with contextlib.suppress(FileNotFoundError):
        text = path.read_text(encoding="utf-8")
    have = {line.strip() for line in text.splitlines()}
    missing = [line for line in attribute_lines(journal_dir) if line not in have]
    if not missing:
        return
    if text and not text.endswith("\n"):
        text += "\n"
    _write(report, path, text + "".join(line + "\n" for line in missing))

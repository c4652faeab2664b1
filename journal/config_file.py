"""The `.ai-journal/config.toml` that `init` writes: every key with its doc, defaults commented out,
and the machine's timezone set (from $TZ or the /etc/localtime link).
"""

from __future__ import annotations

import os
from pathlib import Path

from journal import config as config_mod


def config_toml(timezone: str) -> str:
    """The documented config file: every key with its doc, defaults commented out, and the
    machine's timezone set."""
    lines = [
        "# ai-journal configuration. Every key is optional; a commented line shows the default.",
    ]
    section = None
    for key, default, doc in config_mod.documented_keys():
        table, name = key.split(".", 1)
        if table != section:
            lines += ["", f"[{table}]"]
            section = table
        lines.append(f"# {doc}")
        if key == "journal.timezone":
            lines.append(f"{name} = {_toml(timezone)}")
        else:
            lines.append(f"# {name} = {_toml(default)}")
    return "\n".join(lines) + "\n"


def _toml(value: object) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(str(value))


def detect_timezone(
    environ: dict[str, str] | None = None, localtime: Path = Path("/etc/localtime")
) -> str:
    """The machine's IANA zone: from $TZ, else the /etc/localtime link; UTC when neither names one."""
    env = os.environ if environ is None else environ
    candidates = [env.get("TZ", "").lstrip(":")]
    if localtime.is_symlink():
        candidates.append(os.path.realpath(localtime))
    for candidate in candidates:
        name = candidate.split("zoneinfo/", 1)[-1]
        if name and _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return not name.startswith("/")

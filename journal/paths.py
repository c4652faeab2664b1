"""Paths made fit for a tracked file: repository paths relative, home directories as `~`.

Home paths are `$HOME` as given and symlink-resolved, plus the generic forms `/home/<user>`,
`/Users/<user>`, `/root` and `C:\\Users\\<user>`, each matched only as a whole path prefix.
"""

from __future__ import annotations

import functools
import os
import posixpath
import re
from pathlib import Path, PurePosixPath

_USER = r"(?:[\w.-]+(?: [\w.-]+)*(?=[/\\])|[\w.-]+)"  # spaces only inside a longer path
_GENERIC_HOMES = (
    rf"/home/{_USER}",
    rf"/Users/{_USER}",
    r"/root",
    rf"[A-Za-z]:[\\/]+Users[\\/]+{_USER}",
)


@functools.lru_cache(maxsize=8)
def home_pattern(home: str) -> re.Pattern[str]:
    """`home` (as given and symlink-resolved) and the generic home forms, as whole path prefixes."""
    literal = {h.rstrip("/") for h in (home, os.path.realpath(home)) if home and h.rstrip("/")}
    alternatives = [re.escape(h) for h in sorted(literal, key=len, reverse=True)]
    alternatives += _GENERIC_HOMES
    return re.compile(rf"(?<![\w.~-])(?:{'|'.join(alternatives)})(?![\w.-])")


def tildify(path: str) -> str:
    """`path` with the user's home (or any generic home) replaced by `~`."""
    return home_pattern(os.environ.get("HOME", "")).sub("~", path)


def relativize(path: str, toplevel: Path, worktrees: list[Path]) -> str:
    """A repo-relative POSIX path ("." for the top) when `path` is inside the repository or one of
    its worktrees (symlinks resolved); otherwise `path` with the home directory replaced by `~`."""
    if not path:
        return path
    if re.match(r"[A-Za-z]:[\\/]", path):
        return tildify(path)
    if not path.startswith("/"):
        return posixpath.normpath(path)
    ordered = _deepest_first((toplevel, *worktrees))
    normalized = PurePosixPath(posixpath.normpath(path))
    for resolve in (False, True):  # the path as written first: resolving costs a stat a part
        candidate = PurePosixPath(os.path.realpath(normalized)) if resolve else normalized
        for root in ordered:
            if candidate.is_relative_to(root):
                return candidate.relative_to(root).as_posix()
    return tildify(str(normalized))


@functools.lru_cache(maxsize=32)
def _deepest_first(roots: tuple[Path, ...]) -> list[Path]:
    """`roots` and their symlink-resolved forms, the deepest first. Resolved once per process and
    set of roots: a fragment's build asks for every path and text it cleans."""
    found = {*roots, *(Path(os.path.realpath(root)) for root in roots)}
    return sorted(found, key=lambda root: len(root.parts), reverse=True)


def replace_roots(text: str, roots: list[Path]) -> str:
    """Absolute mentions of the repository's roots in free text become `.` (so `/repo/src` → `./src`)."""
    literal = {str(root) for root in _deepest_first(tuple(roots))}
    literal.discard("/")
    present = [root for root in sorted(literal, key=len, reverse=True) if root in text]
    if not present:
        return text
    alternatives = "|".join(re.escape(root) for root in present)
    return re.sub(rf"(?<![\w.~/-])(?:{alternatives})(?![\w.-])", ".", text)

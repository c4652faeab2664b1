"""ai-journal's entries in a `.pre-commit-config.yaml`, added by careful text edits.

A config that is plain enough (one YAML mapping with a block-style `repos` list, no anchors, aliases
or tags, `\\n` line endings) gets our repo block appended after its last repo, and the hook types we
need added to `default_install_hook_types`; every other byte, comments included, stays as it was.
The result is parsed again and compared with the original before it is used. Anything else is left
alone and the caller prints the snippet instead.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

DEFAULT_REPO = "https://github.com/ai-journal/ai-journal"
INSTALL_TYPES_KEY = "default_install_hook_types"


class HookSpec(NamedTuple):
    id: str
    stage: str
    name: str
    verbose: bool = False
    command: str | None = None  # default: `ai-journal hook <stage>`


# In config order: pre-commit runs hooks of one stage in that order, and the check must see what
# the stage hook staged.
HOOKS = (
    HookSpec("ai-journal-stage", "pre-commit", "ai-journal (refresh and stage journals)"),
    HookSpec(
        "ai-journal-check",
        "pre-commit",
        "ai-journal (refuse secrets in staged journals)",
        command="ai-journal check --secrets --staged",
    ),
    HookSpec("ai-journal-post-commit", "post-commit", "ai-journal (record the commit)"),
    HookSpec("ai-journal-post-checkout", "post-checkout", "ai-journal (record the checkout)"),
    HookSpec("ai-journal-post-merge", "post-merge", "ai-journal (record the merge)"),
    HookSpec("ai-journal-post-rewrite", "post-rewrite", "ai-journal (record rewrites)", True),
)
HOOK_IDS = tuple(spec.id for spec in HOOKS)
HOOK_TYPES = tuple(dict.fromkeys(spec.stage for spec in HOOKS))


class Style(NamedTuple):
    dash: int  # column of a repo item's "-"
    offset: int  # from that "-" to the item's keys
    nested: int  # from the item's keys to the "-" of its hooks


DEFAULT_STYLE = Style(dash=2, offset=2, nested=2)
_PLAIN = re.compile(r"[A-Za-z0-9_./~@+-][A-Za-z0-9_./~@:+=-]*")


def entry(spec: HookSpec) -> str:
    return spec.command or f"ai-journal hook {spec.stage}"


def repo_block(repo: str, rev: str | None, *, local: bool, style: Style = DEFAULT_STYLE) -> str:
    """Our `repos:` item; `local` gives `repo: local` hooks that run `ai-journal` from PATH."""
    keys = " " * (style.dash + style.offset)
    hook_dash = keys + " " * style.nested
    hook_keys = hook_dash + " " * style.offset
    lines = [" " * style.dash + "-" + " " * (style.offset - 1) + f"repo: {_scalar(repo)}"]
    if rev is not None:
        lines.append(f"{keys}rev: {_scalar(rev)}")
    lines.append(f"{keys}hooks:")
    for spec in HOOKS:
        lines.append(f"{hook_dash}-{' ' * (style.offset - 1)}id: {spec.id}")
        if local:
            lines += [
                f"{hook_keys}name: {spec.name}",
                f"{hook_keys}entry: {entry(spec)}",
                f"{hook_keys}language: system",
                f"{hook_keys}stages: [{spec.stage}]",
                f"{hook_keys}always_run: true",
                f"{hook_keys}pass_filenames: false",
            ]
            if spec.verbose:
                lines.append(f"{hook_keys}verbose: true")
    return "\n".join(lines) + "\n"


def install_types_line(types: tuple[str, ...] = HOOK_TYPES) -> str:
    return f"{INSTALL_TYPES_KEY}: [{', '.join(types)}]\n"


def new_config(repo: str, rev: str | None, *, local: bool) -> str:
    return install_types_line() + "repos:\n" + repo_block(repo, rev, local=local)


def snippet(repo: str, rev: str | None, *, local: bool) -> str:
    """What to paste by hand when the existing config is not plain enough to edit."""
    return f"# top level:\n{install_types_line()}# under repos:\n" + repo_block(
        repo, rev, local=local, style=Style(0, 2, 2)
    )


def hook_ids(data: Any) -> set[str]:
    """Every hook id named in a parsed config."""
    repos = data.get("repos") if isinstance(data, dict) else None
    found: set[str] = set()
    for repo in repos if isinstance(repos, list) else []:
        hooks = repo.get("hooks") if isinstance(repo, dict) else None
        for hook in hooks if isinstance(hooks, list) else []:
            if isinstance(hook, dict) and isinstance(hook.get("id"), str):
                found.add(hook["id"])
    return found


def add_entries(text: str, repo: str, rev: str | None, *, local: bool) -> str | None:
    """`text` with our repo block and install types added; the same text when nothing is missing;
    None when the file is not plain enough to edit safely (or already names only some of our hooks).
    """
    import yaml

    root = _plain_root(text)
    if root is None:
        return None
    before = yaml.safe_load(text)
    present = hook_ids(before) & set(HOOK_IDS)
    if present and present != set(HOOK_IDS):
        return None
    edited = text if present else _append_repo(text, root, repo, rev, local)
    if edited is None:
        return None
    root = _plain_root(edited)
    edited = _add_install_types(edited, root) if root is not None else None
    if edited is None or not _only_ours_added(before, yaml.safe_load(edited)):
        return None
    return edited


# -- parsing ------------------------------------------------------------------------------------


def _plain_root(text: str) -> Any:
    import yaml

    if "\r" in text or "\t" in text:
        return None
    try:
        tokens = list(yaml.scan(text))
        nodes = list(yaml.compose_all(text))
    except yaml.YAMLError:
        return None
    if any(isinstance(t, (yaml.AnchorToken, yaml.AliasToken, yaml.TagToken)) for t in tokens):
        return None
    if len(nodes) != 1 or not isinstance(nodes[0], yaml.MappingNode) or nodes[0].flow_style:
        return None
    root = nodes[0]
    repos = _value(root, "repos")
    if not isinstance(repos, yaml.SequenceNode) or (repos.flow_style and repos.value):
        return None
    return root


def _value(mapping: Any, key: str) -> Any:
    return next((v for k, v in mapping.value if getattr(k, "value", None) == key), None)


def _key(mapping: Any, key: str) -> Any:
    return next((k for k, _ in mapping.value if getattr(k, "value", None) == key), None)


# -- edits --------------------------------------------------------------------------------------


def _append_repo(text: str, root: Any, repo: str, rev: str | None, local: bool) -> str | None:
    repos = _value(root, "repos")
    if not repos.value:  # `repos: []`
        indent = _key(root, "repos").start_mark.column + 2
        block = repo_block(repo, rev, local=local, style=Style(indent, 2, 2))
        start, end = repos.start_mark.index, repos.end_mark.index
        return text[:start].rstrip(" ") + "\n" + block.rstrip("\n") + text[end:]
    style = _style(text, repos)
    if style is None:
        return None
    at = _after_item(text, repos.value[-1], style.dash)
    return _insert(text, at, repo_block(repo, rev, local=local, style=style))


def _add_install_types(text: str, root: Any) -> str | None:
    import yaml

    node = _value(root, INSTALL_TYPES_KEY)
    if node is None:
        first_key = root.value[0][0]
        at = first_key.start_mark.index - first_key.start_mark.column
        return _insert(text, at, " " * first_key.start_mark.column + install_types_line())
    if not isinstance(node, yaml.SequenceNode):
        return None
    have = [getattr(item, "value", None) for item in node.value]
    missing = [t for t in HOOK_TYPES if t not in have]
    if not missing:
        return text
    if node.flow_style:
        if node.start_mark.line != node.end_mark.line:
            return None
        flow = "[" + ", ".join([*(str(v) for v in have), *missing]) + "]"
        return text[: node.start_mark.index] + flow + text[node.end_mark.index :]
    dash = _dash_column(text, node.value[0])
    if dash is None:
        return None
    at = _after_item(text, node.value[-1], dash)
    return _insert(text, at, "".join(f"{' ' * dash}- {t}\n" for t in missing))


def _insert(text: str, at: int, block: str) -> str:
    head = text[:at]
    if head and not head.endswith("\n"):
        head += "\n"
    return head + block + text[at:]


def _style(text: str, repos: Any) -> Style | None:
    first = repos.value[0]
    dash = _dash_column(text, first)
    if dash is None:
        return None
    keys = first.start_mark.column
    nested = DEFAULT_STYLE.nested
    hooks = _value(first, "hooks") if hasattr(first, "value") else None
    if hooks is not None and not hooks.flow_style and hooks.value:
        hook_dash = _dash_column(text, hooks.value[0])
        if hook_dash is not None and hook_dash >= keys:
            nested = hook_dash - keys
    return Style(dash, keys - dash, nested)


def _dash_column(text: str, item: Any) -> int | None:
    """Column of the "-" that opens a block sequence item, if it is on the item's own line."""
    line_start = text.rfind("\n", 0, item.start_mark.index) + 1
    before = text[line_start : item.start_mark.index]
    if before.strip() != "-":
        return None
    return before.index("-")


def _after_item(text: str, item: Any, dash: int) -> int:
    """Where a new sibling item goes: after the item's last line and the comments indented under it
    (a commented-out hook belongs to its repo), before blank lines and outdented comments."""
    end = _content_end(item)
    at = end if text[end - 1 : end] == "\n" else _line_end(text, end)
    scan = at
    while scan < len(text):
        nxt = _line_end(text, scan)
        line = text[scan:nxt]
        stripped = line.strip()
        if stripped.startswith("#") and len(line) - len(line.lstrip(" ")) > dash:
            at = scan = nxt
        elif not stripped:
            scan = nxt
        else:
            break
    return at


def _content_end(node: Any) -> int:
    import yaml

    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.index)
    children = (
        node.value if isinstance(node, yaml.SequenceNode) else [x for kv in node.value for x in kv]
    )
    return max((_content_end(child) for child in children), default=int(node.start_mark.index))


def _line_end(text: str, at: int) -> int:
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline + 1


def _only_ours_added(before: Any, after: Any) -> bool:
    """The edit added our hooks and install types and changed nothing else."""
    if not isinstance(after, dict) or not set(HOOK_IDS) <= hook_ids(after):
        return False
    types = after.get(INSTALL_TYPES_KEY)
    if not isinstance(types, list) or not set(HOOK_TYPES) <= set(types):
        return False
    restored = dict(after)
    restored["repos"] = [r for r in after["repos"] if not set(HOOK_IDS) & hook_ids({"repos": [r]})]
    expected = dict(before)
    expected["repos"] = [r for r in before["repos"] if not set(HOOK_IDS) & hook_ids({"repos": [r]})]
    restored.pop(INSTALL_TYPES_KEY)
    original_types = expected.pop(INSTALL_TYPES_KEY, [])
    return restored == expected and types[: len(original_types)] == original_types


def _scalar(value: str) -> str:
    import yaml

    if _PLAIN.fullmatch(value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value)

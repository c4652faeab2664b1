"""Daily journal files: the Jinja2 environment, the frontmatter and the generated region.

A journal is YAML frontmatter (rewritten on every render), then anything a person wrote, then the
generated region between the two marker lines, then anything a person wrote again. Text outside the
region is kept byte for byte, in the file's own newline style; only the run of newlines at the very
end of the file is made exactly one. A file whose markers were deleted (or left unpaired) keeps all
its text and gets a fresh region appended at the end. The region is the one that starts at the last
begin-marker line followed by an end-marker line. Markers count only as whole lines, so a marker
quoted in agent text (which the `md` filter escapes anyway) cannot move the region.

Templates: `<toplevel>/.ai-journal/templates/<name>` wins over the built-in one of the same name;
`export_template` copies a built-in there to start from. Built-ins ship inside the wheel as
`journal/templates`; a source checkout reads the top-level `templates/` directory.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from journal.config import Config
from journal.errors import JournalError
from journal.front_matter import journal_frontmatter
from journal.state import write_atomic

if TYPE_CHECKING:
    import jinja2

BEGIN = "<!-- ai-journal:begin -->"
END = "<!-- ai-journal:end -->"
MAIN_TEMPLATE = "journal.md.j2"
OVERRIDE_DIR = Path(".ai-journal") / "templates"


class RenderResult(NamedTuple):
    path: Path
    changed: bool


def builtin_dir() -> Path:
    """`journal/templates` in an installed wheel; the checkout's top-level `templates/` otherwise."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise JournalError("the built-in journal templates are missing; reinstall ai-journal")


def builtin_templates() -> list[str]:
    return sorted(p.name for p in builtin_dir().glob("*.j2"))


def template_dirs(toplevel: Path) -> list[Path]:
    """Where templates are looked up, first match wins: the repository's overrides, built-ins."""
    return [toplevel / OVERRIDE_DIR, builtin_dir()]


def environment(toplevel: Path, cache_dir: Path | None = None) -> jinja2.Environment:
    """Repository overrides first, then the built-in templates. With `cache_dir` (local state),
    compiled templates are kept between runs; jinja2 recompiles any whose source changed."""
    import jinja2

    loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(str(folder)) for folder in template_dirs(toplevel)]
    )
    env = _environment_class()(
        loader=loader,
        autoescape=False,  # Markdown, not HTML: the `md` filter does the escaping that matters
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(cache_dir) if cache_dir else None,
        auto_reload=False,  # an environment lives for one command: no stat per `include`
    )
    env.filters.update(FILTERS)
    return env


@functools.cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2

    dict_attributes = frozenset(dir(dict))

    class Environment(jinja2.Environment):
        """`a.b` on a context dict looks the key up first. Jinja tries the attribute first and
        falls back to the key, raising an AttributeError on every key it reads; for a plain
        dict the result is the same whenever `b` is not one of dict's own attributes."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in dict_attributes:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return Environment


def _bytecode_cache(directory: Path) -> jinja2.BytecodeCache:
    import jinja2

    directory.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(directory))


def render_region(context: dict[str, Any], env: jinja2.Environment) -> str:
    """The generated text between the markers, with LF newlines and no blank edges."""
    import jinja2

    try:
        text = env.get_template(MAIN_TEMPLATE).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise JournalError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise JournalError(
            f"template {MAIN_TEMPLATE}: {exc.message}; compare it with `ai-journal render --context`"
        ) from exc
    return text.replace("\r\n", "\n").strip("\n") + "\n"


def render_text(existing: str | None, context: dict[str, Any], env: jinja2.Environment) -> str:
    """The whole journal file: fresh frontmatter and region, a person's text kept around them."""
    body = _strip_frontmatter(existing or "")
    newline = "\r\n" if _uses_crlf(existing or "") else "\n"
    before, after = _outside_region(body, newline)
    region = f"{BEGIN}\n{render_region(context, env)}\n{END}\n".replace("\n", newline)
    after = after.rstrip("\r\n")
    return (
        journal_frontmatter(context, newline) + before + region + (after + newline if after else "")
    )


def read_existing(path: Path) -> str | None:
    """A generated file's current text (None when absent), so the text around its markers stays."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise JournalError(
            f"{path} is not UTF-8 text; fix or remove it, then render again"
        ) from exc


def render_day(
    toplevel: Path, config: Config, context: dict[str, Any], env: jinja2.Environment | None = None
) -> RenderResult:
    """Write one day's journal. Pass `env` when rendering several days: templates compile once."""
    path = toplevel / config.journal_dir / f"{context['date']}.md"
    text = render_text(read_existing(path), context, env or environment(toplevel))
    return RenderResult(path, write_atomic(path, text))


def context_json(context: dict[str, Any]) -> str:
    return json.dumps(context, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def export_template(toplevel: Path, name: str) -> Path:
    if name not in builtin_templates():
        choices = ", ".join(builtin_templates())
        raise JournalError(f"no built-in template '{name}'; choose one of: {choices}")
    target = toplevel / OVERRIDE_DIR / name
    if target.exists():
        raise JournalError(f"{target} already exists; remove it first to export a fresh copy")
    write_atomic(target, (builtin_dir() / name).read_text(encoding="utf-8"))
    return target


def _strip_frontmatter(text: str) -> str:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return text
    for index, line in enumerate(lines[1:], start=1):
        if line.rstrip("\r\n") in ("---", "..."):
            return "".join(lines[index + 1 :])
    return text  # an opening rule with no closing one is a person's text, not frontmatter


def _outside_region(body: str, newline: str) -> tuple[str, str]:
    """(text before the region, text after it); with no marked region, all of it comes before."""
    lines = body.splitlines(keepends=True)
    marks = [line.strip() for line in lines]
    for begin in reversed([i for i, mark in enumerate(marks) if mark == BEGIN]):
        if END in marks[begin + 1 :]:
            end = marks.index(END, begin + 1)
            return "".join(lines[:begin]), "".join(lines[end + 1 :])
    if body and not body.endswith("\n"):
        body += newline
    return body, ""


def _uses_crlf(text: str) -> bool:
    first = text.find("\n")
    return first > 0 and text[first - 1] == "\r"


# --- filters: the only helpers templates get --------------------------------------------------

_INLINE_SPECIAL = re.compile(r"[\\`*\[\]<>|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_BACKTICKS = re.compile(r"`+")
_LINE_START = re.compile(r"^(|\d+(?=[.)]))([#+=.)-])")  # headings, rules, list items


def md(text: object) -> str:
    """Agent or commit text as inert inline Markdown: one line, no markup, no HTML, no markers.

    Complete code spans are kept as they are (inside one, nothing is markup); everything else
    is escaped."""
    flat = " ".join(str("" if text is None else text).split())
    if "`" not in flat:  # no code span: the common case, one pass
        return _LINE_START.sub(r"\1\\\2", _INLINE_SPECIAL.sub(_escape, flat), count=1)
    pieces = _CODE_SPAN.split(flat)  # text, fence, code, text, fence, code, ..., text
    out = []
    for index in range(0, len(pieces), 3):
        out.append(_INLINE_SPECIAL.sub(_escape, pieces[index]))
        if index + 2 < len(pieces):
            out.append(pieces[index + 1] + pieces[index + 2] + pieces[index + 1])
    return _LINE_START.sub(r"\1\\\2", "".join(out), count=1)


def _escape(match: re.Match[str]) -> str:
    return "\\" + match.group(0)


def code(text: object) -> str:
    """An inline code span that holds any text, backticks included, on one line. A word joiner
    after "<" of an HTML comment keeps a quoted marker from being a marker, even to `grep`."""
    flat = " ".join(str(text).split()).replace("<!--", "<\u2060!--")
    longest = max((len(run) for run in _BACKTICKS.findall(flat)), default=0) if "`" in flat else 0
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def excerpt(text: object, limit: int = 160) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters."""
    flat = " ".join(str(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def link(label: str, url: str | None) -> str:
    return f"[{label}]({url})" if url else label


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def human(number: int) -> str:
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if number >= size:
            return f"{number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(number)


def local_time(stamp: str, zone: str, fmt: str = "%H:%M") -> str:
    moment = datetime.fromisoformat(stamp)
    return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(ZoneInfo(zone)).strftime(fmt)


def outcome(value: str | None) -> str:
    return {"completed": "completed", "interrupted": "**interrupted**"}.get(
        value or "", "in progress"
    )


def exit_code(value: int | None) -> str:
    if value is None:
        return "no exit code"
    return str(value) if value == 0 else f"**{value}**"


FILTERS = {
    "md": md,
    "code": code,
    "excerpt": excerpt,
    "link": link,
    "count": count,
    "human": human,
    "local_time": local_time,
    "outcome": outcome,
    "exit_code": exit_code,
}


def replace_region(existing: str | None, generated: str) -> str:
    """A generated file without frontmatter (the task overview): the region between the markers
    replaced by `generated`, a person's text around it kept as in a journal."""
    body = existing or ""
    newline = "\r\n" if _uses_crlf(body) else "\n"
    before, after = _outside_region(body, newline)
    region = f"{BEGIN}\n{generated.strip(chr(10))}\n{END}\n".replace("\n", newline)
    after = after.rstrip("\r\n")
    return before + region + (after + newline if after else "")

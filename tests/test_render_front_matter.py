"""The journal frontmatter writer against the YAML dumper it replaces, byte for byte."""

from __future__ import annotations

from datetime import date
from typing import Any

import frontmatter
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from journal import front_matter

# Characters that decide plain against quoted: number and date punctuation, hex and exponent
# letters, the letters of YAML's booleans and nulls, and ones that always need quotes.
TRICKY = "0123456789abcdefxoEOBXyYnNtTrRuUlLsS._/-+:#' \"!&*[]{},|>%@`~=<?\\\té"
NAMES = st.one_of(
    st.text(alphabet=TRICKY, max_size=12),
    st.sampled_from(
        [
            "yes",
            "No",
            "ON",
            "off",
            "null",
            "~",
            "1e3",
            "1.5",
            "0x1f",
            "0b101",
            "0b1a",
            "0xag",
            "2024-01-02",
        ]
    ),
    st.text(max_size=8),
    st.from_regex(r"[0-9a-f]{40}", fullmatch=True),
    st.uuids().map(str),
)


def _context(day: date, branches: list[str], shas: list[str], ids: list[str]) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "branches": branches,
        "commits": [{"sha": sha} for sha in shas],
        "sessions": [{"id": sid} for sid in ids],
        "schema": 1,
    }


def _dumper_text(context: dict[str, Any]) -> str:
    """What python-frontmatter wrote before: its YAML dump of the same fields."""
    post = frontmatter.Post("", **front_matter.journal_metadata(context))
    return frontmatter.dumps(post, sort_keys=False).rstrip("\n") + "\n"


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=date(1000, 1, 1)),
    branches=st.lists(NAMES, max_size=3),
    shas=st.lists(NAMES, max_size=3),
    ids=st.lists(NAMES, max_size=3),
)
def test_same_bytes_as_the_yaml_dumper(
    day: date, branches: list[str], shas: list[str], ids: list[str]
) -> None:
    context = _context(day, branches, shas, ids)
    assert front_matter.journal_frontmatter(context) == _dumper_text(context)
    crlf = front_matter.journal_frontmatter(context, "\r\n")
    assert crlf == _dumper_text(context).replace("\n", "\r\n")


@given(text=NAMES)
def test_plain_only_when_the_dumper_writes_it_plain(text: str) -> None:
    if front_matter.is_plain(text):
        for dumper in {yaml.SafeDumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)}:
            assert yaml.dump([text], Dumper=dumper, default_flow_style=False) == f"- {text}\n"
        assert yaml.safe_load(f"- {text}\n") == [text]  # and it reads back as the same string


def test_typical_day_takes_the_direct_path() -> None:
    context = _context(
        date(2026, 2, 23),
        ["main", "fix/config-typos"],
        ["3f9c2a1d5e6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d", "0bade83b3835d05ca8cfe8072010570dea18096a"],
        ["019c8a59-e9dd-71f0-9ae3-4079fe9726a9"],
    )
    assert front_matter._direct(front_matter.journal_metadata(context)) == _dumper_text(context)


def test_values_yaml_would_quote_go_through_the_dumper() -> None:
    digits = "1234567890123456789012345678901234567890"
    context = _context(date(2026, 2, 23), ["yes", "2024-01-02"], [digits], ["é"])
    text = front_matter.journal_frontmatter(context)
    assert text == _dumper_text(context)
    assert "- '1234567890123456789012345678901234567890'" in text
    assert yaml.safe_load(text.strip("-\n"))["branches"] == ["yes", "2024-01-02"]

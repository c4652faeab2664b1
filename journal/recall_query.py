"""What people type, made safe for SQLite FTS5, and how two rankings are fused.

A query is never handed to FTS5 as syntax: its words become quoted strings (a double quote inside
one is doubled), so operators (`AND`, `OR`, `NOT`, `NEAR`), column filters (`:`), exclusions
(`-`), stars, carets and parentheses are searched as the plain words they contain or dropped as
punctuation. Text between a pair of double quotes stays a phrase. Words are joined with `OR` so a
question in plain language still finds documents that share only some of its words; BM25 ranks
those that share more, and rarer, words first. Very common English words are left out unless the
query has nothing else, because each of them matches most documents and only costs time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A word as FTS5's unicode61 tokenizer sees one: letters, digits and marks (the underscore is a
# separator there too).
_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
MAX_TERMS = 32  # a pasted page is searched by its first words, not by all of them

_STOP_TEXT = """a about after all also an and any are as at be been before but by can could did do
does done for from had has have how i if in into is it its just me my no not of on or our so than
that the their them then there these they this those to up us was we were what when where which
while who why will with would you your"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

RRF_K = 60  # the constant of reciprocal-rank fusion (the usual choice; damps the top ranks)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression for `query`, or None when it holds no word at all."""
    found = terms(query)
    return " OR ".join(found) if found else None


def terms(query: str) -> list[str]:
    """The query's phrases and words as quoted FTS5 strings, phrases first."""
    phrases: list[str] = []
    for inner in _PHRASE.findall(query):
        words = _WORD.findall(inner)
        if len(words) > 1:
            phrases.append(_quoted(" ".join(words)))
    rest = _PHRASE.sub(" ", query)
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(rest)))
    meaningful = [word for word in words if word not in STOP_WORDS]
    chosen = meaningful or ([] if phrases else words)
    single = [_quoted(word) for word in chosen]
    return list(dict.fromkeys([*phrases, *single]))[:MAX_TERMS]


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def words(query: str) -> list[str]:
    """The query's words, lower case, in order (for engines that do their own matching)."""
    return [word.lower() for word in _WORD.findall(query)]


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: each id scores the sum of 1/(k + rank) over the rankings it is in
    (rank from 1); best first, ties by first appearance."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: index for index, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))

"""Which step of an agent's new plan continues which step of its earlier plans.

Codex's `update_plan` resends the whole plan on every call and its steps carry no ids, so a step is
recognised by its text and its place. `match` pairs each new step with at most one earlier step
(one-to-one, best pairs first):

- the same text (ignoring case, punctuation and spacing) matches wherever it moved (a reorder);
- a similar text (`similarity` ≥ `SIMILAR`) matches, preferring the step at the same position;
- a reworded step at the same position matches with a lower bar (`REWORDED`) when the plan kept
  its length, since agents mostly edit a step in place;
- a step that left an earlier plan comes back only on a close match (`RETURNING`), without any
  positional help.

A split step ("Add route and test" → "Add route", "Write test") continues as its most similar
piece; the other pieces are new steps. Two steps merged into one continue the more similar of the
two; the other one has left the plan.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

SIMILAR = 0.62
REWORDED = 0.3
RETURNING = 0.8
_EXACT = 2.0
_IN_PLACE = 0.1
_WORD = re.compile(r"\w+")


class Earlier(NamedTuple):
    """A step an earlier plan had: its latest text, and its index in the previous plan (None when
    the previous plan no longer had it)."""

    text: str
    position: int | None


@functools.lru_cache(maxsize=8192)
def similarity(one: str, other: str) -> float:
    """0..1 for two step texts (normalised): the mean of the character and the word sequence
    ratios, or the word overlap (Jaccard) when higher, so a typo fix, an added word and a
    reordering of words all score high while two short texts sharing one word do not."""
    words_a, words_b = _WORD.findall(one.lower()), _WORD.findall(other.lower())
    if words_a == words_b:
        return 1.0
    chars = difflib.SequenceMatcher(None, " ".join(words_a), " ".join(words_b), autojunk=False)
    words = difflib.SequenceMatcher(None, words_a, words_b, autojunk=False)
    union = set(words_a) | set(words_b)
    jaccard = len(set(words_a) & set(words_b)) / len(union) if union else 0.0
    return max((chars.ratio() + words.ratio()) / 2, jaccard)


def match(earlier: Sequence[Earlier], current: Sequence[str], kept_length: bool) -> dict[int, int]:
    """{index in `current`: index in `earlier`} for the new steps that continue earlier ones.

    `kept_length` says the new plan has as many steps as the previous one (in-place rewording is
    only assumed then)."""
    scored: list[tuple[float, int, int]] = []
    for old_index, old in enumerate(earlier):
        for new_index, text in enumerate(current):
            score = _score(old, text, new_index, kept_length)
            if score is not None:
                scored.append((score, old_index, new_index))
    scored.sort(key=lambda item: (-item[0], item[2], item[1]))
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for _, old_index, new_index in scored:
        if new_index not in pairs and old_index not in taken:
            pairs[new_index] = old_index
            taken.add(old_index)
    return pairs


def _score(old: Earlier, text: str, position: int, kept_length: bool) -> float | None:
    in_place = old.position == position
    bonus = _IN_PLACE if in_place else 0.0
    if _text(old.text).normal == _text(text).normal:
        return _EXACT + bonus
    reworded = REWORDED if in_place and kept_length else SIMILAR
    bar = RETURNING if old.position is None else reworded
    # Every plan is sent whole again, so most pairs are far apart: bound them before the ratios.
    if not _may_reach(_text(old.text), _text(text), bar):
        return None
    value = similarity(old.text, text)
    if value < bar:
        return None
    return value if old.position is None else value + bonus


class _Text(NamedTuple):
    """A step text as `similarity` sees it, counted for the bounds."""

    normal: str
    words: Counter[str]
    chars: Counter[str]


@functools.lru_cache(maxsize=4096)
def _text(text: str) -> _Text:
    words = _WORD.findall(text.lower())
    normal = " ".join(words)
    return _Text(normal, Counter(words), Counter(normal))


def _may_reach(one: _Text, other: _Text, bar: float) -> bool:
    """False when `similarity` of the two texts is surely under `bar`. Each sequence ratio is at
    most the share of elements the texts have in common, counted without their order (difflib's
    `quick_ratio`); the character share is bounded by 1 until the words leave it a chance."""
    if one.words == other.words:
        return True
    shared = one.words.keys() & other.words.keys()
    union = len(one.words.keys() | other.words.keys())
    jaccard = len(shared) / union if union else 0.0
    total = one.words.total() + other.words.total()
    common = sum(min(one.words[word], other.words[word]) for word in shared)
    word_share = 2.0 * common / total if total else 1.0
    if max((1.0 + word_share) / 2, jaccard) < bar:
        return False
    return max((_shared_share(one.chars, other.chars) + word_share) / 2, jaccard) >= bar


def _shared_share(one: Counter[str], other: Counter[str]) -> float:
    total = one.total() + other.total()
    if not total:
        return 1.0
    if len(other) < len(one):
        one, other = other, one
    shared = sum(min(count, other[key]) for key, count in one.items() if key in other)
    return 2.0 * shared / total

"""A seeded synthetic history for recall: documents that read like a project's sessions, commits,
journals and tasks, and labelled queries (the words someone would remember) with the document
that should come first.

Words follow a Zipf law over a made-up vocabulary, so a few are everywhere and most are rare, as
in real text; every document names a component and an action, and a couple of rare details.
Queries take one of the target's details, its component in another inflection (stemming must
match them) and a common word, never its whole title.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from journal.recall_filter import Anchor
from journal.recall_store import Doc

COMPONENTS = [
    "parser",
    "lexer",
    "cache",
    "login",
    "session",
    "webhook",
    "scheduler",
    "exporter",
    "importer",
    "renderer",
    "journal",
    "tokenizer",
    "migration",
    "config",
    "router",
    "queue",
    "worker",
    "uploader",
    "thumbnail",
    "search",
    "index",
    "billing",
    "invoice",
    "report",
    "dashboard",
    "notifier",
    "mailer",
    "template",
    "sandbox",
    "plugin",
    "registry",
]
ACTIONS = ("fix", "add", "refactor", "speed up", "document", "test", "remove", "rename", "split")
INFLECT = {"parser": "parsing", "cache": "caching", "login": "logins", "index": "indexing"}
KINDS = ("session", "commit", "journal", "task")
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "nu",
    "re",
    "ta",
    "vo",
    "si",
    "de",
    "pa",
    "gu",
    "zo",
    "fe",
    "ri",
    "bo",
    "ne",
    "ly",
    "xa",
    "qu",
    "wi",
]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


@dataclass(frozen=True)
class Labelled:
    query: str
    expected: str  # the doc's `ref`


class Corpus:
    def __init__(self, seed: int = 7, vocab_size: int = 20000) -> None:
        self.rng = random.Random(seed)
        self.vocab = vocabulary(vocab_size, self.rng)
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.vocab))]
        self.details: dict[str, tuple[str, str, str]] = {}  # ref -> (component, detail, action)

    def _words(self, count: int) -> list[str]:
        return self.rng.choices(self.vocab, self.weights, k=count)

    def _rare(self) -> str:
        return self.vocab[self.rng.randrange(len(self.vocab) // 4, len(self.vocab))]

    def docs(
        self, count: int, anchors: list[str], branch: str = "main", start: int = 0
    ) -> Iterator[Doc]:
        """`count` documents (numbered from `start`) anchored to commits drawn from `anchors`, on
        `branch`."""
        for number in range(start, start + count):
            kind = KINDS[number % len(KINDS)]
            component, action = self.rng.choice(COMPONENTS), self.rng.choice(ACTIONS)
            detail, other = self._rare(), self._rare()
            title = f"{action.capitalize()} the {component} {detail}"
            body = " ".join([*self._words(30), other, component, *self._words(30)])
            ref = f"{kind}-{number:06d}"
            sha = anchors[number % len(anchors)] if anchors else None
            self.details[ref] = (component, detail, action)
            yield Doc(
                doc_id=f"{kind}:{ref}",
                kind=kind,
                ref=ref,
                title=title,
                body=body,
                branch=branch,
                sha=sha,
                day=f"2026-02-{1 + number % 28:02d}",
                keys=[Anchor(sha)] if sha else [],
            )

    def queries(self, count: int) -> list[Labelled]:
        refs = sorted(self.details)
        chosen = self.rng.sample(refs, min(count, len(refs)))
        labelled = []
        for ref in chosen:
            component, detail, _ = self.details[ref]
            said = INFLECT.get(component, component)
            common = self.rng.choice(self.vocab[:20])
            labelled.append(Labelled(f"what did we do to the {said} {detail} {common}", ref))
        return labelled


def recall_at(ranks: list[int | None], k: int) -> float:
    return sum(1 for rank in ranks if rank is not None and rank <= k) / len(ranks)


def mrr(ranks: list[int | None]) -> float:
    return sum(1.0 / rank for rank in ranks if rank is not None) / len(ranks)

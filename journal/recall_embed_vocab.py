"""BERT's uncased WordPiece tokenizer, read from a model's `vocab.txt`, in plain Python.

The steps are those of the original BERT tokenizer that all-MiniLM-L6-v2 was trained with: drop
control characters and turn every kind of white space into a space, put spaces around CJK
ideographs, lower-case and strip accents (NFD, combining marks dropped), split on white space and
then around every punctuation character, and cut each word into the longest pieces the vocabulary
holds, continuations marked `##`; a word that cannot be cut (or is longer than 100 characters)
becomes `[UNK]`.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

MAX_WORD_CHARS = 100
CLS, SEP, UNK = "[CLS]", "[SEP]", "[UNK]"

# Blocks of CJK ideographs (BERT spaces them out so that each is a word of its own).
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)


class WordPiece:
    def __init__(self, vocab: dict[str, int]) -> None:
        self.vocab = vocab
        self.cls, self.sep, self.unk = vocab[CLS], vocab[SEP], vocab[UNK]

    @classmethod
    def load(cls, path: Path) -> WordPiece:
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls({token: index for index, token in enumerate(lines) if token})

    def ids(self, text: str, max_tokens: int) -> list[int]:
        """`[CLS]`, the pieces of `text` (cut to fit), `[SEP]`: at most `max_tokens` ids."""
        pieces: list[int] = []
        room = max_tokens - 2
        for word in basic_words(text):
            pieces += self._pieces(word)
            if len(pieces) >= room:
                break
        return [self.cls, *pieces[:room], self.sep]

    def _pieces(self, word: str) -> list[int]:
        if len(word) > MAX_WORD_CHARS:
            return [self.unk]
        found: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.unk]
            start = end
        return found


def basic_words(text: str) -> list[str]:
    """The words and punctuation marks of `text`, cleaned, lower case, without accents."""
    words: list[str] = []
    for chunk in _clean(text).split():
        words += _split_punctuation(_strip_accents(chunk.lower()))
    return words


def _clean(text: str) -> str:
    out: list[str] = []
    for char in text:
        code = ord(char)
        if code in (0, 0xFFFD) or _is_control(char):
            continue
        if _is_space(char):
            out.append(" ")
        elif any(low <= code <= high for low, high in _CJK):
            out.append(f" {char} ")
        else:
            out.append(char)
    return "".join(out)


def _is_space(char: str) -> bool:
    return char in " \t\n\r" or unicodedata.category(char) == "Zs"


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    # Unassigned code points (Cn) stay, as in the reference implementation: they become [UNK].
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs")


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    # All non-letter, non-digit ASCII is punctuation to BERT ("$", "^", "`" too).
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _split_punctuation(word: str) -> list[str]:
    parts: list[str] = []
    current = ""
    for char in word:
        if _is_punctuation(char):
            if current:
                parts.append(current)
            parts.append(char)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts

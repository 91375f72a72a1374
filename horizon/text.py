"""Text as the place and search-term matchers see it: folded words with their offsets in the original.

Folding keeps one character for one, so a match on the folded text has the same offsets in what the person
typed; "Sint-Genesius-Rode" and "sint genesius rode" give the same lookup key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import List


def fold(text: str) -> str:
    """Lower-case without accents, one character for one (so offsets stay those of ``text``)."""
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        base = base.lower()
        out.append(base if len(base) == 1 else char.lower()[:1] or char)
    return "".join(out)


@dataclass(frozen=True)
class Token:
    """A word of a message: its folded text and where it is in the original."""

    text: str
    start: int
    end: int


_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> List[Token]:
    """Words of ``text``, folded; punctuation, hyphens and apostrophes separate words."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(fold(text))]


def name_key(name: str) -> str:
    """How a name is looked up: "Sint-Genesius-Rode" and "sint genesius rode" give the same key."""
    return " ".join(token.text for token in tokenize(name))

"""Finds the passage of the strategy text that best answers a free question, in Dutch or English.

spaCy's tokenisers and stop-word lists (no model download needed) plus a Snowball stemmer turn text
into terms; bm25s ranks the passages. A question whose terms barely occur in the text gets no answer
rather than a guess: the caller then says honestly that it does not know.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import List, Optional, Tuple

import bm25s
import spacy
import Stemmer

from horizon.strategy.text import Passage, passages

# Snowball's newer "dutch" stemmer over-stems ("burgerlijke" -> "burrlijk"); the Porter variant does not.
STEMMERS = {"nl": "dutch_porter", "en": "english"}
# Words that say "this is a question about the strategy" but not what about.
QUESTION_WORDS = {
    "nl": {
        "strategie",
        "jullie",
        "zegt",
        "zeggen",
        "staat",
        "vertel",
        "bedoelen",
        "bedoeld",
        "11.11.11",
        "organisatie",
        "koepel",
        "vinden",
        "denken",
        "kijken",
        "over",
        "iets",
        "wat",
        "hoe",
        "maak",
        "maken",
        "laat",
        "laten",
        "doe",
        "doen",
        "ga",
        "gaan",
        "kom",
        "komen",
        "wil",
        "willen",
    },
    "en": {
        "strategy",
        "say",
        "says",
        "tell",
        "mean",
        "think",
        "view",
        "11.11.11",
        "organisation",
        "organization",
        "umbrella",
        "about",
        "does",
        "what",
        "how",
    },
}
MIN_SCORE = 0.6
MIN_COVERAGE = 0.51  # more than half of the question's content words must occur in the passage
# Stems are cut to this length so that derivations meet ("democratie"/"democratische").
STEM_PREFIX = 7


@dataclass(frozen=True)
class Match:
    passage: Passage
    score: float
    matched_terms: Tuple[str, ...]


class PassageIndex:
    """A BM25 index over one language's passages (transition lines left out)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._nlp = spacy.blank(language)
        self._stemmer = Stemmer.Stemmer(STEMMERS[language])
        self._passages = [p for p in passages(language) if not p.is_transition]
        self._docs = [self.terms(f"{p.heading} {p.text}") for p in self._passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(self._docs, show_progress=False)

    def terms(self, text: str, drop: frozenset = frozenset()) -> List[str]:
        """Stemmed content words: no stop words, punctuation or numbers."""
        doc = self._nlp.make_doc(text.lower())
        words = [t.text for t in doc if t.is_alpha and not t.is_stop and t.text not in drop]
        return [stem[:STEM_PREFIX] for stem in self._stemmer.stemWords(words)]

    def search(self, question: str) -> Optional[Match]:
        """The best passage, or None when the question's terms are (almost) absent from the text."""
        query = self.terms(question, frozenset(QUESTION_WORDS[self.language]))
        if not query:
            return None
        scores = self._bm25.get_scores(query)
        best = int(scores.argmax())
        matched = tuple(t for t in dict.fromkeys(query) if t in self._docs[best])
        coverage = len(matched) / len(set(query))
        if scores[best] < MIN_SCORE or coverage < MIN_COVERAGE:
            return None
        return Match(self._passages[best], float(scores[best]), matched)


@functools.cache
def index(language: str) -> PassageIndex:
    """The index for 'nl' or 'en', built once per process (a few milliseconds)."""
    return PassageIndex(language)

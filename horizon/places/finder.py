"""Finding every place a message names, fast: a spaCy ``PhraseMatcher`` over every key of the reference
tables, whose spans the resolver then interprets (an everyday word needs a cue, a year is no postcode).

The matcher works on accent-folded words (attr LOWER), so "Liège", "LIEGE" and "liege" match alike. It is
built once per reference folder and process (about a second); the NLU's place masker and entity extractor
share it, and it remembers the latest messages so that the two do not look up the same message twice.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Optional, Tuple

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from horizon.places.model import Mention
from horizon.places.resolver import PlaceResolver, default_resolver
from horizon.places.words import MAX_TEXT
from horizon.text import tokenize


@functools.cache
def _blank_dutch() -> spacy.language.Language:
    return spacy.blank("nl")


PLACE_TOKEN = "__plaats__"


class PlaceFinder:
    """The phrase matcher over every place key, and the resolver that decides what each match means."""

    def __init__(self, reference_dir: Optional[str] = None) -> None:
        self.resolver = PlaceResolver(Path(reference_dir)) if reference_dir else default_resolver()
        self._vocab = _blank_dutch().vocab
        self._matcher = PhraseMatcher(self._vocab, attr="LOWER")
        self._matcher.add("PLACE", [Doc(self._vocab, words=phrase.split()) for phrase in self.resolver.phrases()])

    @functools.lru_cache(maxsize=256)  # noqa: B019 (finders live as long as the process)
    def mentions(self, text: str) -> Tuple[Mention, ...]:
        """The places in ``text``: phrase-matcher spans, interpreted by the resolver. Remembered, because
        the masker and the extractor both ask about each message."""
        text = text[:MAX_TEXT]
        tokens = tokenize(text)
        if not tokens:
            return ()
        doc = Doc(self._vocab, words=[token.text for token in tokens])
        spans = [(start, end) for _, start, end in self._matcher(doc)]
        return tuple(self.resolver.mentions(text, tokens, spans))


@functools.lru_cache(maxsize=4)
def place_finder(reference_dir: Optional[str] = None) -> PlaceFinder:
    """One finder per reference folder and process: the masker and the extractor share it."""
    return PlaceFinder(reference_dir)

"""Finds the passage of the strategy text that best answers a free question, in Dutch or English.

spaCy's tokenisers and stop-word lists (no model download needed) plus a Snowball stemmer turn text
into terms; bm25s ranks the passages. A question whose terms barely occur in the text gets no answer
rather than a guess: the caller then says honestly that it does not know.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Collection, Generic, List, Mapping, Optional, Sequence, Tuple, TypeVar

import bm25s
import spacy
import Stemmer

from horizon.strategy.search_words import SEARCH_WORDS
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
        "waarover",
        "spreken",
        "spreekt",
        "praten",
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
        "look",
        "see",
        "position",
        "stance",
        "stand",
        "talk",
        "speak",
        "mention",
    },
}
# Words that frame a question about the strategy text ("how do you see ...", "what do you mean by ...") in
# their other forms; only the strategy's index drops them (the facts' index has its own list).
FRAMING_WORDS = {
    "nl": {"kijkt", "kijk", "ziet", "zie", "zien", "eruit", "vindt", "vind", "denkt", "denk", "gaat", "eigenlijk"}
    | {"precies", "standpunt", "mening", "verstaan", "verstaat", "bedoelt", "betekent", "betekenen", "belangrijk"}
    | {"staan", "tegenover", "daarbij", "voorstellen", "waarin", "gewoon", "rol", "spelen", "speelt"},
    "en": {"looks", "sees", "thinks", "take", "opinion", "understand", "means", "meant", "important", "matter"}
    | {"actually", "exactly", "views", "just", "role", "play", "plays"},
}
# Words people use for what the strategy says in other words: "klimaat" finds the planet's limits, ecological
# inequality and the balance between people and nature. A question's word is replaced by the text's words.
EXPANSIONS = {
    "nl": {
        "klimaat": "planeet ecologische natuur",
        "klimaatverandering": "planeet ecologische natuur",
        "milieu": "planeet ecologische natuur",
        "armoede": "ongelijkheid herverdeling",
        "rijk": "herverdeling",
        "politiek": "politieke kwestie",
    },
    "en": {
        "climate": "planet ecological nature",
        "environment": "planet ecological nature",
        "environmental": "planet ecological nature",
        "poverty": "inequality redistribution",
        "change": "",  # "climate change": the climate is the question
        "political": "political issue",
    },
}
MIN_SCORE = 0.6
MIN_COVERAGE = 0.51  # more than half of the question's content words must occur in the passage
# Stems are cut to this length so that derivations meet ("democratie"/"democratische").
STEM_PREFIX = 7


T = TypeVar("T")


@dataclass(frozen=True)
class Match(Generic[T]):
    passage: T
    score: float
    matched_terms: Tuple[str, ...]


class PassageIndex(Generic[T]):
    """A BM25 index over passages of any kind (the strategy's, the facts'), read as one language's text.

    ``text_of`` gives the words a passage is found by; ``question_words`` are dropped from questions
    because they say what kind of question it is, not what about.
    """

    def __init__(
        self,
        language: str,
        items: Sequence[T],
        text_of: Callable[[T], str],
        question_words: Collection[str] = (),
        min_score: float = 0.6,
        min_coverage: float = 0.51,
        expansions: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.language = language
        self.min_score, self.min_coverage = min_score, min_coverage
        self._nlp = spacy.blank(language)
        self._stemmer = Stemmer.Stemmer(STEMMERS[language])
        self._passages = list(items)
        self._question_words = frozenset(question_words)
        self._expansions = dict(expansions or {})
        self._docs = [self.terms(text_of(p)) for p in self._passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(self._docs, show_progress=False)

    @property
    def passages(self) -> Tuple[T, ...]:
        return tuple(self._passages)

    def terms_of(self, keep: Callable[[T], bool]) -> frozenset:
        """Every term of the passages that ``keep`` selects."""
        return frozenset(t for p, doc in zip(self._passages, self._docs, strict=True) if keep(p) for t in doc)

    def terms(self, text: str, drop: frozenset = frozenset()) -> List[str]:
        """Stemmed content words: no stop words, punctuation or numbers."""
        doc = self._nlp.make_doc(text.lower())
        words = [t.text for t in doc if t.is_alpha and not t.is_stop and t.text not in drop]
        return [stem[:STEM_PREFIX] for stem in self._stemmer.stemWords(words)]

    def query(self, question: str) -> List[str]:
        """The question's terms: synonyms expanded, question words dropped."""
        words = [self._expansions.get(w.lower().strip("?!.,"), w) for w in question.split()]
        return self.terms(" ".join(words), self._question_words)

    def rank(self, question: str, k: int = 3) -> List[Match[T]]:
        """The ``k`` best passages that share a term with the question, best first, without the thresholds of
        :meth:`search` (for evaluation)."""
        query = self.query(question)
        if not query:
            return []
        scores = self._bm25.get_scores(query)
        order = sorted((i for i in range(len(scores)) if scores[i] > 0), key=lambda i: -scores[i])[:k]
        return [self._match(query, i, float(scores[i])) for i in order]

    def search(self, question: str) -> Optional[Match[T]]:
        """The best passage, or None when the question's terms are (almost) absent from the text."""
        best = self.rank(question, 1)
        if not best:
            return None
        match = best[0]
        coverage = len(match.matched_terms) / len(set(self.query(question)))
        if match.score < self.min_score or coverage < self.min_coverage:
            return None
        return match

    def _match(self, query: List[str], i: int, score: float) -> Match[T]:
        matched = tuple(t for t in dict.fromkeys(query) if t in self._docs[i])
        return Match(self._passages[i], score, matched)


def _strategy_text(language: str) -> Callable[[Passage], str]:
    """A passage is found by its heading, its text and the words people ask about it with (search_words)."""
    words = SEARCH_WORDS[language]

    def text_of(p: Passage) -> str:
        return f"{p.heading} {p.text} {words.get(p.id, '')}"

    return text_of


@functools.cache
def index(language: str) -> PassageIndex[Passage]:
    """The strategy's index for 'nl' or 'en' (transition lines left out), built once per process."""
    items = [p for p in passages(language) if not p.is_transition]
    question_words = QUESTION_WORDS[language] | FRAMING_WORDS[language]
    return PassageIndex(
        language, items, _strategy_text(language), question_words, MIN_SCORE, MIN_COVERAGE, EXPANSIONS[language]
    )


# Words that name a section: once the NLU has recognised a topic, its name in the question ("what does your
# vision say about ...") is no sign that another passage is meant.
SECTION_NAMES = {
    "nl": {"visie", "missie", "waarden", "waarde", "hefbomen", "hefboom", "solidariteit", "manifest"},
    "en": {"vision", "mission", "values", "value", "levers", "lever", "solidarity", "manifesto"},
}
# How much better another section's passage must score than the recognised topic's best passage.
SPECIFIC_MARGIN = 1.2


def more_specific(language: str, question: str, section: str) -> Optional[Match[Passage]]:
    """A passage of another section that answers ``question`` clearly better than any passage of ``section``.

    The NLU recognises a topic by the question's wording; "who has to help achieve global justice?" sounds
    like the vision, but the passage that answers it is a lever. The text itself must point elsewhere: the
    search's own thresholds, a margin over the recognised section's best passage, and a word of the question
    that the other passage has and the recognised section never uses ("help"; "world" is in both).
    """
    idx = index(language)
    words = [w for w in question.split() if w.lower().strip("?!.,:;'\"") not in SECTION_NAMES[language]]
    text = " ".join(words)
    match = idx.search(text)
    if match is None or match.passage.section == section:
        return None
    ranked = idx.rank(text, k=len(idx.passages))
    in_section = max((m.score for m in ranked if m.passage.section == section), default=0.0)
    if (
        not set(match.matched_terms) - idx.terms_of(lambda p: p.section == section)
        or match.score < SPECIFIC_MARGIN * in_section
    ):
        return None
    return match

"""Per-message language detection for Dutch, English and French.

What decides is the message's grammar, not its nouns. First everything that carries no language is masked:
email addresses, URLs and domains, anything with a digit (postcodes, phone numbers, "11.11.11"), every
Belgian place the project's place finder sees (also lower-case: "ik woon in gent"), and capitalised names
inside the sentence ("Jan Peeters", "Van den Bossche"). Then function words vote ("what", "your", "ge",
"da's", "vous"): a lead of two is a verdict, even in a two-word message. A lead of one is a verdict only
when lingua's statistical model ranks the same language first; without any function-word lead, lingua must
be confident and the message at least three words long. Anything else — one content word, "ok", "merci",
"thanks", an address — gets no verdict, and the conversation keeps its language.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from typing import Callable, List, Optional, Sequence, Tuple

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from horizon.language.function_words import FUNCTION_WORDS, NAME_PARTICLES

SUPPORTED = ("nl", "en", "fr")
MIN_WORDS = 3  # without function-word evidence, lingua needs this many words
MIN_CONFIDENCE = 0.6
MIN_MARGIN = 0.25
STRONG_LEAD = 2  # function words of one language outnumber every other language's by this much

# Short phrases that can only be one language. Words Flemish people use as much as English or French
# speakers ("ok", "merci", "thanks", "hi", "hello", "bye", "sorry", "salut", "ja", "no") are absent.
SET_PHRASES = {
    "en": {
        "hey there",
        "thank you",
        "thanks a lot",
        "yes please",
        "goodbye",
        "good morning",
        "good evening",
        "tell me more",
        "no thanks",
    },
    "nl": {
        "bedankt",
        "dank je",
        "dank u",
        "dank je wel",
        "dankjewel",
        "goeiedag",
        "goedemorgen",
        "goeiemorgen",
        "goedenavond",
        "tot ziens",
        "ja graag",
        "nee bedankt",
        "meer weten",
        "vertel meer",
        "hoi",
        "dag",
    },
    "fr": {"bonjour", "bonsoir", "au revoir", "s'il vous plaît", "oui merci", "non merci"},
}

_WORD = re.compile(r"'?[^\W\d_]+(?:'[^\W\d_]*)*", re.UNICODE)
# A whitespace-separated chunk that is an address, a link, a domain or has a digit carries no language.
_NO_LANGUAGE = re.compile(r"@|^(?:https?://|www\.)|\d|[^\W\d_]\.[a-z]{2,}", re.IGNORECASE)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_LINGUA_CODES = {Language.DUTCH: "nl", Language.ENGLISH: "en", Language.FRENCH: "fr"}
_ALL_FUNCTION_WORDS = frozenset().union(*FUNCTION_WORDS.values())

PlaceSpans = Callable[[str], Sequence[Tuple[int, int]]]


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA_CODES).with_preloaded_language_models().build()


def _place_spans(text: str) -> List[Tuple[int, int]]:
    """Where the project's place finder sees Belgian places (names and postcodes) in `text`."""
    from horizon.places.finder import place_finder  # loaded once per process, shared with the NLU

    return [(m.start, m.end) for m in place_finder().mentions(text)]


def _without(text: str, spans: Sequence[Tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def language_words(text: str, places: Optional[PlaceSpans] = None) -> List[str]:
    """The lower-cased words of `text` that can tell its language: no addresses, links, numbers, places or
    names. A capitalised word inside the sentence is a name unless it is a function word ("Can I ...");
    a lower-case name particle between names ("Van den Bossche") goes with them."""
    text = _without(text.translate(_APOSTROPHES), (places or _place_spans)(text))
    words = [w for chunk in text.split() if not _NO_LANGUAGE.search(chunk) for w in _WORD.findall(chunk)]
    kept, dropped_name = [], False
    for i, word in enumerate(words):
        lower = word.lower()
        capitalised = i > 0 and word[0].isupper()
        next_capitalised = i + 1 < len(words) and words[i + 1][0].isupper()
        if capitalised and (lower not in _ALL_FUNCTION_WORDS or lower in NAME_PARTICLES):
            dropped_name = True
            continue
        if dropped_name and lower in NAME_PARTICLES and next_capitalised:
            continue
        dropped_name = False
        kept.append(lower)
    return kept


def function_word_votes(words: Sequence[str]) -> Counter:
    """How many of `words` are function words of each language; "j'habite" counts its "j'"."""
    votes: Counter = Counter()
    for word in words:
        pieces = [word]
        if "'" in word.strip("'") and not any(word in FUNCTION_WORDS[code] for code in SUPPORTED):
            head, _, tail = word.partition("'")
            pieces = [head + "'", tail]
        for piece in pieces:
            for code in SUPPORTED:
                votes[code] += piece in FUNCTION_WORDS[code]
    return votes


def _lingua(words: Sequence[str]) -> Tuple[str, bool]:
    """Lingua's first language for `words`, and whether it is confident."""
    values = _detector().compute_language_confidence_values(" ".join(words))
    best, second = values[0], values[1]
    confident = best.value >= MIN_CONFIDENCE and best.value - second.value >= MIN_MARGIN
    return _LINGUA_CODES[best.language], confident


def detect_language(text: str, places: Optional[PlaceSpans] = None) -> Optional[str]:
    """The language of `text` ('nl', 'en' or 'fr'), or None when the message does not show one."""
    if not text or text.lstrip().startswith("/"):  # a button payload, not language
        return None
    phrase = " ".join(_WORD.findall(text.translate(_APOSTROPHES).lower()))
    for code, phrases in SET_PHRASES.items():
        if phrase in phrases:
            return code
    words = language_words(text, places)
    if len(words) < 2:
        return None
    votes = function_word_votes(words)
    (best, most), (_, second) = sorted(((code, votes[code]) for code in SUPPORTED), key=lambda v: -v[1])[:2]
    lead = most - second
    if lead >= STRONG_LEAD:
        return best
    first, confident = _lingua(words)
    if lead == 1:
        return best if first == best else None
    return first if confident and len(words) >= MIN_WORDS else None

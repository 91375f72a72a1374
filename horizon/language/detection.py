"""Per-message language detection for Dutch, English and French.

Lingua is accurate on sentences but guesses on one or two words ("ok", "ja", "merci" are used in Flemish
too) and is pulled towards Dutch by Flemish place names in English sentences. So: names and numbers are
left out, very short messages get no verdict unless they are an unambiguous set phrase, and when lingua
is unsure, counting Dutch and English function words decides.
"""

from __future__ import annotations

import functools
import re
from typing import Optional

from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.nl.stop_words import STOP_WORDS as NL_STOP_WORDS

SUPPORTED = ("nl", "en", "fr")
MIN_WORDS = 3
MIN_CONFIDENCE = 0.6
MIN_MARGIN = 0.25
MIN_STOP_WORD_LEAD = 2
STRONG_STOP_WORD_LEAD = 3

# Short phrases that can only be one language. Words shared by Flemish and English or French
# ("ok", "merci", "salut", "sorry", "hallo", "ja", "no") are deliberately absent.
SET_PHRASES = {
    "en": {
        "hello",
        "hi",
        "hey there",
        "thanks",
        "thank you",
        "thanks a lot",
        "yes please",
        "goodbye",
        "bye",
        "good morning",
        "good evening",
        "tell me more",
        "no thanks",
        "help",
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

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)
_LINGUA_CODES = {Language.DUTCH: "nl", Language.ENGLISH: "en", Language.FRENCH: "fr"}
_NL_ONLY = NL_STOP_WORDS - EN_STOP_WORDS
_EN_ONLY = EN_STOP_WORDS - NL_STOP_WORDS


@functools.lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA_CODES).with_preloaded_language_models().build()


def content_words(text: str) -> list[str]:
    """Lower-cased words without names: a capitalised word after the first is most likely a place."""
    words = _WORD.findall(text)
    kept = [w for i, w in enumerate(words) if i == 0 or not w[0].isupper()]
    return [w.lower() for w in kept]


#: E-mail addresses and web addresses: names and domains, not language ("sam.peeters@skynet.be" is no Dutch).
_ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+", re.IGNORECASE)


def detect_language(text: str) -> Optional[str]:
    """The language of `text` ('nl', 'en' or 'fr'), or None when the message is too short or unclear."""
    if text.startswith("/"):  # a button payload, not language
        return None
    text = _ADDRESS.sub(" ", text)
    phrase = " ".join(_WORD.findall(text.lower()))
    for code, phrases in SET_PHRASES.items():
        if phrase in phrases:
            return code
    words = content_words(text)
    if len(words) < MIN_WORDS:
        return None
    nl_votes = sum(w in _NL_ONLY for w in words)
    en_votes = sum(w in _EN_ONLY for w in words)
    if abs(nl_votes - en_votes) >= STRONG_STOP_WORD_LEAD:  # "what do you mean by evenwaardigheid"
        return "nl" if nl_votes > en_votes else "en"
    values = _detector().compute_language_confidence_values(" ".join(words))
    best, second = values[0], values[1]
    if best.value >= MIN_CONFIDENCE and best.value - second.value >= MIN_MARGIN:
        return _LINGUA_CODES[best.language]
    if abs(nl_votes - en_votes) >= MIN_STOP_WORD_LEAD:
        return "nl" if nl_votes > en_votes else "en"
    return None

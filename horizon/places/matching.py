"""Which word spans of a message count as a place: the rules that keep everyday words and quantities out.

Each rule takes the message, its folded tokens (:func:`horizon.text.tokenize`) and token index ranges, so the
resolver and the NLU's phrase matcher apply the same rules to the same spans.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Iterable, List, Set, Tuple

from horizon.places.words import (
    COMMON_WORD_NAMES,
    CUE_WORDS,
    LOCALITY_COMMON_WORDS,
    LOCALITY_MIN_FREE_LENGTH,
    POSTCODE_WORDS,
    QUANTITY_WORDS,
    UNIT_WORDS,
)
from horizon.text import Token

Span = Tuple[int, int]


def has_cue(tokens: List[Token], start: int, end: int, places: Set[Tuple[int, int]], cue_words: FrozenSet[str]) -> bool:
    """The whole message, after a cue word, or right beside another place or postcode."""
    if start == 0 and end == len(tokens):
        return True
    if start > 0 and tokens[start - 1].text in cue_words:
        return True
    return any(s == end or e == start for s, e in places)


_JOINER = re.compile(r"[\s\-'’‘.]*")


def one_phrase(text: str, tokens: List[Token], start: int, end: int) -> bool:
    """Words joined only by spaces, hyphens, apostrophes or dots: "Bilzen, Hoeselt" are two places."""
    return all(_JOINER.fullmatch(text[tokens[k].end : tokens[k + 1].start]) for k in range(start, end - 1))


def inside_compound(text: str, tokens: List[Token], start: int, end: int) -> bool:
    """Part of a longer hyphenated name ("Waver" in "Sint-Katelijne-Waver"): not that place."""
    begin, finish = tokens[start].start, tokens[end - 1].end
    glued_before = begin >= 2 and text[begin - 1] == "-" and text[begin - 2].isalnum()
    glued_after = finish + 1 < len(text) and text[finish] == "-" and text[finish + 1].isalnum()
    return glued_before or glued_after


def non_overlapping(spans: Iterable[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Longest first, then leftmost; what spaCy's ``filter_spans`` does, on index pairs."""
    chosen: List[Tuple[int, int]] = []
    taken: Set[int] = set()
    for start, end in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0])):
        if not taken.intersection(range(start, end)):
            chosen.append((start, end))
            taken.update(range(start, end))
    return sorted(chosen)


def name_ok(
    text: str, tokens: List[Token], start: int, end: int, key: str, places: Set[Tuple[int, int]], locality: bool = False
) -> bool:
    """Everyday words ("as", "geel") count only capitalised inside a sentence or with a cue; short or
    everyday locality names ("doel", "meer") only right after a cue word."""
    if locality and (len(key) < LOCALITY_MIN_FREE_LENGTH or key in LOCALITY_COMMON_WORDS):
        return start > 0 and tokens[start - 1].text in CUE_WORDS
    if key not in COMMON_WORD_NAMES:
        return True
    surface = text[tokens[start].start]
    before = text[: tokens[start].start].rstrip()
    capitalised = surface.isupper() and bool(before) and before[-1] not in ".!?:"
    return capitalised or has_cue(tokens, start, end, places, CUE_WORDS)


def postcode_ok(text: str, tokens: List[Token], index: int, places: Set[Tuple[int, int]]) -> bool:
    """Not a quantity ("1000 vrijwilligers", "€ 1500"); a year-like number needs a postcode cue."""
    after = tokens[index + 1].text if index + 1 < len(tokens) else ""
    before = tokens[index - 1].text if index else ""
    currency = "€" in text[max(0, tokens[index].start - 2) : tokens[index].start]
    if after in UNIT_WORDS or before in QUANTITY_WORDS or currency:
        return False
    if 1900 <= int(tokens[index].text) <= 2100:
        return has_cue(tokens, index, index + 1, places, POSTCODE_WORDS)
    return True

"""Near misses of place names ("Kotrijk"): which word groups may be a misspelt place, and the closest name."""

from __future__ import annotations

from typing import Container, Iterator, List, Optional, Sequence, Tuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from horizon.places.words import CUE_WORDS, NOT_PLACES
from horizon.text import Token


def fuzzy_queries(tokens: List[Token], known: Container[str]) -> Iterator[str]:
    """Word groups that may be a misspelt place: a message of at most three words as a whole, and
    one to three words right after a cue word ("groep in Kotrijk"). Groups that are a ``known`` key are not
    misspelt."""
    words = [t.text for t in tokens]
    groups = [words] if len(words) <= 3 else []
    for i, word in enumerate(words[:-1]):
        if word in CUE_WORDS:
            groups += [words[i + 1 : i + 1 + size] for size in (1, 2, 3) if i + size < len(words)]
    for group in groups:
        query = " ".join(group)
        if (
            len(query) >= 5
            and not set(group) & NOT_PLACES
            and query not in known
            and not any(w.isdigit() for w in group)
        ):
            yield query


def closest_key(tokens: List[Token], keys: Sequence[str], known: Container[str]) -> Optional[Tuple[str, str, int]]:
    """The key closest to a word group of the message within 1 edit (2 for names longer than 8 letters):
    ``(key, query, distance)``; the fewest edits win, then the longest query."""
    best: Optional[Tuple[int, int, str, str]] = None
    for query in fuzzy_queries(tokens, known):
        limit = 1 if len(query) <= 8 else 2
        hit = process.extractOne(query, keys, scorer=OSA.distance, score_cutoff=limit)
        if hit is not None and (best is None or (hit[1], -len(query)) < (best[0], best[1])):
            best = (hit[1], -len(query), hit[0], query)
    if best is None:
        return None
    return best[2], best[3], best[0]

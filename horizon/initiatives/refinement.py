"""Follow-ups that refine the search that just ran: "en iets rond klimaat?", "and in Gent?", "only 4de
Pijlerinitiatieven", "what about near Leuven".

Such a message names only what changes; the rest of the search (place, theme, partner country, kind) stays.
Whether a message is a refinement is read from its form, not its intent: it names something to search by and
is elliptic, that is it opens with a connective ("en", "and", "alleen", "what about", ...) or is only a few
words long. The same words opening a full question ("wat doen jullie rond klimaat?") are no refinement.
"""

from __future__ import annotations

from typing import Optional, Sequence, Tuple

from horizon.initiatives.search_terms import SearchTerms
from horizon.text import tokenize

#: Word sequences that open a follow-up, folded.
LEADS: Tuple[Tuple[str, ...], ...] = tuple(
    tuple(lead.split())
    for lead in (
        "en", "and", "ook", "also", "alleen", "enkel", "enkele", "only", "just", "maar", "but", "of", "or",
        "nu", "now", "wat met", "en wat met", "wat dan met", "hoe zit het met", "what about", "how about",
        "and what about", "anything", "iets",
    )
)  # fmt: skip
#: A follow-up is short; a message this long is a question of its own.
MAX_WORDS = 8
#: A message of at most this many words that names something to search by refines without a connective
#: ("klimaat?", "in Gent", "near Leuven").
BARE_WORDS = 3


def opens_with_lead(words: Sequence[str]) -> bool:
    return any(tuple(words[: len(lead)]) == lead for lead in LEADS)


def is_refinement(text: str, terms: SearchTerms, names_place: bool) -> bool:
    """Whether ``text`` (which names ``terms`` and perhaps a place) refines the running search."""
    if not (terms or names_place) or text.startswith("/"):
        return False
    words = [token.text for token in tokenize(text)]
    if not words or len(words) > MAX_WORDS:
        return False
    return opens_with_lead(words) or len(words) <= BARE_WORDS


def refined(previous: SearchTerms, change: SearchTerms) -> SearchTerms:
    """The previous filters with what the follow-up names put in their place."""

    def pick(new: Optional[str], old: Optional[str]) -> Optional[str]:
        return new if new is not None else old

    return SearchTerms(
        pick(change.theme, previous.theme), pick(change.country, previous.country), pick(change.type, previous.type)
    )

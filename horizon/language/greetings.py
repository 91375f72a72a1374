"""A greeting that opens a message which also asks something ("Hi! What does 11.11.11 do?").

The intent classifier sees a whole message; a greeting at its start pulls it towards `greet`, and the question
is lost. The NLU masks the greeting (bot/nlu/greeting.py) when enough words follow it to be a message of their
own, so the classifier judges the question; a greeting on its own ("hallo daar", "hi bot") stays a greeting.
"""

from __future__ import annotations

from typing import Sequence

from horizon.text import fold

#: Words that greet on their own, in Dutch (incl. Flemish) and English.
GREETINGS = frozenset(
    "hi hii hello helo hey heya hiya howdy yo greetings morning evening "
    "hallo haloo hallootjes hoi hey dag daag goeiedag goedendag goeiemorgen goedemorgen goeimorgen morgen "
    "goedemiddag goeiemiddag goeiemidag goedenavond goeieavond goeienavond salut".split()
)
#: "good" / "goede" greet only with a time of day after them.
TIMES_OF_DAY = frozenset("morning afternoon evening day morgen middag avond dag".split())
GOOD = frozenset("good goede goeie".split())
#: Who is greeted ("hallo daar", "hi bot"): part of the greeting, not of what follows.
ADDRESSEES = frozenset("there bot horizon you all everyone allemaal iedereen daar".split())
#: At least this many words must follow for them to be a message of their own.
MIN_REST_WORDS = 3


def greeting_length(words: Sequence[str]) -> int:
    """How many of the leading ``words`` (punctuation already left out) greet, when at least
    ``MIN_REST_WORDS`` words follow them; otherwise 0 (the message is a greeting, or has none)."""
    folded = [fold(w).lower().strip(".,!?;:") for w in words]
    index = 0
    while index < len(folded):
        word = folded[index]
        if word in GREETINGS:
            index += 1
        elif word in GOOD and index + 1 < len(folded) and folded[index + 1] in TIMES_OF_DAY:
            index += 2
        elif index and word in ADDRESSEES:
            index += 1
        else:
            break
    rest = [w for w in folded[index:] if w]
    return index if index and len(rest) >= MIN_REST_WORDS else 0

"""What a volunteer can choose to do: the form's choices, with Dutch and English labels and the words that
name each choice.

A typed answer is read by these words (folded: lower case, no accents), not by example sentences. Each word
stands for a kind of wording: the choice itself ("campagne"), what it is made of (the campaign's brunches,
quizzes and collections, as facts.md describes them) and how people say it ("acties", "in mijn buurt").
A word matches itself and its inflections (plural -s, -en, -e); a word written ``*x`` also matches at the end
of a compound ("novembercampagne"), ``x*`` also at the start ("campagneweek").
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

LOCAL_GROUP, CAMPAIGN, OTHER = "local_group", "campaign", "other"

#: What a volunteer would like to do: code -> (Dutch label, English label). Only what facts.md supports.
ACTIVITIES: Dict[str, Tuple[str, str]] = {
    LOCAL_GROUP: ("meedoen met een lokale 11-groep", "joining a local 11-groep"),
    CAMPAIGN: (
        "helpen tijdens de novembercampagne (1–11 november)",
        "helping in the November campaign (1–11 November)",
    ),
    OTHER: ("iets anders / weet ik nog niet", "something else / not sure yet"),
}

#: How "other" reads when the person said in their own words what they would like to do.
OWN_WORDS_LABEL = {"nl": "iets anders", "en": "something else"}
#: The longest own words kept (characters); what is longer is cut at a word.
MAX_NOTE_LENGTH = 200

#: Words that name a choice, both languages, folded.
ACTIVITY_WORDS: Dict[str, Tuple[str, ...]] = {
    LOCAL_GROUP: (
        # nl: the group itself, and "close to home"
        "lokaal",
        "lokale",
        "*groep*",
        "comite",
        "in mijn buurt",
        "in de buurt",
        "in mijn gemeente",
        "in mijn stad",
        "in mijn dorp",
        "dicht bij huis",
        "bij mij in de buurt",
        "lid worden",
        # en
        "local*",
        "*group*",
        "committee",
        "near me",
        "nearby",
        "close to home",
        "in my area",
        "in my town",
        "in my neighbourhood",
        "in my neighborhood",
        "become a member",
    ),
    CAMPAIGN: (
        # nl: the campaign, and what happens during it (facts.md: brunches, quizzes, door-to-door collections,
        # greeting cards and fair-trade chocolate sold at supermarkets)
        "*campagne*",
        "november",
        "actie",
        "inzamelactie",
        "straatactie",
        "actiedag",
        "in actie",
        "inzamel*",
        "*inzameling",
        "collecte*",
        "huis aan huis",
        "deur aan deur",
        "brunch*",
        "quiz*",
        "*kaart",
        "wenskaartjes",
        "chocolade",
        "verkopen",
        "verkoop",
        "geld ophalen",
        "fondsenwerving",
        "supermarkt",
        # en
        "campaign*",
        "action",
        "in action",
        "fundrais*",
        "collect",
        "collecting",
        "collection",
        "door to door",
        "greeting card",
        "chocolate",
        "selling",
        "sell",
        "raise money",
        "raising money",
    ),
    OTHER: (
        "iets anders",
        "anders",
        "weet ik nog niet",
        "weet het nog niet",
        "weet nog niet",
        "weet ik niet",
        "weet het niet",
        "geen idee",
        "twijfel*",
        "maakt niet uit",
        "om het even",
        "something else",
        "else",
        "other",
        "not sure",
        "unsure",
        "don t know",
        "dont know",
        "no idea",
        "doesn t matter",
        "whatever",
    ),
}


def activity_label(code: Optional[str], language: str, note: Optional[str] = None) -> str:
    """The choice as a person reads it; "other" with own words reads 'iets anders: "..."'."""
    if code == OTHER and note:
        return f'{OWN_WORDS_LABEL["en" if language == "en" else "nl"]}: "{note}"'
    labels = ACTIVITIES.get(code or "")
    if labels is None:
        return code or ""
    return labels[1] if language == "en" else labels[0]

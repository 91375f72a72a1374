"""Typed answers to the form's choices (horizon.volunteers.choices) and places named inside a sentence.

The sentences below are kinds of wording, one or two per rule: each would fail if the rule it names were
gone (a word of a choice, its inflection or compound, a denial, a clause break, own words, an unsure yes).
"""

from __future__ import annotations

from typing import Optional

import pytest

from horizon.places import default_resolver
from horizon.volunteers.activities import MAX_NOTE_LENGTH, activity_label
from horizon.volunteers.answers import named_place
from horizon.volunteers.choices import ActivityAnswer, consent_from, read_activity, read_yes_no, yes_no


@pytest.mark.parametrize(
    "text, code",
    [
        ("ik wil helpen bij acties", "campaign"),  # an inflection of a word of the choice
        ("iets met de novembercampagne", "campaign"),  # the end of a compound
        ("wenskaarten verkopen aan de supermarkt", "campaign"),  # what the campaign is made of
        ("I could do some fundraising", "campaign"),
        ("bij een groepje in mijn gemeente", "local_group"),
        ("I'd rather help out in my neighbourhood", "local_group"),
        ("geen campagne, liever een lokale groep", "local_group"),  # a denied choice does not count
        ("not the campaign but a local group", "local_group"),
        ("de campagne niet, wel een comité", "local_group"),  # a denial after the word
    ],
)
def test_a_typed_answer_maps_to_the_one_choice_it_names(text: str, code: str) -> None:
    assert read_activity(text, {}) == ActivityAnswer(code)


@pytest.mark.parametrize("text", ["weet ik nog niet", "Iets anders", "not sure yet", "something else please"])
def test_other_without_more_words_keeps_no_note(text: str) -> None:
    assert read_activity(text, {}) == ActivityAnswer("other")


@pytest.mark.parametrize(
    "text, note",
    [
        ("misschien koken voor een benefiet", "misschien koken voor een benefiet"),  # no choice named
        ("iets anders: ik kan goed fotograferen", "ik kan goed fotograferen"),  # the label is not repeated
        ("translating leaflets!", "translating leaflets"),
        ("met mijn lokale groep de campagne trekken", "met mijn lokale groep de campagne trekken"),  # two choices
        ("niet in een groep", "niet in een groep"),  # only a denied choice
    ],
)
def test_anything_else_that_says_something_is_kept_as_own_words(text: str, note: str) -> None:
    assert read_activity(text, {}) == ActivityAnswer("other", note)


@pytest.mark.parametrize("text", ["ja", "hallo", "ok", "jan@telenet.be", "wat zijn de opties?", "...", "/affirm"])
def test_an_answer_that_says_nothing_about_it_is_not_taken(text: str) -> None:
    assert read_activity(text, {}) is None


def test_a_button_wins_and_own_words_are_cut_at_a_word() -> None:
    assert read_activity(
        '/inform{"volunteer_activity": "campaign"}',
        {"entities": [{"entity": "volunteer_activity", "value": "campaign"}]},
    ) == ActivityAnswer("campaign")
    long = "ik wil graag " + "heel " * 80 + "veel doen"
    answer = read_activity(long, {})
    assert answer is not None and answer.note is not None
    assert len(answer.note) <= MAX_NOTE_LENGTH and answer.note.endswith("heel…")


def test_own_words_read_as_the_persons_words_in_both_languages() -> None:
    assert activity_label("other", "nl", "koken") == 'iets anders: "koken"'
    assert activity_label("other", "en", "cooking") == 'something else: "cooking"'
    assert activity_label("other", "nl") == "iets anders / weet ik nog niet"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ja, dat mag", True),
        ("geen probleem", True),  # a denial word inside a yes phrase
        ("sure, go ahead", True),
        ("doe maar", True),
        ("nee dank je", False),
        ("zeker niet", False),  # a denied yes is a no
        ("I do not agree", False),
        ("misschien", None),  # unsure is never a yes
        ("I guess so", None),
        ("mag ik eerst iets vragen", None),  # a question put back
        ("ja en nee", None),
    ],
)
def test_yes_and_no_in_free_words(text: str, expected: Optional[bool]) -> None:
    assert read_yes_no(text) is expected


def test_consent_needs_plain_words_not_the_intent() -> None:
    assert consent_from("affirm", "/affirm") is True  # the button
    assert consent_from("affirm", "hmm") is None  # the classifier's guess is not consent
    assert consent_from("affirm", "ja, maar niet doorgeven") is None  # a conditional yes
    assert consent_from("deny", "liever niet") is False
    assert yes_no("affirm", "hmm") is True  # elsewhere (confirming a summary) the intent may decide


@pytest.mark.parametrize(
    "text, kind, name",
    [
        ("ik woon in Kortrjik, kan ik daar iets doen?", "suggestion", "Kortrijk"),
        ("I live in Leuven, how can I help?", "accepted", "Leuven"),
        ("ik wil helpen in Benin", "unknown", None),  # a country the search knows is not a typo of Menen
        ("wat kan iemand zoals ik doen om iets te veranderen?", "unknown", None),  # no cue before the near miss
    ],
)
def test_a_place_inside_a_sentence(text: str, kind: str, name: Optional[str]) -> None:
    answer = named_place(text, default_resolver())
    assert answer.kind == kind
    assert (answer.municipality.name_nl if answer.municipality else None) == name

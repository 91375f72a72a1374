"""Which language the bot answers in: detection, page metadata, explicit choice."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.language import ActionChangeLanguage, ActionSetLanguage
from horizon.language.choice import choose_language
from horizon.language.detection import detect_language, function_word_votes, language_words
from tests.unit.conftest import entity, make_tracker


@pytest.mark.parametrize(
    "text",
    ["ok", "ja", "merci", "salut", "no", "nee", "yes", "sorry", "hallo", "/greet", "hi", "hello", "thanks", "bye"],
)
def test_short_or_ambiguous_messages_have_no_language(text):
    """Flemish chat uses "hi", "thanks", "merci", "sorry" as much as English or French speakers do."""
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "an.de.wilde@telenet.be",
        "john.smith@company.co.uk",
        "https://www.example.org/what-we-do",
        "www.11.be/over-ons",
        "1000 Brussel",
        "0499 87 65 43",
        "Lier",
        "Pieter Van den Broeck",
        "Tom Smith",
        "vrijwilligerswerk",
    ],
)
def test_addresses_numbers_places_names_and_lone_words_have_no_language(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mijn e-mail is john.smith@company.co.uk", "nl"),  # an English-looking address in Dutch
        ("my email is an.de.wilde@telenet.be", "en"),  # a Dutch-looking address in English
        ("I live in Sint-Truiden", "en"),
        ("my postcode is 3800, near Sint-Truiden", "en"),
        ("can you check www.11.be/over-ons for me?", "en"),
    ],
)
def test_masked_parts_do_not_outvote_the_sentence(text, expected):
    assert detect_language(text) == expected


def test_lower_case_places_and_names_are_masked():
    assert language_words("ik woon in gent") == ["ik", "woon", "in"]
    assert language_words("I'm Pieter Van den Broeck") == ["i'm"]
    assert language_words("Can I help") == ["can", "i", "help"]  # a capitalised function word stays


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what now", "en"),
        ("how come?", "en"),
        ("wat nu", "nl"),
        ("kunde gij da?", "nl"),
        ("What's on your agenda?", "en"),
        ("Is your group open?", "en"),
    ],
)
def test_short_messages_with_clear_function_words_count(text, expected):
    assert detect_language(text) == expected


def test_function_words_count_elided_french_and_contractions():
    votes = function_word_votes(["j'habite", "what's", "da's"])
    assert votes["fr"] == 1 and votes["en"] == 1 and votes["nl"] == 1


@pytest.mark.parametrize(
    "text, expected",
    [
        ("wat is jullie visie?", "nl"),
        ("wa is da eigenlijk, die 4de pijler?", "nl"),
        ("is er een 11-groep in Kruibeke?", "nl"),
        ("what is your vision?", "en"),
        ("any local group near Kortrijk?", "en"),  # a Flemish place name must not make it Dutch
        ("what do you mean by evenwaardigheid", "en"),
        ("thank you", "en"),
        ("bedankt", "nl"),
        ("qu'est-ce que vous faites?", "fr"),
        ("je veux faire un don", "fr"),
    ],
)
def test_detects_language_of_clear_messages(text, expected):
    assert detect_language(text) == expected


def _message(intent=None, language=None, page=None):
    return {
        "intent": {"name": intent} if intent else {},
        "entities": [entity("language", language)] if language else [],
        "metadata": {"language": page} if page else {},
    }


def test_detection_switches_language_when_not_locked():
    assert choose_language("nl", False, _message("ask_vision", "en")).language == "en"


def test_no_detection_keeps_language():
    assert choose_language("en", False, _message("affirm")).language == "en"


def test_page_metadata_overrides_detection():
    choice = choose_language("nl", False, _message("ask_vision", "nl", page="en-GB"))
    assert choice.language == "en" and not choice.locked


def test_explicit_choice_locks_and_beats_metadata_and_detection():
    choice = choose_language("nl", False, _message("change_language", "en", page="nl"))
    assert choice == choice.__class__("en", True)
    later = choose_language("en", True, _message("ask_mission", "nl", page="nl"))
    assert later.language == "en"


def test_french_does_not_become_the_conversation_language():
    assert choose_language("nl", False, _message("change_language", "fr")).language == "nl"


async def test_set_language_action_returns_only_changes(dispatcher, domain):
    tracker = make_tracker("what is your vision?", "ask_vision", [entity("language", "en")])
    events = await ActionSetLanguage().run(dispatcher, tracker, domain)
    assert events == [SlotSet("language", "en")]
    same = make_tracker("wat is jullie visie", "ask_vision", [entity("language", "nl")])
    assert await ActionSetLanguage().run(dispatcher, same, domain) == []


@pytest.mark.parametrize(
    "language, response",
    [("fr", "utter_french_redirect"), ("en", "utter_language_changed"), (None, "utter_choose_language")],
)
async def test_change_language_answers(dispatcher, domain, language, response):
    entities = [entity("language", language)] if language else []
    tracker = make_tracker("...", "change_language", entities)
    await ActionChangeLanguage().run(dispatcher, tracker, domain)
    assert [m["response"] for m in dispatcher.messages] == [response]


@pytest.mark.parametrize("text", ["sam.peeters@skynet.be", "leerkracht.vanhove@telenet.be", "https://www.11.be/doneer"])
def test_an_address_alone_has_no_language(text):
    """An e-mail or web address is names and domains: typed as a form's answer it must not switch the language."""
    assert detect_language(text) is None

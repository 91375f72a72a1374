"""Asking for a person (actions/handoff.py): the answer follows the office hours, two misses offer a person."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction

from actions.handoff import ActionOfferHuman, availability, offer_after_repeated_misses
from actions.source_search import ActionSearchSource
from actions.strategy import ActionTellMore
from horizon.handoff.office_hours import parse

BRUSSELS = ZoneInfo("Europe/Brussels")
HOURS = parse("mon-fri 09:00-17:00")


def tracker_after(last_response: str, text: str, intent: str, language: str = "nl") -> Tracker:
    """A conversation whose previous turn ended with the assistant saying ``last_response``."""
    events = [
        {"event": "user", "text": "eerste vraag", "parse_data": {}},
        {"event": "action", "name": "action_search_source"},
        {"event": "bot", "text": "...", "metadata": {"utter_action": last_response}},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {}},
    ]
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [], "metadata": {}}
    slots = {"language": language, "language_locked": False, "topic": None, "more_step": 0.0}
    return Tracker("test-user", slots, latest, events, False, None, {}, "action_listen")


def test_open_says_until_when():
    answer = availability(HOURS, datetime(2026, 11, 30, 10, 0, tzinfo=BRUSSELS), "nl")
    assert answer == {"response": "utter_handoff_open", "until": "17:00"}


@pytest.mark.parametrize("language, expected", [("nl", "maandag om 09:00"), ("en", "on Monday at 09:00")])
def test_closed_says_when_someone_is_there_again(language, expected):
    answer = availability(HOURS, datetime(2026, 12, 5, 20, 0, tzinfo=BRUSSELS), language)
    assert answer == {"response": "utter_handoff_closed", "next_open": expected}


def test_without_configured_hours_no_hours_are_named():
    assert availability(None, datetime(2026, 11, 30, 10, 0, tzinfo=BRUSSELS), "nl") == {
        "response": "utter_handoff_no_hours"
    }


async def test_the_action_reads_the_hours_from_the_environment(dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_OFFICE_HOURS", "mon-sun 00:00-23:59")  # open all day, every day
    await ActionOfferHuman().run(
        dispatcher, tracker_after("utter_greet", "kan ik iemand spreken?", "ask_human"), domain
    )
    assert dispatcher.messages[-1]["response"] == "utter_handoff_open"
    monkeypatch.delenv("HANDOFF_OFFICE_HOURS")
    await ActionOfferHuman().run(
        dispatcher, tracker_after("utter_greet", "kan ik iemand spreken?", "ask_human"), domain
    )
    assert dispatcher.messages[-1]["response"] == "utter_handoff_no_hours"


def test_one_miss_is_the_usual_answer_two_in_a_row_offer_a_person():
    assert offer_after_repeated_misses(tracker_after("utter_greet", "x", "nlu_fallback")) == "utter_source_unknown"
    assert offer_after_repeated_misses(tracker_after("utter_source_unknown", "x", "nlu_fallback")) == (
        "utter_handoff_offer"
    )


async def test_the_source_search_offers_a_person_after_a_second_miss(dispatcher, domain):
    tracker = tracker_after("utter_source_unknown", "hoe maak ik spaghetti", "nlu_fallback")
    assert await ActionSearchSource().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[-1]["response"] == "utter_handoff_offer"


async def test_yes_to_the_offer_gives_the_way_to_a_person(dispatcher, domain):
    events = await ActionTellMore().run(dispatcher, tracker_after("utter_handoff_offer", "ja", "affirm"), domain)
    assert events == [FollowupAction("action_offer_human")]
    assert dispatcher.messages == []


async def test_yes_after_something_else_still_tells_more(dispatcher, domain):
    events = await ActionTellMore().run(dispatcher, tracker_after("utter_source_unknown", "ja", "affirm"), domain)
    assert FollowupAction("action_offer_human") not in events

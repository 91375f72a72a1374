"""Asking for a person (actions/handoff.py): the answer follows the office hours, two misses offer a person."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, Dict, List
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import handoff
from actions.handoff import ActionOfferHuman, availability, offer_after_repeated_misses
from actions.privacy import ActionForgetMe
from actions.source_search import ActionSearchSource
from actions.strategy import ActionTellMore
from horizon.db import session_scope
from horizon.handoff.models import HandoffMessage
from horizon.handoff.office_hours import parse
from horizon.volunteers.signups import conversation_hash
from tests.support.volunteer_form import FormDriver, background_deliveries

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


# --- leaving a message ---------------------------------------------------------------------------------------------


class MessageForm(FormDriver):
    form = handoff.FORM
    validator = handoff.ValidateLeaveMessageForm
    ask_actions = {
        cls.slot: cls for cls in (handoff.AskHandoffQuestion, handoff.AskHandoffEmail, handoff.AskHandoffConsent)
    }


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "NOTIFY_WEBHOOK_URL", "SIGNUP_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFY_TRANSPORT", "none")
    monkeypatch.setenv("NOTIFY_BACKOFF_S", "3600")


GIFT = "Mijn fiscaal attest voor mijn gift ontbreekt, kunnen jullie het opnieuw sturen?"


async def submit_message(form: MessageForm) -> List[Dict[str, Any]]:
    form.messages = []
    events = await form.run_action(handoff.ActionSubmitHandoffMessage())
    form.apply(events)
    await asyncio.gather(*background_deliveries())
    return events


async def test_a_dutch_message_is_shown_first_then_stored_and_queued(domain, engine) -> None:
    form = MessageForm(domain, "nl")
    assert await form.start("ik wil een bericht achterlaten", "leave_message") == "asking"
    assert form.responses() == ["utter_ask_handoff_question"]
    assert await form.say(GIFT, "ask_facts") == "asking"
    assert await form.say("An.Desmet@Telenet.be") == "asking"
    [shown] = form.texts()
    assert shown.startswith("Dit geef ik door aan het team van 11.11.11:") and GIFT in shown
    assert "An.Desmet@telenet.be" in shown and "(ja/nee)" in shown
    assert await form.click("/affirm") == "done"
    events = await submit_message(form)
    assert form.responses() == ["utter_handoff_message_sent"]
    with session_scope(engine) as session:
        [row] = session.execute(select(HandoffMessage)).scalars().all()
        assert (row.question, row.email, row.language, row.status) == (GIFT, "An.Desmet@telenet.be", "nl", "pending")
        assert row.conversation_hash == conversation_hash("conv-1") and row.last_error == "NotConfigured"
    cleared = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert all(cleared[slot] is None for slot in handoff.MESSAGE_SLOTS)  # nothing personal stays in the slots


async def test_an_english_message_is_shown_in_english(domain, engine) -> None:
    form = MessageForm(domain, "en")
    await form.start("I'd like to leave a message", "leave_message")
    await form.say("Can someone come and speak at our school in March?", "nlu_fallback")
    await form.say("teacher@school-gent.be")
    [shown] = form.texts()
    assert shown.startswith("This is what I will pass on to the 11.11.11 team:") and "(yes/no)" in shown


async def test_a_bad_address_is_asked_again_like_the_sign_ups(domain) -> None:
    form = MessageForm(domain, "nl")
    await form.start("bericht achterlaten", "leave_message")
    await form.say(GIFT)
    assert await form.say("an.desmet@gmial.com") == "asking"
    assert form.responses() == ["utter_volunteer_email_typo"]  # asked once, not twice
    assert form.slots["handoff_email"] is None


async def test_a_too_short_question_is_asked_again(domain) -> None:
    form = MessageForm(domain, "nl")
    await form.start("bericht achterlaten", "leave_message")
    assert await form.say("hm") == "asking"
    assert form.responses() == ["utter_handoff_question_too_short"]


@pytest.mark.parametrize(
    "answer, intent", [("ja", "affirm"), ("ja, maar niet doorgeven", "affirm"), ("misschien", "affirm")]
)
async def test_consent_needs_a_clear_yes(domain, answer, intent) -> None:
    form = MessageForm(domain, "nl")
    await form.start("bericht achterlaten", "leave_message")
    await form.say(GIFT)
    await form.say("an.desmet@telenet.be")
    await form.say(answer, "affirm")
    assert (form.slots["handoff_consent"] is True) is (answer == "ja")


async def test_no_to_what_is_shown_keeps_nothing(domain, engine) -> None:
    form = MessageForm(domain, "nl")
    await form.start("bericht achterlaten", "leave_message")
    await form.say(GIFT)
    await form.say("an.desmet@telenet.be")
    assert await form.say("nee", "deny") == "done"
    assert form.responses() == ["utter_handoff_message_not_sent"]
    await submit_message(form)
    with session_scope(engine) as session:
        assert session.execute(select(HandoffMessage)).scalars().all() == []


async def test_forget_me_names_the_deleted_message(domain, engine) -> None:
    form = MessageForm(domain, "nl", sender="conv-forget")
    await form.start("bericht achterlaten", "leave_message")
    await form.say(GIFT)
    await form.say("an.desmet@telenet.be")
    await form.click("/affirm")
    await submit_message(form)
    tracker = tracker_after("utter_handoff_message_sent", "ja", "affirm")
    tracker.sender_id = "conv-forget"
    tracker.slots["forget_confirm"] = "yes"
    dispatcher = CollectingDispatcher()
    await ActionForgetMe().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["response"] == "utter_forget_me_deleted_messages"
    with session_scope(engine) as session:
        assert session.execute(select(HandoffMessage)).scalars().all() == []


async def test_a_bare_address_the_nlu_took_for_forget_me_is_the_answer(domain) -> None:
    form = MessageForm(domain, "en")
    await form.start("/leave_message", "leave_message")
    await form.say("Our youth group needs posters for the campaign, who can send them?", "ask_campaign")
    assert await form.say("sam.peeters@skynet.be", "forget_me") == "asking"
    assert form.slots["handoff_email"] == "sam.peeters@skynet.be"
    assert form.texts()[0].startswith("This is what I will pass on")


def test_a_miss_of_the_facts_counts_too():
    assert (
        offer_after_repeated_misses(tracker_after("utter_facts_unknown", "x", "nlu_fallback")) == "utter_handoff_offer"
    )

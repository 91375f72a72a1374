"""The live hand-off's actions (actions/live_handoff.py) and what they pass on (horizon/handoff/transcript.py),
against a Chatwoot-shaped server on loopback and a real database."""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions.handoff import ActionOfferHuman
from actions.live_handoff import (
    CONSENT,
    DETAILS,
    FORM,
    ActionHandoffLive,
    AskHandoffLiveConsent,
    ValidateLiveHandoffForm,
)
from horizon.handoff.live import chat_for_sender
from horizon.handoff.transcript import transcript
from tests.support.chatwoot_stub import ChatwootStub

EMAIL = "an.desmet@telenet.be"


def events_of(*turns: Any) -> List[Dict[str, Any]]:
    """("user", text) / ("bot", text) / ("slot", name, value) / ("action", name) as Rasa's event dicts."""
    events: List[Dict[str, Any]] = [{"event": "session_started"}]
    for kind, *rest in turns:
        if kind == "user":
            events.append({"event": "user", "text": rest[0], "input_channel": "socketio", "parse_data": {}})
        elif kind == "bot":
            events.append({"event": "bot", "text": rest[0], "metadata": {}})
        elif kind == "slot":
            events.append({"event": "slot", "name": rest[0], "value": rest[1]})
        else:
            events.append({"event": "action", "name": rest[0]})
    return events


PERSONAL = events_of(
    ("user", "hallo"),
    ("bot", "Dag! Waarmee kan ik helpen?"),
    ("user", "Ik ben Jan Peeters, mijn fiscaal attest ontbreekt"),
    ("bot", "Daar vind ik geen antwoord op."),
    ("slot", "handoff_email", EMAIL),
    ("user", f"mijn adres is {EMAIL}, bel me op 0470 12 34 56"),
    ("bot", f"Antwoord naar: {EMAIL}"),
    ("user", "/ask_human"),
    ("action", "action_offer_human"),
    ("bot", "Iemand van het team kan dit gesprek nu overnemen."),
)
PLAIN = events_of(("user", "wat doet 11.11.11 voor klimaat?"), ("bot", "Het klimaat is een van onze thema's."))


def test_what_is_passed_on_masks_personal_data_unless_the_person_agrees() -> None:
    masked = transcript(PERSONAL, "nl", share_details=False)
    assert masked.has_personal_data
    assert "Bezoeker: hallo\nAssistent: Dag! Waarmee kan ik helpen?" in masked.text
    for personal in (EMAIL, "Jan", "Peeters", "0470"):
        assert personal not in masked.text
    assert "[email]" in masked.text and "[phone]" in masked.text and "[name]" in masked.text
    assert "/ask_human" not in masked.text  # a button click is not something the person wrote
    assert "overnemen" not in masked.text  # the transcript ends where the hand-off began
    shared = transcript(PERSONAL, "en", share_details=True)
    assert shared.text.startswith("Visitor: hallo\nAssistant:")
    assert EMAIL in shared.text and "Jan Peeters" in shared.text and "0470 12 34 56" in shared.text


def test_a_conversation_without_personal_data_has_nothing_to_ask_about() -> None:
    shown = transcript(PLAIN, "nl", share_details=False)
    assert not shown.has_personal_data
    assert "11.11.11" in shown.text  # the assistant's own words and the organisation's name stay as they are


def tracker(events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None, text: str = "") -> Tracker:
    all_slots = {"language": "nl", "language_locked": False, **(slots or {})}
    latest = {"text": text, "intent": {"name": "ask_human", "confidence": 1.0}, "entities": [], "metadata": {}}
    return Tracker("session-live-1", all_slots, latest, events, False, None, {}, "action_listen")


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[ChatwootStub]:
    with ChatwootStub() as running:
        for name, value in running.settings().items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("HANDOFF_OFFICE_HOURS", raising=False)
        yield running


async def test_with_a_desk_the_offer_starts_the_live_form(stub, dispatcher, domain) -> None:
    events = await ActionOfferHuman().run(dispatcher, tracker(PLAIN), domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_live_open"
    assert events == [SlotSet(DETAILS, False), SlotSet(CONSENT, None), FollowupAction(FORM)]  # nothing to mask
    events = await ActionOfferHuman().run(CollectingDispatcher(), tracker(PERSONAL[:-3]), domain)
    assert SlotSet(DETAILS, None) in events  # personal data: the form asks first


async def test_outside_office_hours_the_desk_is_closed_and_a_message_is_offered(stub, dispatcher, domain, monkeypatch):
    monkeypatch.setenv("HANDOFF_OFFICE_HOURS", "mon 00:00-00:01")  # practically always closed
    assert await ActionOfferHuman().run(dispatcher, tracker(PLAIN), domain) == []
    [said] = dispatcher.messages
    assert said["response"] == "utter_handoff_live_closed" and said["next_open"]


async def test_the_question_shows_exactly_what_the_team_will_read(dispatcher, domain) -> None:
    await AskHandoffLiveConsent().run(dispatcher, tracker(PERSONAL, {DETAILS: False}), domain)
    [asked] = dispatcher.messages
    assert asked["response"] == "utter_ask_handoff_live_consent"
    assert asked["transcript"] == transcript(PERSONAL, "nl", share_details=False).text


@pytest.mark.parametrize("text, expected", [("ja hoor", True), ("nee", False), ("misschien", None)])
async def test_the_answers_are_a_clear_yes_or_no(dispatcher, domain, text, expected) -> None:
    validated = await ValidateLiveHandoffForm().validate_handoff_live_consent(
        text, dispatcher, tracker(PLAIN, text=text), domain
    )
    assert validated[CONSENT] is expected


async def test_yes_hands_over_masked_and_pauses(stub, dispatcher, domain, engine: Engine) -> None:
    events = await ActionHandoffLive().run(dispatcher, tracker(PERSONAL, {DETAILS: False, CONSENT: True}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_live_started"
    assert events[-1] == ConversationPaused()
    conversation = stub.only_conversation()
    assert conversation.status == "open"
    [note] = conversation.notes
    assert note.startswith("Gesprek met de assistent van 11.11.11 (taal: nl; persoonsgegevens verborgen):")
    assert EMAIL not in note and "Peeters" not in note
    chat = chat_for_sender("session-live-1")
    assert chat is not None and chat.chatwoot_conversation_id == conversation.id
    assert chat.input_channel == "socketio"
    assert stub.errors == []


async def test_a_desk_that_fails_hands_nothing_over(stub, dispatcher, domain, engine: Engine) -> None:
    stub.fail_with = 502
    events = await ActionHandoffLive().run(dispatcher, tracker(PLAIN, {DETAILS: False, CONSENT: True}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_live_unavailable"
    assert ConversationPaused() not in events
    assert chat_for_sender("session-live-1") is None


async def test_no_passes_nothing_on(stub, dispatcher, domain, engine: Engine) -> None:
    events = await ActionHandoffLive().run(dispatcher, tracker(PLAIN, {DETAILS: False, CONSENT: False}), domain)
    assert dispatcher.messages[-1]["response"] == "utter_handoff_live_not_sent"
    assert ConversationPaused() not in events
    assert stub.requests == []

"""Asking for a person (issue 14): ``action_offer_human`` says plainly what will happen and when someone of the
team is available; two unanswered questions in a row offer a person (:func:`offer_after_repeated_misses`).
With no live chat, the person can leave a question for the team (``leave_message_form``): the question, an
address and consent given after seeing what will be passed on; stored and sent through the outbox
(:mod:`horizon.handoff.messages`), forgotten with "forget me" like a sign-up.

The office hours come from the environment (:mod:`horizon.handoff.office_hours`); the contact details in the
responses come from data/source/facts.md only.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import current_language, latest_intent
from actions.live_handoff import offer_now, start_events
from actions.volunteer_form import REASKED, REQUESTED, AskVolunteerSlot, _reask, is_fresh, validate_email_slot
from horizon.db import DatabaseUnavailable, run_db
from horizon.handoff.delivery import deliver_message
from horizon.handoff.messages import MAX_QUESTION_LENGTH, LeftMessage, save_message
from horizon.handoff.office_hours import OfficeHours, describe_moment, from_env
from horizon.redaction import install_log_redaction
from horizon.volunteers.answers import is_payload
from horizon.volunteers.choices import consent_from
from horizon.volunteers.notify import deliver_soon
from horizon.volunteers.signups import conversation_hash

install_log_redaction()
logger = logging.getLogger(__name__)

UNKNOWN = "utter_source_unknown"
#: What the assistant says when it has no answer (from the source text, from facts.md, or the offer itself).
MISSES = frozenset({UNKNOWN, "utter_facts_unknown", "utter_handoff_offer"})


def _last_bot_response(tracker: Tracker) -> Optional[str]:
    """The response the assistant last said before the person's latest message."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_message:
                return None
            seen_message = True
        elif seen_message and event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def offered_a_person(tracker: Tracker) -> bool:
    """Whether the assistant's last words were the offer of a person (a "ja" then accepts it)."""
    return _last_bot_response(tracker) == "utter_handoff_offer"


def offer_after_repeated_misses(tracker: Tracker) -> str:
    """What to say when a question finds no answer: the usual "I don't know", or, when the previous question
    found none either, the offer of a person (two misses in a row)."""
    return "utter_handoff_offer" if _last_bot_response(tracker) in MISSES else UNKNOWN


def availability(hours: Optional[OfficeHours], now: datetime, language: str) -> Dict[str, str]:
    """The response and its variables for ``now``: open (until when), closed (open again when) or no hours."""
    if hours is None:
        return {"response": "utter_handoff_no_hours"}
    window = hours.open_window(now)
    if window is not None:
        return {"response": "utter_handoff_open", "until": window.end.strftime("%H:%M")}
    opening = hours.next_opening(now)
    if opening is None:
        return {"response": "utter_handoff_no_hours"}
    return {"response": "utter_handoff_closed", "next_open": describe_moment(opening, now, language)}


class ActionOfferHuman(Action):
    """Tells the person how to reach someone of the team, and whether someone is there now; with a live desk
    configured and the team there, starts the live hand-off (``live_handoff_form``) instead."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        live = offer_now(tracker)  # a Chatwoot desk is configured (actions/live_handoff.py)
        if live is not None:
            dispatcher.utter_message(**live)
            return start_events(tracker) if live["response"] == "utter_handoff_live_open" else []
        answer = availability(from_env(os.environ), datetime.now(timezone.utc), current_language(tracker))
        dispatcher.utter_message(**answer)
        return []


# --- leaving a message for the team ----------------------------------------------------------------------------

FORM = "leave_message_form"
QUESTION, EMAIL, CONSENT = "handoff_question", "handoff_email", "handoff_consent"
MESSAGE_SLOTS = (QUESTION, EMAIL, CONSENT)
MIN_QUESTION_CHARACTERS = 5


def clear_message() -> List[EventType]:
    """Forget the form's answers (personal data) in the conversation's slots."""
    return [SlotSet(slot, None) for slot in MESSAGE_SLOTS] + [SlotSet(REASKED, False), SlotSet(REQUESTED, None)]


class ValidateLeaveMessageForm(FormValidationAction):
    """The question (some words of its own), the address (checked like the sign-up's), and consent given after
    seeing what will be passed on: a clear yes only; a no ends the form and nothing is kept."""

    def name(self) -> Text:
        return "validate_leave_message_form"

    async def validate_handoff_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = " ".join(value.split()) if isinstance(value, str) and not is_payload(value) else ""
        if len(text) < MIN_QUESTION_CHARACTERS:
            return _reask(dispatcher, "utter_handoff_question_too_short", {QUESTION: None})
        return {QUESTION: text[:MAX_QUESTION_LENGTH]}

    async def extract_handoff_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """A bare address at this question is the answer, also when the NLU heard "forget me (this address)"
        (forget_me is left out of the mapping so that "vergeet mij" still ends the form)."""
        text = (tracker.latest_message.get("text") or "").strip()
        if (
            tracker.get_slot(REQUESTED) == EMAIL
            and latest_intent(tracker) == "forget_me"
            and EMAIL not in tracker.slots_to_validate()
            and "@" in text
            and len(text.split()) == 1
        ):
            return {EMAIL: text}
        return {}

    async def validate_handoff_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return await validate_email_slot(EMAIL, value, dispatcher, tracker)

    async def validate_handoff_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        intent = latest_intent(tracker) if is_fresh(value, tracker) else None
        agreed = consent_from(intent, value)
        if agreed is True:
            return {CONSENT: True}
        if agreed is False:  # nothing is passed on, nothing kept
            dispatcher.utter_message(response="utter_handoff_message_not_sent")
            return {**{slot: None for slot in MESSAGE_SLOTS}, REQUESTED: None}
        return _reask(dispatcher, "utter_handoff_consent_unclear", {CONSENT: None})


class AskHandoffQuestion(AskVolunteerSlot):
    slot = QUESTION


class AskHandoffEmail(AskVolunteerSlot):
    slot = EMAIL


class AskHandoffConsent(AskVolunteerSlot):
    """Shows what will be passed on, in the person's words, and asks consent to store and send it."""

    slot = CONSENT

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        return {"question": tracker.get_slot(QUESTION), "email": tracker.get_slot(EMAIL)}


class ActionSubmitHandoffMessage(Action):
    """Stores the agreed message and starts its delivery (the outbox retries it); nothing without consent."""

    def name(self) -> Text:
        return "action_submit_handoff_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question, email = tracker.get_slot(QUESTION), tracker.get_slot(EMAIL)
        if tracker.get_slot(CONSENT) is not True or not question or not email:
            return clear_message()  # the validator already said that nothing is passed on
        message = LeftMessage(question, email, current_language(tracker), conversation_hash(tracker.sender_id))
        try:
            message_id = await run_db(save_message, message)
        except DatabaseUnavailable as exc:
            logger.warning("handoff: database unavailable (%s); message not stored", exc)
            dispatcher.utter_message(response="utter_handoff_message_unavailable")
            return clear_message()
        logger.info("handoff: message %s stored", message_id)
        deliver_soon(message_id, deliver=deliver_message)
        dispatcher.utter_message(response="utter_handoff_message_sent", email=email)
        return clear_message()


class ActionCancelHandoffMessage(Action):
    """ "stop" (or a no) during the form: nothing is kept or passed on."""

    def name(self) -> Text:
        return "action_cancel_handoff_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_message_not_sent")
        return clear_message()

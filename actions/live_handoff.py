"""The live hand-off to the team's Chatwoot desk (issue 14), when one is configured (``HANDOFF_CHATWOOT_*``).

``action_offer_human`` (actions/handoff.py) starts ``live_handoff_form`` when the desk is configured and the
team is there (:func:`live_offer`). The form shows the person what will be passed on before anything is:
first, when the conversation holds personal data, whether it may go as it is (otherwise it is masked), then
the conversation so far, exactly as the team will read it, with a yes/no question. On a yes,
``action_handoff_live`` opens the Chatwoot conversation (:class:`horizon.handoff.chatwoot.ChatwootClient`),
stores the link (:mod:`horizon.handoff.live`) and pauses the assistant (``ConversationPaused``): from then
on the Rasa server forwards the person's messages and relays the agent's (bot/handoff.py,
bot/channels/chatwoot.py). When Chatwoot does not answer, the person hears so plainly and is offered the
message form; nothing is kept.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import current_language, latest_intent
from actions.volunteer_form import REASKED, REQUESTED, AskVolunteerSlot, _reask, is_fresh
from horizon.db import DatabaseUnavailable, run_db
from horizon.handoff.chatwoot import ChatwootClient, ChatwootUnavailable, Desk, desk_from_env
from horizon.handoff.live import Chat, start_chat
from horizon.handoff.office_hours import OfficeHours, describe_moment, from_env
from horizon.handoff.transcript import transcript
from horizon.redaction import install_log_redaction
from horizon.volunteers.choices import consent_from
from horizon.volunteers.signups import conversation_hash

install_log_redaction()
logger = logging.getLogger(__name__)

FORM = "live_handoff_form"
DETAILS, CONSENT = "handoff_share_details", "handoff_live_consent"
#: What the team reads above the conversation (in the team's language).
NOTE_HEADER = {
    True: "Gesprek met de assistent van 11.11.11 (taal: {language}; persoonsgegevens doorgegeven met toestemming):",
    False: "Gesprek met de assistent van 11.11.11 (taal: {language}; persoonsgegevens verborgen):",
}


def configured_desk() -> Optional[Desk]:
    return desk_from_env(os.environ)


def live_offer(
    desk: Optional[Desk], hours: Optional[OfficeHours], now: datetime, language: str
) -> Optional[Dict[str, str]]:
    """With a desk: the live chat when the team is there (or no hours are configured: the desk then decides
    who answers), else the closed desk's answer with when it opens again. Without a desk: None (the message
    path of actions/handoff.py, unchanged)."""
    if desk is None:
        return None
    if hours is None or hours.open_window(now) is not None:
        return {"response": "utter_handoff_live_open"}
    opening = hours.next_opening(now)
    if opening is None:
        return {"response": "utter_handoff_no_hours"}
    return {"response": "utter_handoff_live_closed", "next_open": describe_moment(opening, now, language)}


def start_events(tracker: Tracker) -> List[EventType]:
    """Start the form afresh; when masking would change nothing, there is nothing to ask about personal data."""
    shown = transcript(tracker.events, current_language(tracker), share_details=False)
    details = None if shown.has_personal_data else False
    return [SlotSet(DETAILS, details), SlotSet(CONSENT, None), FollowupAction(FORM)]


def clear_live() -> List[EventType]:
    return [SlotSet(DETAILS, None), SlotSet(CONSENT, None), SlotSet(REASKED, False), SlotSet(REQUESTED, None)]


def _yes_no(value: Any, tracker: Tracker) -> Optional[bool]:
    """A button or a typed yes/no given just now; a kept True/False (set by the action) as it is."""
    if value is True or value is False:
        return value
    return consent_from(latest_intent(tracker), value) if is_fresh(value, tracker) else None


def _yes_or_no(
    value: Any, tracker: Tracker, dispatcher: CollectingDispatcher, slot: str, unclear: str
) -> Dict[Text, Any]:
    """The slot's clear yes or no; anything else asks again with ``unclear``."""
    answer = _yes_no(value, tracker)
    if answer is None:
        return _reask(dispatcher, unclear, {slot: None})
    return {slot: answer}


class ValidateLiveHandoffForm(FormValidationAction):
    """Both answers are a clear yes or no; anything else is asked again. A no to the details masks them; a no
    to the hand-off passes nothing on (``action_handoff_live`` says so)."""

    def name(self) -> Text:
        return "validate_live_handoff_form"

    async def validate_handoff_share_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _yes_or_no(value, tracker, dispatcher, DETAILS, "utter_handoff_share_details_unclear")

    async def validate_handoff_live_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return _yes_or_no(value, tracker, dispatcher, CONSENT, "utter_handoff_live_consent_unclear")


class AskHandoffShareDetails(AskVolunteerSlot):
    slot = DETAILS


class AskHandoffLiveConsent(AskVolunteerSlot):
    """Shows the conversation so far exactly as the team will read it, then asks."""

    slot = CONSENT

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        shown = transcript(tracker.events, current_language(tracker), tracker.get_slot(DETAILS) is True)
        return {"transcript": shown.text or "-"}


class ActionHandoffLive(Action):
    """On a yes: the Chatwoot conversation, the link, the pause. On a no or a failure: nothing is kept."""

    def name(self) -> Text:
        return "action_handoff_live"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot(CONSENT) is not True:
            dispatcher.utter_message(response="utter_handoff_live_not_sent")
            return clear_live()
        desk = configured_desk()
        if desk is None:  # the settings went away since the offer
            dispatcher.utter_message(response="utter_handoff_live_unavailable")
            return clear_live()
        language = current_language(tracker)
        share = tracker.get_slot(DETAILS) is True
        note = NOTE_HEADER[share].format(language=language) + "\n" + transcript(tracker.events, language, share).text
        hashed = conversation_hash(tracker.sender_id)
        channel = tracker.get_latest_input_channel() or "rest"
        try:
            opened = await ChatwootClient(desk).open_conversation(
                f"Horizon {hashed[:8]}", note, {"language": language, "channel": channel}
            )
        except ChatwootUnavailable as error:
            logger.warning("handoff: the desk is unavailable (%s); not handed over", error)
            dispatcher.utter_message(response="utter_handoff_live_unavailable")
            return clear_live()
        chat = Chat(tracker.sender_id, channel, language, opened.conversation_id, opened.contact)
        try:
            await run_db(start_chat, chat, hashed)
        except DatabaseUnavailable as error:
            logger.warning(
                "handoff: database unavailable (%s); Chatwoot conversation %s not linked", error, opened.conversation_id
            )
            dispatcher.utter_message(response="utter_handoff_live_unavailable")
            return clear_live()
        logger.info("handoff: conversation handed to Chatwoot conversation %s", opened.conversation_id)
        dispatcher.utter_message(response="utter_handoff_live_started")
        return [*clear_live(), ConversationPaused()]


class ActionCancelLiveHandoff(Action):
    """ "stop" during the live form: nothing is passed on; the message form is offered."""

    def name(self) -> Text:
        return "action_cancel_live_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_live_not_sent")
        return clear_live()


def offer_now(tracker: Tracker) -> Optional[Dict[str, Any]]:
    """For ``action_offer_human``: the live offer (or the closed desk) when a desk is configured, else None."""
    return live_offer(configured_desk(), from_env(os.environ), datetime.now(timezone.utc), current_language(tracker))

"""Forgetting a person: stored sign-ups, the conversation's slots and (through a marker) its stored events.

"Vergeet mij" deletes at once every sign-up of this conversation (found by its hashed id) and of the address
the form collected, with their pending notifications; then every slot is reset (only the language settings
are put back, so the answer stays readable). The conversation's stored events are erased by the Rasa
server's tracker store, which the action server cannot reach: the action sets and clears the slot
``forget_requested``, and the store acts on that event (bot/tracker_store.py).

An address that is only typed in the request ("vergeet jan@voorbeeld.be") could be anyone's: its sign-up is
deleted only after the code e-mailed to it is typed back (``forget_code_form``;
horizon/privacy/verification.py). The answers never say whether a sign-up with that address existed.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import current_language
from horizon.db import DatabaseUnavailable, run_db
from horizon.privacy.erasure import FORGET_SLOT
from horizon.privacy.verification import FAILED, VERIFIED, WRONG, cancel, check_code, digits_of, request_code
from horizon.redaction import EMAIL, install_log_redaction
from horizon.volunteers.email import email_key
from horizon.volunteers.notify import deliver_soon
from horizon.volunteers.signups import ForgetReport, forget

install_log_redaction()
logger = logging.getLogger(__name__)

CODE_FORM, CODE_SLOT = "forget_code_form", "forget_code"
CANCELLED = "cancelled"


def forget_conversation() -> List[EventType]:
    """The marker the tracker store acts on, set and cleared at once (a set slot would be carried over into
    the next session and erase that one as well)."""
    return [SlotSet(FORGET_SLOT, time.time()), SlotSet(FORGET_SLOT, None)]


def response_for(report: ForgetReport) -> str:
    """Which confirmation fits what was deleted."""
    if report.linked:
        return "utter_forget_me_deleted_shared" if report.already_shared else "utter_forget_me_deleted"
    return "utter_forget_me"


def other_address(tracker: Tracker, own: List[str]) -> Optional[str]:
    """The first address typed in the request that is not the conversation's own."""
    own_keys = {email_key(e) for e in own}
    typed = EMAIL.findall(tracker.latest_message.get("text") or "")
    return next((a for a in typed if email_key(a) not in own_keys), None)


class ActionForgetMe(Action):
    """Deletes the person's stored sign-ups, clears every slot and has the conversation erased; asks for proof
    before deleting the sign-up of an address that was only typed."""

    def name(self) -> Text:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        language = current_language(tracker)
        locked = bool(tracker.get_slot("language_locked"))
        own = [tracker.get_slot("volunteer_email")] if tracker.get_slot("volunteer_email") else []
        other = other_address(tracker, own)
        asking = False
        try:
            report = await run_db(forget, tracker.sender_id, own)
            notification_id = await run_db(request_code, tracker.sender_id, other) if other else None
        except DatabaseUnavailable as exc:
            logger.warning("forget me: database unavailable (%s)", exc)
            dispatcher.utter_message(response="utter_forget_me_unavailable")
        else:
            logger.info("forget me: %s sign-up(s) deleted; code requested: %s", report.linked, bool(other))
            if not other or report.linked:
                dispatcher.utter_message(response=response_for(report))
            if other:
                dispatcher.utter_message(response="utter_forget_code_sent")
                asking = True
            if notification_id is not None:
                deliver_soon(notification_id)
        events: List[EventType] = [ActiveLoop(None)] if tracker.active_loop.get("name") else []
        events += [AllSlotsReset(), SlotSet("language", language), SlotSet("language_locked", locked)]
        events += forget_conversation()
        return events + ([FollowupAction(CODE_FORM)] if asking else [])


class ValidateForgetCodeForm(FormValidationAction):
    """Checks a typed code; the right one deletes the sign-up (horizon/privacy/verification.py). Only the
    result is kept in the slot, never the code."""

    def name(self) -> Text:
        return "validate_forget_code_form"

    async def validate_forget_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = digits_of(str(value or ""))
        try:
            if not code:  # "stop", a question, anything without digits: the person moved on
                await run_db(cancel, tracker.sender_id)
                return {CODE_SLOT: CANCELLED}
            result = await run_db(check_code, tracker.sender_id, code)
        except DatabaseUnavailable as exc:
            logger.warning("forget code: database unavailable (%s)", exc)
            return {CODE_SLOT: FAILED}
        if result.outcome == WRONG:
            dispatcher.utter_message(response="utter_forget_code_wrong", tries_left=result.tries_left)
            return {CODE_SLOT: None}
        logger.info("forget code: %s", result.outcome)
        return {CODE_SLOT: result.outcome}


class ActionForgetCodeDone(Action):
    """Says how the code form ended; after the right code the conversation is erased too."""

    def name(self) -> Text:
        return "action_forget_code_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        result = tracker.get_slot(CODE_SLOT)
        events: List[EventType] = [SlotSet(CODE_SLOT, None)]
        if result == VERIFIED:
            dispatcher.utter_message(response="utter_forget_code_verified")
            return events + forget_conversation()
        dispatcher.utter_message(
            response="utter_forget_code_cancelled" if result == CANCELLED else "utter_forget_code_failed"
        )
        return events

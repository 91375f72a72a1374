"""Forgetting a person: stored sign-ups, the conversation's slots and (through a marker) its stored events.

Nothing is erased without asking: "vergeet mij" first asks "... wis? ja/nee" (``action_confirm_forget`` and
``forget_confirm_form``); only a yes runs ``action_forget_me``, anything else cancels. A forget_me prediction
the NLU is unsure about (low confidence, or a runner-up close behind) asks what the person meant instead.

Once confirmed, ``action_forget_me`` deletes every sign-up of this conversation (found by its hashed id)
and of the address the form collected, with their pending notifications; then every slot is reset (only the
language settings are put back, so the answer stays readable). The conversation's stored events are erased by the Rasa
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
from actions.volunteer_form import SLOT_OF_FIELD
from horizon.db import DatabaseUnavailable, run_db
from horizon.privacy.erasure import FORGET_SLOT
from horizon.privacy.verification import FAILED, VERIFIED, WRONG, cancel, check_code, digits_of, request_code
from horizon.redaction import EMAIL, install_log_redaction
from horizon.volunteers.email import email_key
from horizon.volunteers.notify import deliver_soon
from horizon.volunteers.signups import ForgetReport, forget, stop_notifications

install_log_redaction()
logger = logging.getLogger(__name__)

CODE_FORM, CODE_SLOT = "forget_code_form", "forget_code"
CANCELLED = "cancelled"
CONFIRM_FORM, CONFIRM_SLOT, ADDRESS_SLOT = "forget_confirm_form", "forget_confirm", "forget_address"
YES, NO = "yes", "no"
# A destructive intent acts only on a clear prediction: at least this confident, and this far ahead of the
# runner-up; otherwise the person is asked what they meant.
MIN_CONFIDENCE, MIN_MARGIN = 0.8, 0.2
# Stopping messages erases nothing and is what a person who says "stop" wants either way: a lower bar, still
# well above the fallback threshold (0.45).
OPT_OUT_MIN_CONFIDENCE = 0.6


def forget_conversation() -> List[EventType]:
    """The marker the tracker store acts on, set and cleared at once (a set slot would be carried over into
    the next session and erase that one as well)."""
    return [SlotSet(FORGET_SLOT, time.time()), SlotSet(FORGET_SLOT, None)]


def handed_to_desk(tracker: Tracker) -> bool:
    """Was this conversation handed to the team's live chat (paused)? What was written there stays in the
    team's desk, which "forget me" here cannot reach: the person is told how to have it deleted."""
    return any(event.get("event") == "pause" for event in tracker.events)


def response_for(report: ForgetReport) -> str:
    """Which confirmation fits what was deleted."""
    if report.linked:
        return "utter_forget_me_deleted_shared" if report.already_shared else "utter_forget_me_deleted"
    if report.messages:  # only questions left for the team (actions/handoff.py)
        return "utter_forget_me_deleted_messages"
    return "utter_forget_me"


def typed_address(text: str, own: List[str]) -> Optional[str]:
    """The first address typed in ``text`` that is not the conversation's own."""
    own_keys = {email_key(e) for e in own}
    return next((a for a in EMAIL.findall(text or "") if email_key(a) not in own_keys), None)


def other_address(tracker: Tracker, own: List[str]) -> Optional[str]:
    """The address typed in the request (kept while the person confirmed), if it is not the conversation's own."""
    kept = tracker.get_slot(ADDRESS_SLOT)
    if kept:
        return typed_address(kept, own)
    return typed_address(tracker.latest_message.get("text") or "", own)


def is_clear(message: Dict[str, Any], intent: str, min_confidence: float = MIN_CONFIDENCE) -> bool:
    """Whether the message's prediction of ``intent`` is sure enough to act on (buttons always are)."""
    if (message.get("text") or "").startswith("/"):
        return True
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"]
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    if (message.get("intent") or {}).get("name") != intent or confidence < min_confidence:
        return False
    runner_up = next((float(r.get("confidence") or 0.0) for r in ranking if r.get("name") != intent), 0.0)
    return confidence - runner_up >= MIN_MARGIN


class ActionConfirmForget(Action):
    """Asks before erasing ("Wil je dat ik je inschrijving en dit gesprek wis? ja/nee"); an unsure forget_me
    asks what the person meant instead, with buttons."""

    def name(self) -> Text:
        return "action_confirm_forget"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if not is_clear(tracker.latest_message, "forget_me"):
            logger.info("forget me: unsure prediction, asking what was meant")
            dispatcher.utter_message(response="utter_forget_unsure")
            return []
        own = [tracker.get_slot(slot) for slot in ("volunteer_email", "handoff_email") if tracker.get_slot(slot)]
        address = typed_address(tracker.latest_message.get("text") or "", own)
        # forget_confirm is not touched here: a slot set in this turn would be validated at once, as an answer
        return [SlotSet(ADDRESS_SLOT, address), FollowupAction(CONFIRM_FORM)]


class ValidateForgetConfirmForm(FormValidationAction):
    """Only a yes (the button, or an affirm the NLU is sure of) confirms; anything else is a no."""

    def name(self) -> Text:
        return "validate_forget_confirm_form"

    async def validate_forget_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is None or tracker.get_slot("requested_slot") != CONFIRM_SLOT:
            return {CONFIRM_SLOT: None}  # the form was only just started: the question has not been asked yet
        return {CONFIRM_SLOT: YES if is_clear(tracker.latest_message, "affirm") else NO}


# What a message other than yes or no to the question asked for: after the polite cancel, it is answered too,
# so that "ik wil vrijwilliger worden" is not lost on the question it did not answer.
CONTINUE = {
    "volunteer": "volunteer_form",
    "ask_facts": "action_answer_facts",
    "ask_comparison": "action_compare",
    "ask_strategy": "action_search_source",
    "nlu_fallback": "action_search_source",
    "find_initiatives": "action_find_initiatives",
    "opt_out": "action_opt_out",
    "get_involved": "utter_get_involved",
    "donate": "utter_donate",
    "start_initiative": "utter_start_initiative",
    "ask_campaign": "utter_ask_campaign",
    "ask_capabilities": "utter_capabilities",
    "change_language": "action_change_language",
    **{
        intent: "action_answer_topic"
        for intent in (
            "ask_organisation", "ask_vision", "ask_mission", "ask_solidarity", "ask_values", "ask_levers",
            "ask_manifest", "ask_fourth_pillar",
        )
    },
}  # fmt: skip


class ActionForgetConfirmed(Action):
    """After the question: a yes erases (action_forget_me), anything else cancels politely with a next step
    (and a message that asked for something else gets its answer as well)."""

    def name(self) -> Text:
        return "action_forget_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot(CONFIRM_SLOT) == YES:
            return [FollowupAction("action_forget_me")]
        events: List[EventType] = [SlotSet(CONFIRM_SLOT, None), SlotSet(ADDRESS_SLOT, None)]
        follow = CONTINUE.get((tracker.latest_message.get("intent") or {}).get("name") or "")
        if not follow and signup_interrupted(tracker):
            dispatcher.utter_message(response="utter_forget_cancelled_resume")
            return events + [FollowupAction("volunteer_form")]
        dispatcher.utter_message(response="utter_forget_cancelled")
        return events + ([FollowupAction(follow)] if follow else [])


def signup_interrupted(tracker: Tracker) -> bool:
    """Whether "vergeet mij" came in the middle of the sign-up: its answers are still in the slots (a finished
    or stopped sign-up clears them), so a "no" goes back to the form's next question."""
    return any(tracker.get_slot(slot) is not None for slot in SLOT_OF_FIELD.values())


class ActionOptOut(Action):
    """ "Stuur me niets meer": cancels the notifications not yet sent about this conversation's sign-up and
    offers to erase it (which asks first, like any forget me). An unsure opt_out asks what was meant."""

    def name(self) -> Text:
        return "action_opt_out"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if not is_clear(tracker.latest_message, "opt_out", OPT_OUT_MIN_CONFIDENCE):
            logger.info("opt out: unsure prediction, asking what was meant")
            dispatcher.utter_message(response="utter_opt_out_unsure")
            return []
        own = [tracker.get_slot(slot) for slot in ("volunteer_email", "handoff_email") if tracker.get_slot(slot)]
        try:
            stopped = await run_db(stop_notifications, tracker.sender_id, own)
        except DatabaseUnavailable as exc:
            logger.warning("opt out: database unavailable (%s)", exc)
            dispatcher.utter_message(response="utter_forget_me_unavailable")
            return []
        logger.info("opt out: %s pending notification(s) cancelled", stopped)
        dispatcher.utter_message(response="utter_opt_out")
        return []


class ActionForgetMe(Action):
    """Deletes the person's stored sign-ups, clears every slot and has the conversation erased; asks for proof
    before deleting the sign-up of an address that was only typed."""

    def name(self) -> Text:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot(CONFIRM_SLOT) != YES:  # only ever after a yes to the question (action_confirm_forget)
            logger.warning("forget me: not confirmed, asking first")
            return [FollowupAction("action_confirm_forget")]
        language = current_language(tracker)
        locked = bool(tracker.get_slot("language_locked"))
        own = [tracker.get_slot(slot) for slot in ("volunteer_email", "handoff_email") if tracker.get_slot(slot)]
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
            if handed_to_desk(tracker):
                dispatcher.utter_message(response="utter_forget_me_desk_keeps")
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

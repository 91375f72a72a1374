"""Forgetting a person: stored sign-ups and everything the conversation holds about them.

What is deleted: every sign-up of this conversation (found by its hashed id), of the address the form
collected, and of any address typed in the request ("vergeet jan@voorbeeld.be"); their pending
notifications go with them; then every slot (only the language settings are put back, so the answer stays
readable). For an address that is not this conversation's own, the answer does not say whether a sign-up
existed: otherwise anyone could test whether someone signed up.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language
from horizon.db import DatabaseUnavailable, run_db
from horizon.redaction import EMAIL, install_log_redaction
from horizon.volunteers.signups import ForgetReport, forget

install_log_redaction()
logger = logging.getLogger(__name__)


def response_for(report: ForgetReport, typed_address: bool) -> str:
    """Which confirmation fits what was deleted."""
    if report.linked:
        return "utter_forget_me_deleted_shared" if report.already_shared else "utter_forget_me_deleted"
    if typed_address:
        return "utter_forget_me_email"
    return "utter_forget_me"


class ActionForgetMe(Action):
    """Deletes the person's stored sign-ups and clears every slot of the conversation."""

    def name(self) -> Text:
        return "action_forget_me"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        language = current_language(tracker)
        locked = bool(tracker.get_slot("language_locked"))
        own = [tracker.get_slot("volunteer_email")] if tracker.get_slot("volunteer_email") else []
        typed = EMAIL.findall(tracker.latest_message.get("text") or "")
        try:
            report = await run_db(forget, tracker.sender_id, own, typed)
        except DatabaseUnavailable as exc:
            logger.warning("forget me: database unavailable (%s)", exc)
            dispatcher.utter_message(response="utter_forget_me_unavailable")
        else:
            logger.info("forget me: %s linked and %s other sign-up(s) deleted", report.linked, report.by_address)
            dispatcher.utter_message(response=response_for(report, bool(typed)))
        events: List[EventType] = [ActiveLoop(None)] if tracker.active_loop.get("name") else []
        return events + [AllSlotsReset(), SlotSet("language", language), SlotSet("language_locked", locked)]

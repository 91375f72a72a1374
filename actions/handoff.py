"""Asking for a person (issue 14): ``action_offer_human`` says plainly what will happen and when someone of the
team is available; two unanswered questions in a row offer a person (:func:`offer_after_repeated_misses`).

The office hours come from the environment (:mod:`horizon.handoff.office_hours`); the contact details in the
responses come from data/source/facts.md only.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language
from horizon.handoff.office_hours import OfficeHours, describe_moment, from_env

UNKNOWN = "utter_source_unknown"


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
    return "utter_handoff_offer" if _last_bot_response(tracker) in (UNKNOWN, "utter_handoff_offer") else UNKNOWN


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
    """Tells the person how to reach someone of the team, and whether someone is there now."""

    def name(self) -> Text:
        return "action_offer_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        answer = availability(from_env(os.environ), datetime.now(timezone.utc), current_language(tracker))
        dispatcher.utter_message(**answer)
        return []

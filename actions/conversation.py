"""What the actions read from a rasa-sdk tracker, in one place: the conversation's language, the latest intent
and entities."""

from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker

from horizon.language.choice import DEFAULT, SUPPORTED


def current_language(tracker: Tracker) -> str:
    """The conversation's language ('nl' or 'en')."""
    value = tracker.get_slot("language")
    return value if value in SUPPORTED else DEFAULT


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the person's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def first_entity(tracker: Tracker, name: str) -> Optional[str]:
    """The first value of entity ``name`` in the latest message."""
    return next(tracker.get_latest_entity_values(name), None)


#: Actions that run around every message and say nothing about where the conversation is.
BOOKKEEPING = frozenset({"action_listen", "action_extract_slots", "action_set_language", "action_session_start"})


def previous_action(tracker: Tracker) -> Optional[str]:
    """The last action that answered before the person's latest message (the search, a strategy answer, ...)."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_message:
                break
            seen_message = True
        elif seen_message and event.get("event") == "action" and event.get("name") not in BOOKKEEPING:
            return event.get("name")
    return None

"""Actions that keep the conversation in the person's language."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language
from horizon.language.choice import choose_language, entity_language


class ActionSetLanguage(Action):
    """Custom slot mapping for `language` and `language_locked`: Rasa runs it after every message."""

    def name(self) -> Text:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        current = current_language(tracker)
        locked = bool(tracker.get_slot("language_locked"))
        choice = choose_language(current, locked, tracker.latest_message)
        events = []
        if choice.language != current:
            events.append(SlotSet("language", choice.language))
        if choice.locked != locked:
            events.append(SlotSet("language_locked", choice.locked))
        return events


class ActionChangeLanguage(Action):
    """Confirms a switch to Dutch or English, points French speakers to CNCD-11.11.11, or asks which."""

    def name(self) -> Text:
        return "action_change_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        requested = entity_language(tracker.latest_message)
        if requested == "fr":
            dispatcher.utter_message(response="utter_french_redirect")
        elif requested in ("nl", "en"):
            dispatcher.utter_message(response="utter_language_changed")
        else:
            dispatcher.utter_message(response="utter_choose_language")
        return []

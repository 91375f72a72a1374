"""Forgetting what a person told the assistant."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import AllSlotsReset, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common.language import current_language


class ActionForgetMe(Action):
    """Clears every slot of the conversation; only the language is kept so the answer stays readable."""

    def name(self) -> Text:
        return "action_forget_me"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        language = current_language(tracker)
        dispatcher.utter_message(response="utter_forget_me")
        return [AllSlotsReset(), SlotSet("language", language)]

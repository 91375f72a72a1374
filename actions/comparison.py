"""Comparisons: both sides answered, each as the assistant answers it on its own (issue 16)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.strategy import say_fact
from horizon import facts
from horizon.strategy.comparison import sides


class ActionCompare(Action):
    """Answers each subject the question compares, in its order; a question with fewer than two subjects is
    looked up like any other (the facts, then the strategy text)."""

    def name(self) -> Text:
        return "action_compare"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        found = sides(tracker.latest_message.get("text") or "")
        if len(found) < 2:
            return [FollowupAction("action_answer_facts")]
        for side in found:
            if side.fact:
                say_fact(dispatcher, facts.fact(side.fact))
            elif side.response:
                dispatcher.utter_message(response=side.response)
        return []

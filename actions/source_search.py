"""Answers strategy questions that no intent covers from the source text itself."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language
from actions.handoff import offer_after_repeated_misses
from actions.initiatives import meant_local_search
from actions.strategy import SEARCH_TIMEOUT_S, quote_found, say_fact
from horizon import facts
from horizon.strategy.comparison import sides
from horizon.strategy.retrieval import index


class ActionSearchSource(Action):
    """Quotes the best-matching passage, else the organisation's fact (facts.md) that answers the question, or
    says honestly that neither covers it.

    An unsure message that names a place and was most likely a local search goes to the search instead.
    """

    def name(self) -> Text:
        return "action_search_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if meant_local_search(tracker):
            return [FollowupAction("action_find_initiatives")]
        question = tracker.latest_message.get("text") or ""
        if len(sides(question)) >= 2:
            return [FollowupAction("action_compare")]
        language = current_language(tracker)
        try:
            match = await asyncio.wait_for(asyncio.to_thread(index(language).search, question), SEARCH_TIMEOUT_S)
        except asyncio.TimeoutError:
            match = None
        if match is None:
            try:
                fact = await asyncio.wait_for(asyncio.to_thread(facts.answer, question, language), SEARCH_TIMEOUT_S)
            except asyncio.TimeoutError:
                fact = None
            if fact is not None:
                say_fact(dispatcher, fact)
            else:
                dispatcher.utter_message(response=offer_after_repeated_misses(tracker))
            return []
        return quote_found(dispatcher, match.passage)

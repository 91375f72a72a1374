"""Answers free questions about the organisation from its sourced facts (data/source/facts.md), else from the
strategy text, else says plainly that it does not know and where to ask."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language
from actions.initiatives import meant_local_search
from actions.strategy import quotable, say_fact
from horizon import facts
from horizon.strategy.comparison import sides
from horizon.strategy.retrieval import index as strategy_index
from horizon.strategy.text import Passage
from horizon.strategy.topics import step_after

SEARCH_TIMEOUT_S = 2.0


def _search(question: str, language: str) -> Tuple[Optional[facts.Fact], Optional[Passage]]:
    """The fact that answers the question; failing that, the strategy passage (blocking)."""
    fact = facts.named_fact(question) or facts.answer(question, language)
    if fact is not None:
        return fact, None
    match = strategy_index(language).search(question)
    return None, (match.passage if match else None)


async def search(question: str, language: str) -> Tuple[Optional[facts.Fact], Optional[Passage]]:
    try:
        return await asyncio.wait_for(asyncio.to_thread(_search, question, language), SEARCH_TIMEOUT_S)
    except asyncio.TimeoutError:
        return None, None


class ActionAnswerFacts(Action):
    """A question about the organisation: its fact, or the strategy's passage, or an honest "I don't know"
    with the contact details from facts.md."""

    def name(self) -> Text:
        return "action_answer_facts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if meant_local_search(tracker):  # "en iets rond klimaat?" right after a search refines it
            return [FollowupAction("action_find_initiatives")]
        question = tracker.latest_message.get("text") or ""
        if len(sides(question)) >= 2:
            return [FollowupAction("action_compare")]
        fact, passage = await search(question, current_language(tracker))
        if fact is not None:
            say_fact(dispatcher, fact)
            return []
        if passage is not None:
            dispatcher.utter_message(
                response="utter_source_passage", section=passage.heading, passage=quotable(passage)
            )
            topic, step = step_after(passage.section, passage.index)
            return [SlotSet("topic", topic), SlotSet("more_step", step)]
        dispatcher.utter_message(response="utter_facts_unknown")
        return []

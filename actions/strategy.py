"""Explaining the strategy: a short answer first, the source text on request."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language, first_entity, latest_intent
from horizon.strategy.text import Passage, passage
from horizon.strategy.topics import DEEPER, FactsResponse, short_answer, topic_for


def quotable(p: Passage) -> str:
    """A passage as it reads on its own: bullets under "Internationale solidariteit ..." get their lead-in."""
    if p.section == "solidarity" and not p.text[:1].isupper():
        return f"{p.heading} … {p.text}"
    return p.text


class ActionAnswerTopic(Action):
    """Answers a strategy question briefly and remembers the topic for "tell me more"."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        topic = topic_for(intent, first_entity(tracker, "value_name"), first_entity(tracker, "solidarity_aspect"))
        if topic is None:
            dispatcher.utter_message(response="utter_no_topic_yet")
            return []
        dispatcher.utter_message(response=short_answer(topic))
        return [SlotSet("topic", topic), SlotSet("more_step", 0)]


class ActionTellMore(Action):
    """Gives the next deeper part of the topic last discussed: a quoted passage or a sourced fact."""

    def name(self) -> Text:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        topic = tracker.get_slot("topic")
        if topic not in DEEPER:
            dispatcher.utter_message(response="utter_no_topic_yet")
            return []
        parts = DEEPER[topic]
        step = int(tracker.get_slot("more_step") or 0)
        if step >= len(parts):
            dispatcher.utter_message(response="utter_more_done")
            return []
        part = parts[step]
        if isinstance(part, FactsResponse):
            dispatcher.utter_message(response=part.response)
        else:
            p = passage(current_language(tracker), part.section, part.index)
            is_last = step + 1 >= len(parts)
            dispatcher.utter_message(
                response="utter_more_quote_last" if is_last else "utter_more_quote",
                section=p.heading,
                quote=quotable(p),
            )
        return [SlotSet("more_step", step + 1)]

"""Explaining the strategy: a short answer first, the source text on request."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language, first_entity, latest_intent
from actions.handoff import offered_a_person
from actions.initiatives import meant_local_search
from horizon import facts
from horizon.strategy.comparison import sides
from horizon.strategy.retrieval import more_specific
from horizon.strategy.text import SECTION_KEYS, Passage, passage
from horizon.strategy.topics import DEEPER, FactsResponse, short_answer, step_after, topic_for

SEARCH_TIMEOUT_S = 2.0


def quotable(p: Passage) -> str:
    """A passage as it reads on its own: bullets under "Internationale solidariteit ..." get their lead-in."""
    if p.section == "solidarity" and not p.text[:1].isupper():
        return f"{p.heading} … {p.text}"
    return p.text


def say_fact(dispatcher: CollectingDispatcher, fact: facts.Fact) -> None:
    """An organisation's fact as facts.md writes it, with its source (and date) where it has one."""
    if fact.source:
        dispatcher.utter_message(response="utter_facts_answer", fact=fact.text, source=fact.source)
    else:
        dispatcher.utter_message(response="utter_facts_answer_unsourced", fact=fact.text)


def quote_found(dispatcher: CollectingDispatcher, found: Passage) -> List[Dict[Text, Any]]:
    """Quotes a passage found by search and sets the topic so that "tell me more" continues after it."""
    dispatcher.utter_message(response="utter_source_passage", section=found.heading, passage=quotable(found))
    topic, step = step_after(found.section, found.index)
    return [SlotSet("topic", topic), SlotSet("more_step", step)]


async def _more_specific(language: str, text: str, topic: str) -> Optional[Passage]:
    """The passage of another section that answers the question better than the recognised topic, if any."""
    section = topic.split("/")[0]
    if section not in SECTION_KEYS:
        return None
    try:
        match = await asyncio.wait_for(asyncio.to_thread(more_specific, language, text, section), SEARCH_TIMEOUT_S)
    except asyncio.TimeoutError:
        return None
    return match.passage if match else None


# Topics next to which facts.md has facts of its own: a question that names one ("jullie slogan", "het
# steunpunt") gets that fact rather than the topic's short answer.
TOPICS_WITH_FACTS = {"manifest", "fourth_pillar", "organisation"}


class ActionAnswerTopic(Action):
    """Answers a strategy question briefly and remembers the topic for "tell me more"."""

    def name(self) -> Text:
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if meant_local_search(tracker):  # "en iets rond klimaat?" right after a search refines it
            return [FollowupAction("action_find_initiatives")]
        intent = latest_intent(tracker)
        topic = topic_for(intent, first_entity(tracker, "value_name"), first_entity(tracker, "solidarity_aspect"))
        text = tracker.latest_message.get("text") or ""
        if len(sides(text)) >= 2:  # "het verschil tussen visie en missie" is about both
            return [FollowupAction("action_compare")]
        if facts.beyond_facts(text):  # "who is your CEO?" is no question about the organisation's strategy
            dispatcher.utter_message(response="utter_facts_unknown")
            return []
        if topic is None:
            dispatcher.utter_message(response="utter_no_topic_yet")
            return []
        fact = facts.named_fact(text) if topic in TOPICS_WITH_FACTS else None
        if fact is not None:
            say_fact(dispatcher, fact)
            return []
        specific = await _more_specific(current_language(tracker), text, topic)
        if specific is not None:  # "who has to help achieve global justice?" is answered by a lever
            return quote_found(dispatcher, specific)
        dispatcher.utter_message(response=short_answer(topic))
        return [SlotSet("topic", topic), SlotSet("more_step", 0)]


class ActionTellMore(Action):
    """Gives the next deeper part of the topic last discussed: a quoted passage or a sourced fact."""

    def name(self) -> Text:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        if latest_intent(tracker) == "affirm" and offered_a_person(tracker):  # "ja" to the offer of a person
            return [FollowupAction("action_offer_human")]
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

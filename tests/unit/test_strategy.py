"""Strategy answers: short first, the source text quoted on request, in the person's language."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.events import SlotSet

from actions.source_search import ActionSearchSource
from actions.strategy import ActionAnswerTopic, ActionTellMore
from horizon.strategy.text import FILES, SECTION_KEYS, SOURCE_DIR, passage, passages
from horizon.strategy.topics import DEEPER, TOPIC_BY_INTENT, FactsResponse, Quote
from tests.unit.conftest import entity, make_tracker


def test_translation_has_the_structure_of_the_original():
    nl, en = passages("nl"), passages("en")
    assert [(p.section, p.index, p.is_transition) for p in nl] == [(p.section, p.index, p.is_transition) for p in en]
    assert {p.section for p in nl} == set(SECTION_KEYS)


def test_dutch_passages_are_the_source_text_verbatim():
    source = re.sub(r"\s+", " ", (SOURCE_DIR / FILES["nl"]).read_text(encoding="utf-8"))
    for p in passages("nl"):
        assert p.text in source, p.text[:60]


def test_every_deeper_part_exists(domain):
    for topic, parts in DEEPER.items():
        assert parts, topic
        for part in parts:
            if isinstance(part, Quote):
                passage("nl", part.section, part.index)
                passage("en", part.section, part.index)
            else:
                assert part.response in domain["responses"], part.response


@pytest.mark.parametrize("intent, topic", sorted(TOPIC_BY_INTENT.items()))
async def test_each_strategy_intent_gets_its_short_answer(dispatcher, domain, intent, topic):
    events = await ActionAnswerTopic().run(dispatcher, make_tracker("?", intent), domain)
    assert [m["response"] for m in dispatcher.messages] == [f"utter_topic_{topic}"]
    assert SlotSet("topic", topic) in events


@pytest.mark.parametrize(
    "intent, name, value, response",
    [
        ("ask_values", "value_name", "equality", "utter_value_equality"),
        ("ask_values", "value_name", "integrity", "utter_value_integrity"),
        ("ask_solidarity", "solidarity_aspect", "generations", "utter_solidarity_generations"),
        ("ask_solidarity", "solidarity_aspect", "reciprocity", "utter_solidarity_reciprocity"),
    ],
)
async def test_values_and_solidarity_one_by_one(dispatcher, domain, intent, name, value, response):
    tracker = make_tracker("wat bedoelen jullie met ...?", intent, [entity(name, value)])
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["response"] == response
    assert response in domain["responses"]
    assert SlotSet("topic", f"{intent[4:]}/{value}") in events


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_tell_more_walks_through_the_topic_then_says_it_is_done(dispatcher, domain, language):
    topic, step, seen = "mission", 0, []
    while True:
        tracker = make_tracker("meer", "tell_more", slots={"topic": topic, "more_step": step, "language": language})
        events = await ActionTellMore().run(dispatcher, tracker, domain)
        message = dispatcher.messages[-1]
        if message["response"] == "utter_more_done":
            break
        seen.append(message)
        step = next(e["value"] for e in events if e["name"] == "more_step")
    assert len(seen) == len(DEEPER["mission"])
    assert seen[0]["response"] == "utter_more_quote" and seen[-1]["response"] == "utter_more_quote_last"
    first = passage(language, "mission", 0)
    assert seen[0]["quote"] == first.text and seen[0]["section"] == first.heading


async def test_tell_more_gives_sourced_facts_for_topics_the_strategy_only_mentions(dispatcher, domain):
    parts = DEEPER["fourth_pillar"]
    facts_step = next(i for i, p in enumerate(parts) if isinstance(p, FactsResponse))
    tracker = make_tracker("meer", "tell_more", slots={"topic": "fourth_pillar", "more_step": facts_step})
    await ActionTellMore().run(dispatcher, tracker, domain)
    assert dispatcher.messages[-1]["response"] == "utter_more_fourth_pillar"


async def test_tell_more_without_a_topic_asks_which(dispatcher, domain):
    await ActionTellMore().run(dispatcher, make_tracker("vertel meer", "tell_more"), domain)
    assert dispatcher.messages[-1]["response"] == "utter_no_topic_yet"


@pytest.mark.parametrize(
    "language, question, section",
    [
        ("nl", "wat zegt jullie strategie over toekomstige generaties?", "solidarity"),
        ("nl", "hoe kijken jullie naar de relatie tussen mens en natuur?", "vision"),
        ("nl", "wat is het gedeeld belang?", "levers"),
        ("en", "what does your strategy say about future generations?", "solidarity"),
        ("en", "who should work on global justice? governments?", "levers"),
    ],
)
async def test_free_questions_are_answered_from_the_source(dispatcher, domain, language, question, section):
    tracker = make_tracker(question, "ask_strategy", slots={"language": language})
    events = await ActionSearchSource().run(dispatcher, tracker, domain)
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_source_passage"
    found = next(p for p in passages(language) if p.text in message["passage"])
    assert found.section == section
    assert SlotSet("topic", section) in events  # "tell me more" continues in that section


@pytest.mark.parametrize(
    "language, question",
    [
        ("nl", "wat vinden jullie van voetbal?"),
        ("nl", "hoe maak ik spaghetti"),
        ("en", "tell me a joke"),
        ("en", "what is the capital of Peru"),
    ],
)
async def test_questions_the_source_does_not_cover_get_an_honest_answer(dispatcher, domain, language, question):
    tracker = make_tracker(question, "nlu_fallback", slots={"language": language})
    assert await ActionSearchSource().run(dispatcher, tracker, domain) == []
    assert dispatcher.messages[-1]["response"] == "utter_source_unknown"

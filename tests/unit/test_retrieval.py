"""Retrieval over the strategy text: search words find passages, answers stay the source's words."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.strategy import ActionAnswerTopic
from horizon.strategy.evaluation import Question, evaluate, load_questions
from horizon.strategy.retrieval import index, more_specific
from horizon.strategy.search_words import SEARCH_WORDS
from horizon.strategy.text import passages
from tests.retrieval_eval import RETRIEVAL
from tests.unit.conftest import make_tracker


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_passage_has_search_words_and_no_others(language):
    ids = {p.id for p in passages(language) if not p.is_transition}
    assert set(SEARCH_WORDS[language]) == ids


@pytest.mark.parametrize("language", ["nl", "en"])
def test_search_words_find_a_passage_but_are_never_quoted(language):
    question = {"nl": "wat moeten bedrijven doen?", "en": "what do companies have to do?"}[language]
    match = index(language).search(question)
    assert match is not None and match.passage.id == "levers:3"
    assert match.passage.text in " ".join(p.text for p in passages(language))
    assert "bedrijven" not in match.passage.text and "companies" not in match.passage.text


def test_passage_ids_are_shared_by_both_languages():
    assert [p.id for p in passages("nl")] == [p.id for p in passages("en")]


def test_every_labelled_question_names_passages_the_index_has():
    known = {m.id for m in index("nl").passages} | {m.id for m in index("en").passages}
    for question in load_questions(RETRIEVAL):
        assert set(question.passages) <= known, question


def test_a_question_the_text_does_not_answer_counts_as_a_hit_only_without_a_passage():
    result = evaluate(Question("Hoe maak ik spaghetti?", "nl", (), "dev"))
    assert result.answered is None and result.hit


@pytest.mark.parametrize(
    "language, question, section, found",
    [
        ("en", "Who has to help achieve global justice?", "vision", "levers:3"),
        ("nl", "Wie moet er meehelpen aan mondiale rechtvaardigheid?", "vision", "levers:3"),
        ("en", "How does 11.11.11 look at inequality?", "values", "solidarity:0"),
        ("en", "What is your vision?", "vision", None),  # the topic's own name points nowhere else
        ("nl", "welke actoren moeten werken aan mondiale rechtvaardigheid?", "levers", None),  # same section
    ],
)
def test_a_passage_of_another_section_is_found_only_when_the_text_clearly_points_there(
    language, question, section, found
):
    match = more_specific(language, question, section)
    assert (match.passage.id if match else None) == found


async def test_a_topic_question_answered_by_another_section_quotes_that_passage(dispatcher, domain):
    tracker = make_tracker("Who has to help achieve global justice?", "ask_vision", slots={"language": "en"})
    events = await ActionAnswerTopic().run(dispatcher, tracker, domain)
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_source_passage"
    assert "private economic actors" in message["passage"]
    assert SlotSet("topic", "levers") in events

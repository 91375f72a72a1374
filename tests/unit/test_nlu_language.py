"""The bilingual tokenizer and the language router, on real Rasa `Message` objects."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.language import BilingualTokenizer, LanguageRouter, requested_language


@pytest.fixture
def components(tmp_path):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = BilingualTokenizer.create(
        {**BilingualTokenizer.get_default_config()}, storage, Resource("tok"), context
    )
    router = LanguageRouter.create({}, storage, Resource("router"), context)
    return tokenizer, router


def parse(components, text: str, intent: str) -> Message:
    tokenizer, router = components
    message = Message({TEXT: text})
    tokenizer.process([message])
    message.set(INTENT, {"name": intent, "confidence": 0.9}, add_to_output=True)
    router.process([message])
    return message


def languages(message: Message):
    return [e["value"] for e in message.get(ENTITIES, []) if e["entity"] == "language"]


def test_tokenizer_uses_the_rules_of_the_detected_language(components):
    tokenizer, _ = components
    english = Message({TEXT: "what's your mission? I don't know it"})
    tokenizer.process([english])
    assert [t.text for t in english.get("text_tokens")][:3] == ["what", "'s", "your"]
    dutch = Message({TEXT: "wat is jullie missie, zeg?"})
    tokenizer.process([dutch])
    assert [t.text for t in dutch.get("text_tokens")] == ["wat", "is", "jullie", "missie", "zeg"]


def test_clear_messages_get_a_language_entity(components):
    assert languages(parse(components, "what is your vision?", "ask_vision")) == ["en"]
    assert languages(parse(components, "wat is jullie visie?", "ask_vision")) == ["nl"]


def test_short_messages_get_none(components):
    assert languages(parse(components, "ok", "affirm")) == []


def test_french_goes_to_change_language(components):
    message = parse(components, "Bonjour, je voudrais faire un don s'il vous plaît", "donate")
    assert message.get(INTENT)["name"] == "change_language"
    assert languages(message) == ["fr"]


def test_change_language_takes_the_named_language_not_the_detected_one(components):
    message = parse(components, "kan je in het Engels antwoorden?", "change_language")
    assert languages(message) == ["en"]
    assert languages(parse(components, "can we speak Dutch please", "change_language")) == ["nl"]


@pytest.mark.parametrize(
    "text, code",
    [
        ("in het Engels aub", "en"),
        ("Nederlands graag", "nl"),
        ("parlez-vous français?", "fr"),
        ("switch language", None),
    ],
)
def test_requested_language(text, code):
    assert requested_language(text) == code

"""bot.nlu.places.PlaceMasker: the featurizers see `__plaats__` for a named place, and so the intent of a
question does not depend on which place it names."""

from __future__ import annotations

import random
from typing import List

import pytest
from rasa.core.channels import UserMessage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language import BilingualTokenizer
from bot.nlu.places import PLACE_TOKEN, PlaceMasker
from horizon.places import default_resolver


@pytest.fixture(scope="module")
def tokenizer() -> BilingualTokenizer:
    return BilingualTokenizer(BilingualTokenizer.get_default_config())


@pytest.fixture(scope="module")
def masker() -> PlaceMasker:
    return PlaceMasker(PlaceMasker.get_default_config())


def tokenized(tokenizer: BilingualTokenizer, text: str) -> Message:
    message = Message(data={TEXT: text})
    tokenizer.process([message])
    return message


def lemmas(message: Message) -> List[str]:
    return [token.lemma for token in message.get(TOKENS_NAMES[TEXT])]


def test_a_place_becomes_one_placeholder_and_keeps_its_text(tokenizer, masker) -> None:
    message = tokenized(tokenizer, "is er een groep in Sint-Amandsberg of in 9000?")
    texts_before = [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])]
    masker.process([message])
    assert [(t.text, t.start, t.end) for t in message.get(TOKENS_NAMES[TEXT])] == texts_before
    assert lemmas(message).count(PLACE_TOKEN) == 2  # Sint-Amandsberg once, 9000 once
    assert [lemma for lemma in lemmas(message) if lemma not in (PLACE_TOKEN, "")] == [
        "is",
        "er",
        "een",
        "groep",
        "in",
        "of",
        "in",
    ]


@pytest.mark.parametrize("text", ["wat is jullie doel?", "ik wil meer weten", "in 2030", "hallo"])
def test_words_that_are_not_places_here_stay(tokenizer, masker, text) -> None:
    message = tokenized(tokenizer, text)
    before = lemmas(message)
    masker.process([message])
    assert lemmas(message) == before and PLACE_TOKEN not in before


def test_training_examples_are_masked_too(tokenizer, masker) -> None:
    examples = [tokenized(tokenizer, "lokale groep in Kortrijk"), tokenized(tokenizer, "hoe kan ik doneren?")]
    masker.process_training_data(TrainingData(training_examples=examples))
    assert PLACE_TOKEN in lemmas(examples[0]) and PLACE_TOKEN not in lemmas(examples[1])


# --- the trained model ----------------------------------------------------------------------------------------

TEMPLATES = [
    "is er een groep in {}?",
    "zijn er initiatieven in {}?",
    "lokale groep in {}",
    "any local group near {}?",
    "welke 4de pijlerinitiatieven zijn er in {}?",
    "ik zoek een 11-groep in {}",
]


def sample_places(count: int) -> List[str]:
    """Flemish and Brussels municipalities and localities, a seeded sample: most never appear in training."""
    resolver = default_resolver()
    names = sorted(m.name_nl for m in resolver.municipalities.values() if m.region in ("VLG", "BRU"))
    names += sorted(n for n, m in resolver.localities.items() if m.region in ("VLG", "BRU") and len(n) >= 6)
    return random.Random(11).sample(names, count)


async def test_a_local_search_is_recognised_whichever_place_it_names(trained_agent) -> None:
    """Before the masker, about a quarter of such questions fell back or landed on another intent."""
    wrong = []
    for index, place in enumerate(sample_places(60)):
        text = TEMPLATES[index % len(TEMPLATES)].format(place)
        parsed = await trained_agent.processor.parse_message(UserMessage(text))
        if parsed["intent"]["name"] != "find_initiatives":
            wrong.append((text, parsed["intent"]["name"]))
    assert len(wrong) <= 2, wrong

"""`GreetingMasker`: the featurizers do not see a greeting that opens a longer message.

"Hi! What does 11.11.11 actually do?" was classified as `greet` and the question dropped. After the tokenizer,
this component blanks the lemma (which the featurizers read) of the greeting's tokens when enough words follow
(horizon/language/greetings.py), in training and at run time alike, so that the classifier judges the
question. Text, offsets and entities are untouched; a message that is only a greeting keeps its lemmas.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.component import StatelessComponent
from horizon.language.greetings import greeting_length


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class GreetingMasker(StatelessComponent):
    """Blanks the lemmas of a greeting that opens a message with a question of its own."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            mask_greeting(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            mask_greeting(message)
        return messages


def mask_greeting(message: Message) -> None:
    tokens = message.get(TOKENS_NAMES[TEXT])
    if not tokens:
        return
    for token in tokens[: greeting_length([t.text for t in tokens])]:
        token.lemma = ""

"""NLU components that make the assistant bilingual in one model.

`BilingualTokenizer` detects each message's language once and tokenises it with spaCy's rules for that
language (Dutch by default). `LanguageRouter`, placed after the intent classifiers, turns that detection
into a `language` entity for the `language` slot, reads an explicitly requested language in
`change_language`, and routes French messages to `change_language` so that a French speaker is pointed to
CNCD-11.11.11 whatever they asked.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.component import StatelessComponent
from horizon.language.detection import detect_language

DETECTED_LANGUAGE = "detected_language"
LANGUAGE_ENTITY = "language"
CHANGE_LANGUAGE = "change_language"

# Names of languages as people write them when they ask to switch.
LANGUAGE_NAMES = {
    "en": ("engels", "english", "anglais", "engelstalig"),
    "nl": ("nederlands", "dutch", "vlaams", "flemish", "néerlandais", "neerlandais", "nederlandstalig"),
    "fr": ("frans", "french", "français", "francais", "franstalig"),
}
_LANGUAGE_NAME = re.compile(
    r"\b(" + "|".join(n for names in LANGUAGE_NAMES.values() for n in names) + r")\b", re.IGNORECASE
)


@functools.cache
def _spacy_tokenizer(language: str) -> spacy.language.Language:
    return spacy.blank(language)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class BilingualTokenizer(Tokenizer):
    """Tokenises with spaCy's Dutch or English rules, by the message's detected language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "default_language": "nl",
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualTokenizer:
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute)
        if attribute == TEXT:
            if message.get(DETECTED_LANGUAGE) is None:
                message.set(DETECTED_LANGUAGE, detect_language(text) or "", add_to_output=False)
            language = message.get(DETECTED_LANGUAGE)
        else:
            language = ""
        if language not in ("nl", "en"):
            language = self._config["default_language"]
        doc = _spacy_tokenizer(language).make_doc(text)
        tokens = [Token(t.text, t.idx) for t in doc if not t.is_space and not t.is_punct]
        if not tokens:
            tokens = [Token(text, 0)]
        return self._apply_token_pattern(tokens)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageRouter(StatelessComponent):
    """Adds the `language` entity and sends French messages to `change_language`."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._route(message)
        return messages

    def _route(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        detected = message.get(DETECTED_LANGUAGE)  # "" when the tokenizer found no clear language
        if detected is None:  # a message that did not pass through BilingualTokenizer
            detected = detect_language(text)
        intent = (message.get(INTENT) or {}).get("name")
        if intent == CHANGE_LANGUAGE:
            requested = requested_language(text)
            if requested:
                self._add_entity(message, requested, text)
            return
        if detected == "fr":
            self._set_intent(message, CHANGE_LANGUAGE)
            self._add_entity(message, "fr", text)
        elif detected in ("nl", "en"):
            self._add_entity(message, detected, text)

    @staticmethod
    def _add_entity(message: Message, language: str, text: str) -> None:
        match = _LANGUAGE_NAME.search(text)
        start, end = (match.start(), match.end()) if match else (0, len(text))
        entity = {
            "entity": LANGUAGE_ENTITY,
            "value": language,
            "start": start,
            "end": end,
            "confidence": 1.0,
            "extractor": LanguageRouter.__name__,
        }
        others = [e for e in message.get(ENTITIES, []) if e.get("entity") != LANGUAGE_ENTITY]
        message.set(ENTITIES, others + [entity], add_to_output=True)

    @staticmethod
    def _set_intent(message: Message, name: str) -> None:
        message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
        ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r.get("name") != name]
        message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}] + ranking, add_to_output=True)


def requested_language(text: str) -> Optional[str]:
    """The language a person names when asking to switch ("kan het in het Engels?" -> 'en')."""
    match = _LANGUAGE_NAME.search(text)
    if not match:
        return None
    word = match.group(1).lower()
    return next(code for code, names in LANGUAGE_NAMES.items() if word in names)

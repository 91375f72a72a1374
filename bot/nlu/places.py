"""`PlaceEntityExtractor`: a `location` entity for every Belgian place named in a message.

Why a component and not trained examples: DIET only learns the names it saw, and Belgium has 565
municipalities, 1,149 postcodes, exonyms and the names merged away in 2025. This component needs no
training data: it builds a spaCy `PhraseMatcher` (attr LOWER, on accent-folded words, so "Liège",
"LIEGE" and "liege" match alike) once from every key of the reference tables
(`horizon.places.PlaceResolver.phrases()`), and lets the resolver decide what each match means
and whether it counts (an everyday word such as "as" or "landen" needs a place cue; a year is not a
postcode). The matcher is built in `create`, so once per loaded model.

Entity produced (one per place, longest match wins, in order)::

    {"entity": "location", "value": "municipality:44021", "text": "Gent", "start": 21, "end": 25,
     "confidence": 1.0, "extractor": "PlaceEntityExtractor"}

`value` is canonical and `PlaceResolver.resolve(value)` turns it back into the typed result:
"municipality:<REFNIS>" (name or exonym), "merger:<old name>" (a municipality merged on
1 January 2025: the action can say "Kruibeke is now Beveren-Kruibeke-Zwijndrecht"),
"postcode:<code>" (one municipality, or several for 1040, 1050, 1804: the action asks which),
"province:<ISO code>" (VOV, VLI, ...) or "region:<code>" (VLG, WAL, BRU; "Brussel" is the region).
Typos are not guessed here: the action calls `PlaceResolver.resolve(text)` for a suggestion.

Config: `entity` (default "location"), `reference_dir` (default: the repository's data/reference),
`replace_other_extractors` (default true: drops another extractor's overlapping `location` entity, so
a DIET guess never competes with the table).

`PlaceMasker` (before the featurizers): the featurizers see one token, `__plaats__`, where a message names
a place. Why: DIET learned its intents partly from the place names of its training examples, so a
question about a place it never saw ("is er een groep in Wilrijk?") could fall below the fallback
threshold or land on another intent. The tokens keep their text and offsets; only the lemma, which the
featurizers read, changes.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TEXT,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.component import StatelessComponent
from horizon.places import Mention
from horizon.places.finder import PLACE_TOKEN, place_finder


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class PlaceMasker(StatelessComponent):
    """Replaces, for the featurizers, the words of each place named by `__plaats__` (see the module doc)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"reference_dir": None}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._finder = place_finder(config.get("reference_dir"))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._mask(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._mask(message)
        return messages

    def _mask(self, message: Message) -> None:
        tokens = message.get(TOKENS_NAMES[TEXT])
        text = message.get(TEXT)
        if not tokens or not text:
            return
        for mention in self._finder.mentions(text):
            inside = [t for t in tokens if t.start >= mention.start and t.end <= mention.end]
            for index, token in enumerate(inside):  # "Sint-Niklaas": one placeholder, not two
                token.lemma = PLACE_TOKEN if index == 0 else ""


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PlaceEntityExtractor(StatelessComponent, EntityExtractorMixin):
    """Finds municipalities, postcodes, provinces and regions from the reference table."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"entity": "location", "reference_dir": None, "replace_other_extractors": True}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._entity = config["entity"]
        self._replace = bool(config["replace_other_extractors"])
        self._finder = place_finder(config.get("reference_dir"))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._extract(message)
        return messages

    def mentions(self, text: str) -> Tuple[Mention, ...]:
        return self._finder.mentions(text)

    def _extract(self, message: Message) -> None:
        found = self.mentions(message.get(TEXT) or "")
        if not found:
            return
        entities = self.add_extractor_name([self._entity_dict(m) for m in found])
        existing = message.get(ENTITIES, [])
        if self._replace:
            existing = [e for e in existing if not self._overlaps_ours(e, found)]
        message.set(ENTITIES, existing + entities, add_to_output=True)

    def _entity_dict(self, mention: Mention) -> Dict[Text, Any]:
        return {
            ENTITY_ATTRIBUTE_TYPE: self._entity,
            ENTITY_ATTRIBUTE_VALUE: mention.value,
            ENTITY_ATTRIBUTE_TEXT: mention.text,
            ENTITY_ATTRIBUTE_START: mention.start,
            ENTITY_ATTRIBUTE_END: mention.end,
            ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
        }

    def _overlaps_ours(self, entity: Dict[Text, Any], found: Sequence[Mention]) -> bool:
        if entity.get(ENTITY_ATTRIBUTE_TYPE) != self._entity or entity.get(EXTRACTOR) == self.name:
            return False
        start, end = entity.get(ENTITY_ATTRIBUTE_START, -1), entity.get(ENTITY_ATTRIBUTE_END, -1)
        return any(start < m.end and m.start < end for m in found)

"""The strategy topics the assistant explains: short answers (responses) and the deeper material.

A deeper answer is given one part at a time ("tell me more" → the next part): a part is either a passage
of the strategy text, quoted by position so it always matches the source, or a response built from
facts.md for topics the strategy text only mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

TOPIC_BY_INTENT = {
    "ask_organisation": "organisation",
    "ask_vision": "vision",
    "ask_mission": "mission",
    "ask_solidarity": "solidarity",
    "ask_values": "values",
    "ask_levers": "levers",
    "ask_manifest": "manifest",
    "ask_fourth_pillar": "fourth_pillar",
}

# Sub-topics that can be asked about one by one, with their passage in the section.
VALUES = {"dignity": 1, "connection": 2, "equality": 3, "integrity": 4}
SOLIDARITY_ASPECTS = {"redistribution": 0, "political": 1, "taking_sides": 2, "reciprocity": 3, "generations": 4}


@dataclass(frozen=True)
class Quote:
    section: str
    index: int


@dataclass(frozen=True)
class FactsResponse:
    response: str


Part = Union[Quote, FactsResponse]


def _quotes(section: str, *indexes: int) -> Tuple[Quote, ...]:
    return tuple(Quote(section, i) for i in indexes)


DEEPER: Dict[str, Tuple[Part, ...]] = {
    "organisation": (Quote("intro", 0), Quote("levers", 0), FactsResponse("utter_more_organisation")),
    "vision": _quotes("vision", 0, 1, 2),
    "mission": _quotes("mission", 0, 1),
    "solidarity": _quotes("solidarity", 0, 1, 2, 3, 4),
    "values": _quotes("values", 0, 1, 2, 3, 4),
    "levers": _quotes("levers", 0, 1, 2, 3, 4),
    "manifest": _quotes("manifest", 0, 1) + (FactsResponse("utter_more_manifest"),),
    "fourth_pillar": (Quote("intro", 0), FactsResponse("utter_more_fourth_pillar")),
    **{f"values/{name}": _quotes("values", i) for name, i in VALUES.items()},
    **{f"solidarity/{name}": _quotes("solidarity", i) for name, i in SOLIDARITY_ASPECTS.items()},
}


def topic_for(intent: str, value_name: Optional[str], solidarity_aspect: Optional[str]) -> Optional[str]:
    """The topic key for a strategy question, narrowed to one value or aspect when one is named."""
    topic = TOPIC_BY_INTENT.get(intent)
    if topic == "values" and value_name in VALUES:
        return f"values/{value_name}"
    if topic == "solidarity" and solidarity_aspect in SOLIDARITY_ASPECTS:
        return f"solidarity/{solidarity_aspect}"
    return topic


def short_answer(topic: str) -> str:
    """The response with the short answer for a topic key."""
    if "/" in topic:
        section, name = topic.split("/")
        return f"utter_{'value' if section == 'values' else 'solidarity'}_{name}"
    return f"utter_topic_{topic}"


def step_after(section: str, index: int) -> Tuple[str, int]:
    """The topic and step that continue after a passage found by search (for "tell me more")."""
    parts = DEEPER.get(section, ())
    for step, part in enumerate(parts):
        if part == Quote(section, index):
            return section, step + 1
    return section, len(parts)

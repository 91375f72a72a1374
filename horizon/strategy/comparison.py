"""Comparisons ("wat is het verschil tussen visie en missie?"): which subjects a question puts side by side.

A comparison is answered by answering each side, in the order the question names them: a strategy topic by
its short answer, an organisation's fact by the fact (horizon/facts.py), a way to get involved by its
answer. Subjects are recognised by the words people use for them in Dutch and English, also where the
strategy text uses others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Pattern, Tuple

COMPARISON = re.compile(
    r"verschil|verschill|onderscheid|versus|\bvs\.?\b|tegenover|hetzelfde|verhoudt|verband|"
    r"differ|distinguish|\bsame\b|relate|\blink\b|compared?|\bor\b.*\?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Side:
    """One subject of a comparison: answered by a response (``response``) or by a fact (``fact``)."""

    name: str
    response: Optional[str] = None
    fact: Optional[str] = None


def _side(
    pattern: str, name: str, response: Optional[str] = None, fact: Optional[str] = None
) -> Tuple[Pattern[str], Side]:
    return re.compile(pattern, re.IGNORECASE), Side(name, response, fact)


SUBJECTS: Tuple[Tuple[Pattern[str], Side], ...] = (
    _side(r"\bvisie\b|\bvision\b", "vision", "utter_topic_vision"),
    _side(r"\bmissie\b|\bmission\b", "mission", "utter_topic_mission"),
    _side(r"evenwaardigheid|\bequality\b", "equality", "utter_value_equality"),
    _side(r"(?<!even)waardigheid\b|\bdignity\b", "dignity", "utter_value_dignity"),
    _side(r"integriteit|integrity", "integrity", "utter_value_integrity"),
    _side(r"verbinding|connection", "connection", "utter_value_connection"),
    _side(r"herverdeling|redistribution", "redistribution", "utter_solidarity_redistribution"),
    _side(r"wederkerigheid|reciprocity", "reciprocity", "utter_solidarity_reciprocity"),
    _side(r"\bwaarden\b|\bvalues\b", "values", "utter_topic_values"),
    _side(r"hefbo|\blevers?\b", "levers", "utter_topic_levers"),
    _side(r"manifest", "manifest", "utter_topic_manifest"),
    _side(r"steunpunt|support cent", "support_centre", fact="support_centre"),
    _side(r"pijlerpanel|\bpanel\b|fonds|\bfund\b", "fund", fact="fund"),
    _side(
        r"(4de|vierde|fourth) ?pijler|fourth pillar|(eerste|1ste|first) (pijler|pillar)|\bngos?\b",
        "fourth_pillar",
        "utter_topic_fourth_pillar",
    ),
    _side(r"11-groep|lokale groep|local group|comit", "local_groups", fact="local_groups"),
    _side(r"cncd", "cncd", fact="cncd"),
    _side(r"(?<![-\w])11\.11\.11(?![-\w])", "organisation", "utter_topic_organisation"),
    _side(r"solidariteit|solidarity", "solidarity", "utter_topic_solidarity"),
    _side(r"campagne|campaign|november", "campaign", "utter_ask_campaign"),
    _side(r"doneren|donat|\bgift|\bgeven\b|\bdonate\b", "donate", "utter_donate"),
    _side(r"vrijwillig|volunteer", "volunteer", "utter_volunteer"),
)
# A subject inside another's words is not a side of its own ("4de Pijlersteunpunt" is no "4de Pijler").
CONTAINED = {"support_centre": ("fourth_pillar",), "fund": ("fourth_pillar",)}


def sides(question: str) -> List[Side]:
    """The subjects a comparison names, in the order it names them; [] when it is no comparison."""
    if not COMPARISON.search(question):
        return []
    found: List[Tuple[int, Side]] = []
    for pattern, side in SUBJECTS:
        match = pattern.search(question)
        if match:
            found.append((match.start(), side))
    names = {side.name for _, side in found}
    hidden = {other for name in names for other in CONTAINED.get(name, ())}
    ordered = [side for _, side in sorted(found, key=lambda pair: pair[0]) if side.name not in hidden]
    return ordered[:3]

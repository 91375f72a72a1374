"""Conversation tests as data: multi-turn conversations with the real servers, grouped by the kind of repair.

Each file of tests/conversations/ holds one kind (corrections, digressions, cancellations, mixed messages,
language switches, follow-ups, ...). A conversation is a list of turns; each turn sends one message (text or
a button payload) over the REST webhook and judges that turn's answer with the same expectations as the
useful-answer rate (tests/support/answers.py: ``any``, ``all``, ``did``, ``never``), plus:

- ``none``: none of these phrases occurs in this turn's text;
- ``slots``: the value of these slots after the turn (``null`` for unset; for a dict slot, only the keys
  named are compared);
- ``language``: shorthand for ``slots: {language: ...}``.

A conversation that does not work yet stays in its file with ``known_failure: <why>``: the test is then
expected to fail (pytest xfail, strict), so a failing case stays visible and a fixed one must lose its marker.

    kind: follow-ups
    conversations:
      - name: a theme narrows the running search
        turns:
          - say: "zijn er groepen in Brugge?"
            did: [action_search_initiatives]
          - say: "en iets rond klimaat?"
            all: ["Brugge", "klimaat"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from horizon.paths import ROOT
from horizon.text import fold
from tests.support.answers import Case, judge, names_in
from tests.support.rest import Conversation

CONVERSATIONS = ROOT / "tests" / "conversations"
_EXPECTATIONS = ("any", "all", "did", "never")


@dataclass(frozen=True)
class Turn:
    say: str
    case: Case
    none: Tuple[str, ...] = ()
    slots: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Script:
    """One conversation of one kind."""

    kind: str
    name: str
    turns: Tuple[Turn, ...]
    known_failure: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None

    @property
    def id(self) -> str:
        return f"{self.kind}: {self.name}"


def _turn(kind: str, item: Dict[str, Any]) -> Turn:
    slots = dict(item.get("slots") or {})
    if "language" in item:
        slots["language"] = item["language"]
    case = Case(kind, item["say"], **{key: tuple(item.get(key) or ()) for key in _EXPECTATIONS})
    return Turn(item["say"], case, tuple(item.get("none") or ()), slots)


def load_scripts(folder: Path = CONVERSATIONS) -> List[Script]:
    """Every conversation of every file in ``folder``."""
    scripts = []
    for path in sorted(folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in content["conversations"]:
            turns = tuple(_turn(content["kind"], turn) for turn in item["turns"])
            scripts.append(
                Script(content["kind"], item["name"], turns, item.get("known_failure"), item.get("metadata"))
            )
    return scripts


def matches(value: Any, wanted: Any) -> bool:
    """A slot's value is as wanted; for a dict (such as ``initiative_search``), the keys named are enough."""
    if isinstance(wanted, dict) and isinstance(value, dict):
        return all(matches(value.get(key), item) for key, item in wanted.items())
    return bool(value == wanted)


def play(bot: Any, script: Script) -> List[str]:
    """Plays the conversation with a new sender; returns what went wrong, turn by turn (empty when all held)."""
    chat = Conversation(bot, metadata=script.metadata)
    seen = 0
    problems = []
    for number, turn in enumerate(script.turns, start=1):
        answer = "\n".join(m.get("text", "") for m in chat.say(turn.say))
        tracker = chat.tracker()
        events = tracker["events"]
        outcome = judge(turn.case, answer, names_in(events[seen:]))
        seen = len(events)
        reasons = list(outcome.reasons)
        folded = fold(answer).lower()
        reasons += [f"{p!r} in the answer" for p in turn.none if fold(p).lower() in folded]
        for slot, wanted in turn.slots.items():
            value = tracker.get("slots", {}).get(slot)
            if not matches(value, wanted):
                reasons.append(f"slot {slot} is {value!r}, not {wanted!r}")
        if reasons:
            shown = " ".join(answer.split())[:200]
            problems.append(f"turn {number} {turn.say!r}: {'; '.join(reasons)} → {shown!r}")
    return problems

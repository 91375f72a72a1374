"""The useful-answer rate: realistic questions, each sent as a new conversation to the real servers.

The labelled questions live in tests/answers/*.yml, one file per category, written apart from the training
data (tests/evaluation_overlap.py checks that none repeats a training example). Each question says what a
useful answer must contain or do; a question passes when every one of its expectations holds:

- ``any``: at least one of these phrases occurs in the bot's text (case and accents folded);
- ``all``: every one of these phrases occurs;
- ``did``: at least one of these actions ran or responses were sent (names from the tracker);
- ``never``: none of these actions ran or responses were sent. ``action_forget_me`` is never allowed for a
  single message: nothing is erased before the person confirmed.

    python -m tests.support.answers            # starts the servers, prints the rate per category
"""

from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from horizon.paths import ROOT
from horizon.text import fold
from tests.support.rest import Conversation

ANSWERS = ROOT / "tests" / "answers"
ALWAYS_NEVER = ("action_forget_me",)


@dataclass(frozen=True)
class Case:
    """One labelled question and what its answer must contain or do."""

    category: str
    text: str
    any: Tuple[str, ...] = ()
    all: Tuple[str, ...] = ()
    did: Tuple[str, ...] = ()
    never: Tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    passed: bool
    reasons: List[str] = field(default_factory=list)
    answer: str = ""


def load_cases(folder: Path = ANSWERS) -> List[Case]:
    """Every question of every file in ``folder``."""
    cases = []
    for path in sorted(folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in content["questions"]:
            cases.append(
                Case(
                    category=content["category"],
                    text=item["q"],
                    **{key: tuple(item.get(key) or ()) for key in ("any", "all", "did", "never")},
                )
            )
    return cases


def names_in(events: Sequence[Dict[str, Any]]) -> List[str]:
    """The actions that ran and the responses that were sent, in order."""
    found = []
    for event in events:
        if event.get("event") == "action":
            found.append(event.get("name") or "")
        elif event.get("event") == "bot":
            found.append((event.get("metadata") or {}).get("utter_action") or "")
    return [name for name in found if name]


def judge(case: Case, answer: str, names: Sequence[str]) -> Outcome:
    """Whether an answer (its text and the names of what ran) meets the case's expectations."""
    text = fold(answer).lower()
    reasons = []
    if case.any and not any(fold(p).lower() in text for p in case.any):
        reasons.append(f"none of {list(case.any)} in the answer")
    missing = [p for p in case.all if fold(p).lower() not in text]
    if missing:
        reasons.append(f"{missing} not in the answer")
    if case.did and not set(case.did) & set(names):
        reasons.append(f"none of {list(case.did)} ran")
    forbidden = sorted((set(case.never) | set(ALWAYS_NEVER)) & set(names))
    if forbidden:
        reasons.append(f"{forbidden} ran")
    return Outcome(case, not reasons, reasons, answer)


def ask(bot: Any, case: Case) -> Outcome:
    """Sends the question as the first message of a new conversation and judges the answer."""
    chat = Conversation(bot)
    answer = "\n".join(m.get("text", "") for m in chat.say(case.text))
    return judge(case, answer, names_in(chat.tracker()["events"]))


def rates(outcomes: Sequence[Outcome]) -> Dict[str, float]:
    """The useful-answer rate per category and overall (key ``overall``)."""
    by_category: Dict[str, List[bool]] = defaultdict(list)
    for outcome in outcomes:
        by_category[outcome.case.category].append(outcome.passed)
    result = {category: sum(passed) / len(passed) for category, passed in sorted(by_category.items())}
    result["overall"] = sum(o.passed for o in outcomes) / max(len(outcomes), 1)
    return result


def report(outcomes: Sequence[Outcome]) -> str:
    """The failures with what was wrong, then the rate per category."""
    lines = []
    for outcome in outcomes:
        if not outcome.passed:
            answer = " ".join(outcome.answer.split())[:160]
            lines.append(f"FAIL [{outcome.case.category}] {outcome.case.text!r}: {'; '.join(outcome.reasons)}")
            lines.append(f"     → {answer!r}")
    counts: Dict[str, List[bool]] = defaultdict(list)
    for outcome in outcomes:
        counts[outcome.case.category].append(outcome.passed)
    for category, value in rates(outcomes).items():
        passed = counts[category] if category != "overall" else [o.passed for o in outcomes]
        lines.append(f"{category:14} {value:.3f}  ({sum(passed)}/{len(passed)})")
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Starts isolated servers (as the e2e suite does), asks every question and prints the report."""
    from bot.servers import Servers, free_port, isolated_env, seed_sample_data

    with tempfile.TemporaryDirectory() as folder:
        runtime = Path(folder)
        env = isolated_env(runtime)
        seed_sample_data(env)
        servers = Servers(runtime=runtime, port=free_port(), actions_port=free_port(), env=env, token="answers")
        servers.start()
        try:
            outcomes = [ask(servers, case) for case in load_cases()]
        finally:
            servers.stop()
    print(report(outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

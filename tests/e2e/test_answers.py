"""The useful-answer rate (issue 16): every labelled question of tests/answers as a new conversation with the
real servers. Fails below 0.9 overall or 0.8 in any category; prints the figures and every failure."""

from __future__ import annotations

from typing import Any

from horizon.paths import ROOT
from tests.support.answers import ask, load_cases, rates, report

MIN_OVERALL, MIN_CATEGORY = 0.9, 0.8


def test_the_useful_answer_rate(running_bot: Any) -> None:
    cases = load_cases()
    assert len(cases) >= 200 and {c.category for c in cases} >= {
        "strategy", "facts", "involvement", "privacy", "comparisons", "out_of_scope"
    }  # fmt: skip
    outcomes = [ask(running_bot, case) for case in cases]
    figures = rates(outcomes)
    print("\n" + report(outcomes))
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "answers.txt").write_text(report(outcomes) + "\n", encoding="utf-8")  # the figures
    assert figures["overall"] >= MIN_OVERALL, report(outcomes)
    low = {name: value for name, value in figures.items() if value < MIN_CATEGORY}
    assert not low, report(outcomes)

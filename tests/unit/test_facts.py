"""The organisation's facts (data/source/facts.md): parsed into sourced passages, found by free questions in
Dutch and English, never stretched (issue 16)."""

from __future__ import annotations

import pytest

from horizon import facts


def test_every_fact_of_the_organisation_is_read_with_its_source() -> None:
    keys = [f.key for f in facts.facts()]
    assert len(keys) == len(set(keys)) == len(facts.TOPICS)
    assert facts.fact("slogan").source.startswith("De Standaard, 2023-01-28")
    assert facts.fact("partners").source == "https://www.11.be/wat-is-11-11-11/feiten-en-cijfers/faq"
    assert all("Belgium has 565 municipalities" not in f.text for f in facts.facts())  # a developer's note


def test_what_facts_md_says_not_to_claim_stays_unclaimed() -> None:
    donations = facts.fact("donations")
    assert "tax certificates was not found" in donations.text and "do not claim" not in donations.text
    assert "General Belgian rule" in donations.text  # the caveat stays with the fact, not cut off as its source


@pytest.mark.parametrize(
    "question, language, key",
    [
        ("Wat is jullie telefoonnummer?", "nl", "identity"),
        ("Waar is jullie kantoor?", "nl", "identity"),
        ("Where can I find your headquarters?", "en", "identity"),
        ("In welke landen werken jullie?", "nl", "partners"),
        ("Do you work in Bolivia?", "en", "partners"),
        ("Wat is een 11-groep?", "nl", "local_groups"),
        ("How many local groups are there?", "en", "local_groups"),
        ("Hoeveel vrijwilligers hebben jullie?", "nl", "volunteers"),
        ("Wat staat er in het handvest?", "nl", "charter"),
        ("What's the slogan of 11.11.11?", "en", "slogan"),
        ("Hoeveel geeft het fonds per project?", "nl", "fund"),
        ("Is there a French-speaking counterpart?", "en", "cncd"),
    ],
)
def test_a_free_question_finds_its_fact(question: str, language: str, key: str) -> None:
    found = facts.answer(question, language)
    assert found is not None and found.key == key


@pytest.mark.parametrize(
    "question, language",
    [
        ("Who funds you?", "en"),
        ("Wat doen jullie met mijn geld?", "nl"),
        ("Hoeveel verdient de directeur?", "nl"),
        ("Geef me een recept voor soep", "nl"),
        ("What's the weather like?", "en"),
    ],
)
def test_what_no_fact_answers_gets_no_fact(question: str, language: str) -> None:
    assert facts.answer(question, language) is None

"""Follow-ups refine the running search and keep what they do not change (issue 11)."""

from __future__ import annotations

import pytest

from horizon.initiatives.refinement import is_refinement, refined
from horizon.initiatives.search_terms import SearchTerms, find_terms


@pytest.mark.parametrize(
    "text, names_place",
    [
        ("en iets rond onderwijs?", False),
        ("and in Leuven?", True),
        ("alleen 11-groepen", False),
        ("only fourth pillar initiatives please", False),
        ("how about near Mechelen", True),
        ("gezondheid?", False),
    ],
)
def test_elliptic_messages_that_name_a_filter_or_place_refine(text: str, names_place: bool) -> None:
    assert is_refinement(text, find_terms(text), names_place)


@pytest.mark.parametrize(
    "text, names_place",
    [
        ("wat doen jullie rond klimaat?", False),  # a question of its own
        ("zijn er groepen in Gent die iets rond water doen?", True),
        ("en wat is jullie missie?", False),  # names nothing to search by
        ('/find_initiatives{"location": "municipality:44021"}', True),
    ],
)
def test_full_questions_and_payloads_do_not(text: str, names_place: bool) -> None:
    assert not is_refinement(text, find_terms(text), names_place)


def test_a_refinement_keeps_what_it_does_not_change() -> None:
    before = SearchTerms(theme="climate", country="PE", type=None)
    assert refined(before, SearchTerms(type="fourth_pillar")) == SearchTerms("climate", "PE", "fourth_pillar")
    assert refined(before, SearchTerms(theme="water")) == SearchTerms("water", "PE", None)
    assert refined(before, SearchTerms()) == before


def test_the_previous_answer_is_read_from_before_the_latest_message() -> None:
    from rasa_sdk import Tracker

    from actions.conversation import previous_action

    events = [
        {"event": "user", "text": "zijn er groepen in Brugge?"},
        {"event": "action", "name": "action_find_initiatives"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "en iets rond klimaat?"},
        {"event": "action", "name": "action_extract_slots"},
    ]
    tracker = Tracker("t", {}, events[-2], events, False, None, {}, "action_listen")
    assert previous_action(tracker) == "action_find_initiatives"
    assert previous_action(Tracker("t", {}, {}, events[:1], False, None, {}, "action_listen")) is None

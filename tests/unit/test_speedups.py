"""bot.speedups: the fixes accept and refuse exactly what Rasa's own code does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.utils.endpoints import EndpointConfig

from bot.speedups import _EVENT_CLASSES, resolve_event_class, validate_action_result

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"response": "utter_greet"}]},
]
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}], "responses": []},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize("result", VALID)
def test_accepts_what_rasa_accepts(action, result):
    assert RemoteAction._validate_action_result(action, result)
    assert validate_action_result(action, result)


@pytest.mark.parametrize("result", INVALID)
def test_refuses_what_rasa_refuses_with_the_same_message(action, result):
    with pytest.raises(ValidationError) as stock:
        RemoteAction._validate_action_result(action, result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(action, result)
    assert ours.value.message == stock.value.message


# --- the remembered event classes -----------------------------------------------------------------------

EVENT_NAMES = ["user", "bot", "action", "slot", "session_started", "active_loop", "reset_slots", "followup"]


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_event_classes_are_the_ones_rasa_finds(name):
    assert resolve_event_class(name) is Event.resolve_by_type(name)
    assert resolve_event_class(name) is resolve_event_class(name)


def test_an_unknown_event_name_fails_as_in_rasa_and_is_not_remembered():
    with pytest.raises(ValueError) as stock:
        Event.resolve_by_type("no_such_event")
    with pytest.raises(ValueError) as ours:
        resolve_event_class("no_such_event")
    assert str(ours.value) == str(stock.value)
    assert resolve_event_class("no_such_event", default=UserUttered) is UserUttered
    assert resolve_event_class("topic") is None  # Rasa's backwards compatibility for old TopicSet events
    assert "no_such_event" not in _EVENT_CLASSES and "topic" not in _EVENT_CLASSES

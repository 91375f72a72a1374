"""bot.rasa_server's precompiled validation accepts and refuses exactly what Rasa's own does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import validate_action_result

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

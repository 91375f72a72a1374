"""Three fixes for Rasa 3.6's server, each measured with py-spy under `make bench`'s load; none changes behaviour.

1. Action responses. For every answer from the action server, Rasa calls `jsonschema.validate(result,
   schema)`, which first re-validates the schema itself against the JSON Schema meta-schema: about 10 ms of
   CPU per custom action on the server's single event loop. The same schema is compiled once here;
   responses are validated exactly as before and fail with the same message.
2. Event classes. Rebuilding a tracker turns every stored event back into an object; Rasa finds each event's
   class by walking all subclasses of `Event` and calling `inspect.isabstract` on each (about 55 us per
   event, 40 events per tracker). The class found for a type name is remembered.
3. Graph runs. The model's graph runs without dask (`bot.graph_runner`), about a tenth of the CPU.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Text, Type

import rasa.core.processor
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event

from bot.graph_runner import SequentialGraphRunner

# --- 1. action responses ---------------------------------------------------------------------------------

_SPEC = RemoteAction.action_response_format_spec()
_RESPONSE_VALIDATOR = validator_for(_SPEC)(_SPEC)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result` with a precompiled validator (same schema, same errors)."""
    try:
        _RESPONSE_VALIDATOR.validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


# --- 2. event classes --------------------------------------------------------------------------------------

_resolve_event_class = Event.resolve_by_type
_EVENT_CLASSES: Dict[Text, Type[Event]] = {}


def resolve_event_class(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """`Event.resolve_by_type`, remembering the classes it found; misses and errors still go to Rasa's."""
    found = _EVENT_CLASSES.get(type_name)
    if found is None:
        found = _resolve_event_class(type_name, default)
        if found is not None and found is not default:
            _EVENT_CLASSES[type_name] = found
    return found


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_class)
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # the class the processor loads models with

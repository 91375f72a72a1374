"""Four fixes for Rasa 3.6's server, each measured with py-spy under `make bench`'s load; none changes behaviour.

1. Action responses. For every answer from the action server, Rasa calls `jsonschema.validate(result,
   schema)`, which first re-validates the schema itself against the JSON Schema meta-schema: about 10 ms of
   CPU per custom action on the server's single event loop. The same schema is compiled once here;
   responses are validated exactly as before and fail with the same message.
2. Event classes. Rebuilding a tracker turns every stored event back into an object; Rasa finds each event's
   class by walking all subclasses of `Event` and calling `inspect.isabstract` on each (about 55 us per
   event, 40 events per tracker). The class found for a type name is remembered.
3. Graph runs. The model's graph runs without dask (`bot.graph_runner`), about a tenth of the CPU.
4. Connections. `EndpointConfig.request` (every custom action call) opened a new aiohttp session, so a new
   TCP connection, per request. Each endpoint now keeps one session per event loop, with keep-alive:
   0.17 ms less CPU per action call (0.47 -> 0.29 ms, measured in isolation), and the action server no
   longer accepts a connection per call.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import Any, Dict, Optional, Set, Text, Type

import aiohttp
import rasa.core.processor
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

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


# --- 4. connections ----------------------------------------------------------------------------------------

# Idle connections are closed after this long: below the keep-alive timeout of Sanic (5 s), which serves the
# actions, so that a request is never sent on a connection the server is closing.
KEEPALIVE_S = 2.0


class KeptSession:
    """Used as Rasa uses `EndpointConfig.session()`, in `async with`, but leaves the session open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> None:
        return None


_OPEN: Set[aiohttp.ClientSession] = set()  # strong: a session must be closed, not collected, to free its socket


def kept_session(self: EndpointConfig) -> KeptSession:
    """`EndpointConfig.session`: the same headers, auth and timeout, one session per endpoint and loop."""
    loop = asyncio.get_running_loop()
    per_loop = self.__dict__.setdefault("_kept_sessions", weakref.WeakKeyDictionary())
    session = per_loop.get(loop)
    if session is None or session.closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
        )
        per_loop[loop] = session
        _OPEN.add(session)
    return KeptSession(session)


async def close_sessions() -> None:
    """Closes the kept sessions of the running loop (tests; a server's are closed when its process ends)."""
    loop = asyncio.get_running_loop()
    for session in list(_OPEN):
        if session.closed or session._loop is loop:
            _OPEN.discard(session)
            await session.close()


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
    Event.resolve_by_type = staticmethod(resolve_event_class)
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # the class the processor loads models with
    EndpointConfig.session = kept_session

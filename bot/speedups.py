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

Each fix replaces a private part of Rasa, so `install` refuses any Rasa but the pinned one and checks that
every attribute it replaces is there before it changes anything. Each fix logs once, at its first use in a
process, "Horizon speed-up in use: <name>", so a server's log shows which are active
(tests/e2e/test_speedups_live.py reads it).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Text, Type

import aiohttp
import rasa
import rasa.core.processor
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

from bot.graph_runner import SequentialGraphRunner

logger = logging.getLogger(__name__)

#: The only Rasa these fixes were written for and measured on (requirements.txt pins it).
PINNED_RASA = "3.6.21"

RESPONSE_SCHEMA = "response schema"
EVENT_CLASSES = "event classes"
GRAPH_RUNNER = "graph runner"
KEPT_SESSIONS = "kept sessions"
_IN_USE: Set[str] = set()


def _in_use(name: str) -> None:
    """Logs, once per process and fix, that the fix is doing its work (a set look-up on later calls)."""
    if name not in _IN_USE:
        _IN_USE.add(name)
        logger.info("Horizon speed-up in use: %s", name)


# --- 1. action responses ---------------------------------------------------------------------------------


@functools.cache
def _response_validator() -> Any:
    """Rasa's response schema, compiled once (by install, after the version check)."""
    spec = RemoteAction.action_response_format_spec()
    return validator_for(spec)(spec)


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """`RemoteAction._validate_action_result` with a precompiled validator (same schema, same errors)."""
    _in_use(RESPONSE_SCHEMA)
    try:
        _response_validator().validate(result)
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


# --- 2. event classes --------------------------------------------------------------------------------------

_resolve_event_class = getattr(Event, "resolve_by_type", None)  # Rasa's own, kept before install replaces it
_EVENT_CLASSES: Dict[Text, Type[Event]] = {}


def resolve_event_class(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """`Event.resolve_by_type`, remembering the classes it found; misses and errors still go to Rasa's."""
    found = _EVENT_CLASSES.get(type_name)
    if found is None:
        found = _resolve_event_class(type_name, default)
        if found is not None and found is not default:
            _EVENT_CLASSES[type_name] = found
    else:
        _in_use(EVENT_CLASSES)
    return found


# --- 3. graph runs -------------------------------------------------------------------------------------------


class ProcessorGraphRunner(SequentialGraphRunner):
    """The runner the processor loads models with: `SequentialGraphRunner`, saying once that it runs."""

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        _in_use(GRAPH_RUNNER)
        return super().run(inputs, targets)


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
        _in_use(KEPT_SESSIONS)
    return KeptSession(session)


# --- installing -------------------------------------------------------------------------------------------


class IncompatibleRasa(RuntimeError):
    """The installed Rasa is not the one the fixes were written for: the server must not start with them."""


@dataclass(frozen=True)
class Patch:
    """One attribute of Rasa that a fix replaces, and what Rasa's own must be for the fix to fit."""

    name: str
    owner: Any  # a class, or a module
    attribute: str
    replacement: Any
    expected: str
    fits: Callable[[Any], bool] = callable

    @property
    def path(self) -> str:
        owner = getattr(self.owner, "__qualname__", None)
        module = self.owner.__module__ if owner else self.owner.__name__
        return ".".join(filter(None, (module, owner, self.attribute)))

    @property
    def applied(self) -> Any:
        """What reading the attribute gives once the fix is installed."""
        return self.replacement.__func__ if isinstance(self.replacement, staticmethod) else self.replacement


def _extended_by_our_runner(found: Any) -> bool:
    return found in SequentialGraphRunner.__bases__


PATCHES = (
    Patch(RESPONSE_SCHEMA, RemoteAction, "_validate_action_result", validate_action_result, "a method"),
    Patch(EVENT_CLASSES, Event, "resolve_by_type", staticmethod(resolve_event_class), "a static method"),
    Patch(
        GRAPH_RUNNER,
        rasa.core.processor,
        "DaskGraphRunner",
        ProcessorGraphRunner,
        "the runner class that bot.graph_runner extends",
        _extended_by_our_runner,
    ),
    Patch(KEPT_SESSIONS, EndpointConfig, "session", kept_session, "a method"),
)


def check() -> None:
    """Raises IncompatibleRasa, naming what was expected and what was found, unless every fix fits."""
    if rasa.__version__ != PINNED_RASA:
        raise IncompatibleRasa(
            f"bot.speedups patches internals of Rasa {PINNED_RASA} but found Rasa {rasa.__version__}: install the "
            f"pinned version (requirements.txt), or check each fix against this one and then change PINNED_RASA."
        )
    for patch in PATCHES:
        found = getattr(patch.owner, patch.attribute, None)
        if found is not patch.applied and (found is None or not patch.fits(found)):
            raise IncompatibleRasa(
                f"bot.speedups cannot install the {patch.name} fix: it replaces {patch.path}, {patch.expected} in "
                f"Rasa {PINNED_RASA}, but found {found!r} there."
            )


def install() -> None:
    """Installs the four fixes, or none of them if any does not fit this Rasa."""
    check()
    _response_validator()  # compiled at start, not on the first answer
    for patch in PATCHES:
        setattr(patch.owner, patch.attribute, patch.replacement)

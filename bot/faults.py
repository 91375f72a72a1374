"""A polite "try again in a moment" when a part the Rasa server depends on is away (issue 12, faults).

Action server away. Rasa 3.6's `RemoteAction.run` turns a refused or broken connection (the action server
was killed, is restarting, answers 5xx) into a `RasaException`; `MessageProcessor._run_action` logs it and
carries on with no events, so the person gets an empty reply. Here the processor's `_run_action` runs each
custom action through :func:`polite_run`, which answers such a failure with :data:`TRY_AGAIN` in the
person's language and ends the turn (`action_listen`), so that no further custom action is tried in vain and
the conversation, recorded as usual, continues once the action server is back. The slot mapping actions that
`action_extract_slots` calls are left to Rasa (it already skips them with a warning). A rejection
(`ActionExecutionRejection`) is Rasa's normal flow and passes through. The log says which action and
which kind of error, never the message.

Stores away (Redis lock store, PostgreSQL tracker store): the REST channel answers 503 with the same text
(:func:`unavailable`, bot/channels/rest.py).

The texts live here, not in the model's domain: they are answered precisely when parts of the assistant
do not work, and must not depend on a model being retrained. Like bot/handoff.py the patch replaces a
private part of Rasa, so it checks the pinned Rasa and the attribute before installing.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import types
from typing import Any, Dict, List, Optional, Text

import rasa
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.core.lock_store import LockError
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import Event, FollowupAction
from rasa.shared.exceptions import RasaException
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError

from bot.speedups import PINNED_RASA, IncompatibleRasa

logger = logging.getLogger(__name__)

TRY_AGAIN: Dict[Text, Text] = {
    "nl": "Sorry, daar loopt bij mij even iets mis. Probeer het zo meteen nog eens: ik onthoud waar we waren.",
    "en": "Sorry, something went wrong on my side just now. Please try again in a moment: I remember where we were.",
}
#: Failures of a store or a service, not of the person's message: 503, try again.
UNAVAILABLE_ERRORS = (LockError, RedisError, DBAPIError, asyncio.TimeoutError, ConnectionError, TimeoutError)
RETRY_AFTER_S = 5

_original_run_action = getattr(MessageProcessor, "_run_action", None)


def try_again(language: Optional[Text]) -> Dict[Text, Any]:
    """The polite message in `language` (en, else Dutch)."""
    return {"text": TRY_AGAIN["en" if language == "en" else "nl"]}


def tracker_language(tracker: Any) -> Text:
    """The language of the message being answered: the detection of this message (the `language` entity;
    the slot mapping that would copy it needs the action server), unless the person chose a language, else
    the `language` slot."""
    if not tracker.get_slot("language_locked") and tracker.latest_message is not None:
        for entity in tracker.latest_message.entities or []:
            if entity.get("entity") == "language" and entity.get("value") in TRY_AGAIN:
                return entity["value"]
    found = tracker.get_slot("language")
    return found if found in TRY_AGAIN else "nl"


def unavailable(error: BaseException) -> bool:
    """Whether `error` says a store or service is away (answer 503 and "try again"), not a bug."""
    seen: Optional[BaseException] = error
    while seen is not None:
        if isinstance(seen, UNAVAILABLE_ERRORS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def polite_run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    """`RemoteAction.run`; when the action server cannot be reached or fails, the polite answer instead."""
    try:
        return await RemoteAction.run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except (RasaException, asyncio.TimeoutError) as error:
        logger.warning(
            "Action server unavailable for '%s' (%s): answered 'try again'", self.name(), type(error).__name__
        )
        message = try_again(tracker_language(tracker))
        return [create_bot_utterance(message), FollowupAction(ACTION_LISTEN_NAME)]


async def run_action(self: MessageProcessor, action: Any, *args: Any, **kwargs: Any) -> bool:
    """Rasa's `_run_action`, with a custom action run through :func:`polite_run`."""
    if isinstance(action, RemoteAction):
        action = copy.copy(action)
        action.run = types.MethodType(polite_run, action)  # type: ignore[method-assign]
    assert _original_run_action is not None
    return await _original_run_action(self, action, *args, **kwargs)


def install() -> None:
    """Wraps the processor's `_run_action` (once), or refuses a Rasa it was not written for."""
    if rasa.__version__ != PINNED_RASA or _original_run_action is None:
        raise IncompatibleRasa(
            f"bot.faults wraps MessageProcessor._run_action of Rasa {PINNED_RASA}; found Rasa {rasa.__version__}"
        )
    MessageProcessor._run_action = run_action  # type: ignore[method-assign]

"""Rasa's socket.io channel, fixed for python-socketio >= 5.10 and hardened for the website widget.

Rasa 3.6.21 calls ``sio.enter_room(...)`` without ``await`` (RasaHQ/rasa#13027). Since python-socketio
5.10 that call is a coroutine, so with ``session_persistence`` the socket never joins its session's room
and no bot message reaches the browser. This subclass keeps everything else of the stock channel
(connect/JWT check, health route, credentials) and re-registers the two handlers that need changing:

- ``session_request`` awaits ``enter_room`` and only accepts well-formed session ids;
- the user-message handler checks its input (a socket may only speak for a session it joined, the text
  must be a string, metadata must be a JSON object), applies the limits of :mod:`bot.channels.limits`
  (control characters stripped, an empty or too long message and a sender over their rate get a polite
  answer instead of going to the assistant) and uses :class:`SocketIOOutput`, whose ``send_custom_json``
  emits ``{"custom": payload}`` (the stock one passes the payload as keyword arguments to ``emit``, which
  breaks on any payload without a ``data`` key).

Browsers may connect only from the origins in ``HORIZON_ALLOWED_ORIGINS`` (comma-separated; bot/servers.py
sets it, by default to the demo page's own origin), and one socket.io packet is at most 64 KB.

Load it in credentials.yml by its module path: ``bot.channels.socketio.SocketIOInput:``.
"""

import json
import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from socketio import AsyncServer

from bot.channels.limits import (
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    SLOW_DOWN,
    MessageGuard,
    clean_text,
    refusal,
    refusal_for,
    reply_language,
)

logger = logging.getLogger(__name__)

__all__ = ["MAX_MESSAGE_CHARS", "SocketIOInput", "SocketIOOutput"]

SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ALLOWED_ORIGINS = "HORIZON_ALLOWED_ORIGINS"

REFUSALS = {
    "no_session": {
        "nl": "Ik ben de draad van ons gesprek kwijt. Herlaad de pagina en probeer het opnieuw.",
        "en": "I lost track of our conversation. Please reload the page and try again.",
    },
}


class SocketIOOutput(rasa_socketio.SocketIOOutput):
    """Stock output channel with a working ``send_custom_json``."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Sends a custom payload as ``{"custom": payload}`` (e.g. result cards for the widget)."""
        await self._send_message(recipient_id, {"custom": json_message})


def valid_session_id(value: Any) -> bool:
    """Accepts the ids this channel hands out (uuid hex) and similar opaque tokens, nothing else."""
    return isinstance(value, str) and bool(SESSION_ID_PATTERN.match(value))


def parse_metadata(raw: Any) -> Dict[Text, Any]:
    """Returns the client's metadata as a dict; anything that is not a JSON object becomes ``{}``."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def lost_session(metadata: Dict[Text, Any]) -> Text:
    """The polite answer to a message for a session the socket has not joined, in the page's language."""
    language = "en" if metadata.get("language") == "en" else "nl"
    return REFUSALS["no_session"][language]


def configured_origins() -> Optional[List[Text]]:
    """HORIZON_ALLOWED_ORIGINS as a list; None (python-engineio: the server's own origin only) when unset."""
    origins = [origin.strip().rstrip("/") for origin in os.environ.get(ALLOWED_ORIGINS, "").split(",")]
    return [origin for origin in origins if origin] or None


def as_widget_message(answer: Dict[Text, Any]) -> Dict[Text, Any]:
    """A text with buttons as the stock output channel emits it (quick replies)."""
    message: Dict[Text, Any] = {"text": answer["text"]}
    if answer.get("buttons"):
        message["quick_replies"] = [
            {"content_type": "text", "title": button["title"], "payload": button["payload"]}
            for button in answer["buttons"]
        ]
    return message


class SocketIOInput(rasa_socketio.SocketIOInput):
    """socket.io input channel that works with current python-socketio (session persistence, metadata)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = MessageGuard()

    def get_output_channel(self) -> Optional[rasa_socketio.OutputChannel]:
        """Output channel for messages Rasa sends on its own (e.g. reminders, the HTTP API)."""
        if self.sio is None:
            return super().get_output_channel()
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Builds the stock blueprint, then replaces the session and message handlers."""
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the stock blueprint()
        sio.eio.cors_allowed_origins = configured_origins()
        sio.eio.max_http_buffer_size = MAX_BODY_BYTES
        sio.on("session_request", self._session_request_handler(sio), namespace=self.namespace)
        sio.on(
            self.user_message_evt,
            self._user_message_handler(sio, on_new_message),
            namespace=self.namespace,
        )
        return socketio_webhook

    def _session_request_handler(self, sio: AsyncServer) -> Callable[..., Awaitable[None]]:
        async def session_request(sid: Text, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            session_id = requested if valid_session_id(requested) else uuid.uuid4().hex
            if self.session_persistence:
                # The fix for RasaHQ/rasa#13027: enter_room is a coroutine in python-socketio >= 5.10.
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            resumed = requested == session_id
            logger.debug("Socket %s joined a %s session.", sid, "resumed" if resumed else "new")

        return session_request

    def _user_message_handler(
        self, sio: AsyncServer, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Callable[..., Awaitable[None]]:
        async def handle_message(sid: Text, data: Any = None) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message"), str):
                logger.warning("Ignored a socket.io message without text from socket %s.", sid)
                return
            metadata = parse_metadata(data.get(self.metadata_key))
            sender_id = self._sender_id(sio, sid, data.get("session_id"))
            if sender_id is None:
                await self._refuse(sio, sid, {"text": lost_session(metadata)})
                return
            request = (sio.get_environ(sid, namespace=self.namespace) or {}).get("sanic.request")
            address = (request.remote_addr or request.ip) if request is not None else sid
            text = clean_text(data["message"])
            refused = refusal_for(text)
            if await self.guard.address_wait(address) > 0 or await self.guard.sender_wait(sender_id) > 0:
                refused = SLOW_DOWN
            if refused is not None:
                app = request.app if request is not None else None
                language = await reply_language(app, sender_id, text, metadata)
                await self._refuse(sio, sid, as_widget_message(refusal(refused, language)))
                return
            await on_new_message(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return handle_message

    def _sender_id(self, sio: AsyncServer, sid: Text, session_id: Any) -> Optional[Text]:
        """The conversation a socket speaks for: its session (if it joined that room) or itself."""
        if not self.session_persistence:
            return sid
        if valid_session_id(session_id) and session_id in sio.rooms(sid, namespace=self.namespace):
            return session_id
        logger.warning("Ignored a message from socket %s for a session it has not joined.", sid)
        return None

    async def _refuse(self, sio: AsyncServer, sid: Text, message: Dict[Text, Any]) -> None:
        """Answers the one socket (not the whole session) with a polite refusal."""
        await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

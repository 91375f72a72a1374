"""What one client of a public webhook may send: body size, message and sender id length, and how often.

Every chat channel (REST, socket.io, Twilio, Telegram, Messenger, Slack) passes its input through here, so
that a hostile or broken client gets a 4xx or a polite answer and the server keeps serving everyone else.
The figures and the reasons for them are in docs/channels.md ("Limits"); the tests in
tests/unit/test_limits.py and tests/e2e/test_hostile_input.py hold them to it.

- Body: `MAX_BODY_BYTES` per webhook call (413 beyond). Sanic's own REQUEST_MAX_SIZE is global and must stay
  large for the HTTP API (`PUT /model` uploads a model), so the check is per route.
- Message: `MAX_MESSAGE_CHARS` characters after control characters are stripped; a longer one is not
  handed to the assistant: the person gets a polite answer, in their language, that it is too long. An
  empty message gets a polite "I did not get a message".
- Sender id: `MAX_SENDER_CHARS` characters of printable text (400 otherwise).
- Rate: token buckets per sender id and per client address (429 with Retry-After), in process memory or,
  with HORIZON_REDIS_URL, in Redis shared by all servers (bot/channels/memory.py).
  Loopback callers have no address bucket: behind a local reverse proxy that does not pass on the client's
  address every user would share one (tell Sanic to trust the proxy's header: docs/channels.md).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import math
import time
import unicodedata
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import yaml
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.memory import ChannelMemory, Rate, channel_memory
from bot.paths import ROOT
from horizon.language.choice import metadata_language
from horizon.language.detection import detect_language

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 128
LANGUAGE_LOOKUP_TIMEOUT_S = 2.0
RESPONSES_FILE = ROOT / "domain" / "conversation.yml"
TOO_LONG, EMPTY, SLOW_DOWN = "utter_message_too_long", "utter_message_empty", "utter_slow_down"
KEPT_CONTROLS = frozenset("\n\t")


# One person: 30 messages at once (a burst of button clicks) and 60 a minute sustained, twice the fastest
# conversation measured in tests/e2e/test_hostile_input.py. One address: 10 such people (an office or a
# school behind one NAT address) at 30 messages each, sustained 600 a minute.
SENDER_RATE = Rate(burst=30, per_minute=60)
ADDRESS_RATE = Rate(burst=300, per_minute=600)


def clean_text(text: Text) -> Text:
    """`text` without control characters (but newlines and tabs) and lone surrogates, stripped.

    NUL breaks PostgreSQL text columns, lone surrogates break UTF-8 encoding (logs, SQLite), other
    controls can forge log lines or terminal output. Every Unicode plane's real characters stay.
    """
    return "".join(
        char for char in text if char in KEPT_CONTROLS or unicodedata.category(char) not in ("Cc", "Cs")
    ).strip()


def valid_sender(sender: Any) -> bool:
    """A sender id is printable text of at most MAX_SENDER_CHARS characters (it names a conversation)."""
    return (
        isinstance(sender, str)
        and 0 < len(sender) <= MAX_SENDER_CHARS
        and sender.strip() == sender
        and all(unicodedata.category(char)[0] not in ("C", "Z") or char == " " for char in sender)
    )


def client_address(request: Request) -> Text:
    """The caller's address: the proxy's forwarded one when Sanic is told to trust it
    (FORWARDED_SECRET, REAL_IP_HEADER, PROXIES_COUNT), else the peer's."""
    return request.remote_addr or request.ip or "unknown"


def is_loopback(address: Text) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def too_many(retry_after: float) -> HTTPResponse:
    """429 with the whole seconds to wait."""
    seconds = max(1, math.ceil(retry_after))
    return response.json(
        {"error": "Too many messages: please wait a moment.", "retry_after": seconds},
        status=429,
        headers={"Retry-After": str(seconds)},
    )


def too_large() -> HTTPResponse:
    return response.json({"error": f"The request body is larger than {MAX_BODY_BYTES} bytes."}, status=413)


def bad_request(reason: Text) -> HTTPResponse:
    """400 with a fixed reason: never the input itself (no reflection of what the client sent)."""
    return response.json({"error": reason}, status=400)


@lru_cache(maxsize=1)
def refusal_responses() -> Dict[Text, Dict[Text, Dict[Text, Any]]]:
    """The channels' own answers, from the domain (utter_message_too_long, ...): response -> language ->
    {"text", "buttons"}. Dutch is the variation without a condition, English the one for language = en."""
    responses = (yaml.safe_load(RESPONSES_FILE.read_text(encoding="utf-8")) or {}).get("responses", {})
    found: Dict[Text, Dict[Text, Dict[Text, Any]]] = {}
    for name in (TOO_LONG, EMPTY, SLOW_DOWN):
        for variation in responses[name]:
            language = "en" if variation.get("condition") else "nl"
            found.setdefault(name, {})[language] = {
                "text": variation["text"],
                "buttons": variation.get("buttons", []),
            }
    return found


def refusal(name: Text, language: Text) -> Dict[Text, Any]:
    """The response `name` in `language` ("en" or anything else: Dutch)."""
    return dict(refusal_responses()[name]["en" if language == "en" else "nl"])


async def conversation_language(app: Optional[Sanic], sender_id: Text) -> Optional[Text]:
    """The conversation's `language` slot, if the server knows the conversation (None on any problem)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None) if app is not None else None
    store = getattr(agent, "tracker_store", None)
    if store is None:
        return None
    try:
        tracker = await asyncio.wait_for(store.retrieve(sender_id), LANGUAGE_LOOKUP_TIMEOUT_S)
    except Exception as error:  # noqa: BLE001 - a refusal must be answered even if the store is down
        logger.warning("Could not read a conversation's language: %s", type(error).__name__)
        return None
    found = tracker.get_slot("language") if tracker is not None else None
    return found if found in ("nl", "en") else None


async def reply_language(app: Optional[Sanic], sender_id: Text, text: Text, metadata: Any = None) -> Text:
    """The language to refuse in: the conversation's language slot, else the page's language, else what
    the text itself is written in, else Dutch."""
    page = metadata_language({"metadata": metadata if isinstance(metadata, dict) else {}})
    found = await conversation_language(app, sender_id) or page
    if found is None and text:
        detected = await asyncio.to_thread(detect_language, text[:MAX_MESSAGE_CHARS])
        found = detected if detected in ("nl", "en") else None
    return found or "nl"


def refusal_for(text: Text) -> Optional[Text]:
    """The response a cleaned message gets instead of the assistant's answer, or None to hand it on."""
    if not text:
        return EMPTY
    if len(text) > MAX_MESSAGE_CHARS:
        return TOO_LONG
    return None


class MessageGuard:
    """The limits for one channel: its rate buckets (:func:`channel_memory`) and the app it runs in (for the
    language slot)."""

    def __init__(
        self,
        sender_rate: Rate = SENDER_RATE,
        address_rate: Rate = ADDRESS_RATE,
        clock: Callable[[], float] = time.monotonic,
        memory: Optional[ChannelMemory] = None,
    ) -> None:
        self.sender_rate = sender_rate
        self.address_rate = address_rate
        self.memory = memory or channel_memory(clock)
        self.app: Optional[Sanic] = None

    async def sender_wait(self, sender: Text) -> float:
        """Takes a token from the sender's bucket: 0.0 or the seconds to wait."""
        return await self.memory.take("sender", sender, self.sender_rate)

    async def address_wait(self, address: Text) -> float:
        """Takes a token from the caller's address bucket (none for loopback): 0.0 or the seconds to wait."""
        return 0.0 if is_loopback(address) else await self.memory.take("address", address, self.address_rate)

    def limit_body(self, blueprint: Blueprint, applies: Callable[[Request], bool]) -> None:
        """413 for calls of `blueprint` (those `applies` to) with a body over MAX_BODY_BYTES; remembers the app."""

        @blueprint.middleware("request")
        async def body_size(request: Request) -> Optional[HTTPResponse]:
            self.app = request.app
            if applies(request) and len(request.body or b"") > MAX_BODY_BYTES:
                logger.warning("Refused a %d-byte webhook call (limit %d).", len(request.body), MAX_BODY_BYTES)
                return too_large()
            return None

    def guard_messages(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: Text
    ) -> Callable[[UserMessage], Awaitable[Any]]:
        """`on_new_message` for a messaging platform's webhook, with the limits applied per sender.

        The platform's servers call the webhook for all their users, so there is no per-address limit here,
        and an HTTP error would only make the platform resend: a sender over their rate is dropped (logged),
        an empty or too long message gets the polite answer through the channel, an overlong sender id is
        dropped.
        """

        async def guarded(message: UserMessage) -> None:
            sender = str(message.sender_id)
            if len(sender) > MAX_SENDER_CHARS:
                logger.warning("Dropped a %s message with a %d-character sender id.", channel, len(sender))
                return
            if await self.sender_wait(sender) > 0:
                logger.warning("Dropped a %s message: its sender is over the rate limit.", channel)
                return
            message.text = clean_text(message.text or "")
            refused = refusal_for(message.text)
            if refused is None:
                await on_new_message(message)
                return
            language = await reply_language(self.app, sender, message.text, message.metadata)
            await message.output_channel.send_response(message.sender_id, refusal(refused, language))

        return guarded


def rest_refusal_messages(recipient: Text, answer: Dict[Text, Any]) -> List[Dict[Text, Any]]:
    """`answer` as the REST channel's list of bot messages."""
    message: Dict[Text, Any] = {"recipient_id": recipient, "text": answer["text"]}
    if answer.get("buttons"):
        message["buttons"] = answer["buttons"]
    return [message]

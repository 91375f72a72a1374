"""The REST webhook (`POST /webhooks/rest/webhook`), with its input checked and its callers limited.

Rasa 3.6.21's `RestInput` reads `request.json.get(...)` unchecked: a JSON array answers 500, a missing
sender puts the message into a conversation called "default" shared by everyone, a client may name any
`input_channel`, and a failure is logged with the message text (personal data). Here, before anything
reaches the assistant (limits and reasons: bot/channels/limits.py, docs/channels.md):

- a body over 64 KB: 413; not JSON, not an object, a missing/non-string/overlong sender, a non-string
  message, metadata that is not an object: 400 with a fixed reason (the input is never echoed);
- too many messages from one sender or one address: 429 with Retry-After;
- control characters are stripped; an empty or too long message gets a polite answer (200) in the
  conversation's language instead of going to the assistant;
- a store that is away (the Redis lock store, the PostgreSQL tracker store: bot/faults.py) answers 503 with
  Retry-After and a polite "try again in a moment", instead of an empty 200.

credentials.yml: ``bot.channels.rest.RestInput:``
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple, Union

from rasa.core.channels import rest as rasa_rest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels.limits import (
    MAX_SENDER_CHARS,
    MessageGuard,
    bad_request,
    clean_text,
    client_address,
    refusal,
    refusal_for,
    reply_language,
    rest_refusal_messages,
    too_many,
    valid_sender,
)
from bot.channels.webhook_guard import is_webhook_post
from bot.faults import RETRY_AFTER_S, try_again, unavailable

logger = logging.getLogger(__name__)


def parse_call(request: Request) -> Union[Tuple[Text, Text, Optional[Dict[Text, Any]]], Text]:
    """(sender, message, metadata) from the body, or the reason it is not a valid call."""
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError):
        return "The body must be a JSON object."
    if not isinstance(body, dict):
        return "The body must be a JSON object."
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not valid_sender(sender):
        return f"'sender' must be a string of 1 to {MAX_SENDER_CHARS} printable characters."
    if not isinstance(message, str):
        return "'message' must be a string."
    if metadata is not None and not isinstance(metadata, dict):
        return "'metadata' must be a JSON object."
    return sender, message, metadata


class RestInput(rasa_rest.RestInput):
    """Rasa's REST channel with checked input, limits per sender and per address, and no text in its logs."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def __init__(self, guard: Optional[MessageGuard] = None) -> None:
        self.guard = guard or MessageGuard()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_RestInput", __name__)
        self.guard.limit_body(webhook, is_webhook_post)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            wait = await self.guard.address_wait(client_address(request))
            if wait > 0:
                return too_many(wait)
            call = parse_call(request)
            if isinstance(call, str):
                return bad_request(call)
            sender, text, metadata = call
            wait = await self.guard.sender_wait(sender)
            if wait > 0:
                return too_many(wait)
            text = clean_text(text)
            refused = refusal_for(text)
            if refused is not None:
                language = await reply_language(request.app, sender, text, metadata)
                return response.json(rest_refusal_messages(sender, refusal(refused, language)))
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata))
            except asyncio.CancelledError:
                logger.error("A REST message timed out.")
            except Exception as error:  # noqa: BLE001 - Rasa's own behaviour: answer what was collected
                logger.error("A REST message failed: %s", type(error).__name__)
                if unavailable(error):  # a store is away (Redis, PostgreSQL): 503 and "try again", not a hang
                    language = await reply_language(request.app, sender, text, metadata)
                    return response.json(
                        [*collector.messages, {"recipient_id": sender, **try_again(language)}],
                        status=503,
                        headers={"Retry-After": str(RETRY_AFTER_S)},
                    )
            return response.json(collector.messages)

        return webhook

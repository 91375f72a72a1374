"""Slack: Rasa 3.6.21's connector, its signature check kept, with Slack's redeliveries answered only once.

Slack resends an event (header `X-Slack-Retry-Num`) when the first delivery was not acknowledged in time
or failed. Rasa's `SlackInput` drops only retries whose reason is `http_timeout`; any other redelivery is
handled again, so the user gets the answer twice. Here an event id seen before is acknowledged with 200
and not handled again; the ids are kept for an hour, in a bounded in-process memory or, with
HORIZON_REDIS_URL, in Redis shared by all servers (a redelivery may reach another one: bot/channels/memory.py).
"""

import json
import logging
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels import slack as rasa_slack
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MessageGuard
from bot.channels.memory import channel_memory
from bot.channels.webhook_guard import is_webhook_post, refuse_unsigned

logger = logging.getLogger(__name__)

RETRY_HEADER = "X-Slack-Retry-Num"
SEEN_EVENTS = "slack-events"
SEEN_EVENTS_TTL_S = 3600  # Slack retries within minutes


def well_formed(request: Request) -> bool:
    """Whether a webhook post has the shape Rasa's handler reads without crashing: a JSON object whose
    `event` (if any) is an object with string `text` and `user`, or a form whose `payload` is a JSON object."""
    try:
        if request.headers.get("content-type") == "application/json":
            envelope = json.loads(request.body or b"")
            event = envelope.get("event", {}) if isinstance(envelope, dict) else None
            return isinstance(event, dict) and all(
                isinstance(event.get(key, ""), str) for key in ("text", "user", "channel", "thread_ts")
            )
        if request.headers.get("content-type") == "application/x-www-form-urlencoded":
            return isinstance(json.loads(request.form.get("payload") or ""), dict)
    except (ValueError, RecursionError):
        return False
    return True


def event_id(request: Request) -> Optional[Text]:
    """The Events API envelope's `event_id`, or None for other requests (interactions, bad JSON)."""
    if request.headers.get("content-type") != "application/json":
        return None
    try:
        envelope = request.json
    except Exception:  # noqa: BLE001 - Rasa's handler answers malformed bodies itself
        return None
    found = envelope.get("event_id") if isinstance(envelope, dict) else None
    return found if isinstance(found, str) and found else None


class SlackInput(rasa_slack.SlackInput):
    """Slack webhook that refuses unsigned posts (403) and handles each event id once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen_events = channel_memory()
        self.guard = MessageGuard()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(self.guard.guard_messages(on_new_message, self.name()))
        self.guard.limit_body(webhook, is_webhook_post)
        refuse_unsigned(webhook, self.name(), self.is_request_from_slack_authentic)

        @webhook.middleware("request")
        async def refuse_malformed(request: Request) -> Optional[HTTPResponse]:
            """After the signature check: a body Rasa's handler would crash on gets 400."""
            if is_webhook_post(request) and not well_formed(request):
                return response.text("Expected a Slack event or interaction.", status=400)
            return None

        @webhook.middleware("request")
        async def acknowledge_redelivery(request: Request) -> Optional[HTTPResponse]:
            """Runs after the signature check: a known event id gets 200 and no second answer."""
            found = event_id(request) if is_webhook_post(request) else None
            if found is None or await self.seen_events.add_if_new(SEEN_EVENTS, found, SEEN_EVENTS_TTL_S):
                return None
            logger.info(
                "Acknowledged a Slack redelivery (retry %s) without handling it again.",
                request.headers.get(RETRY_HEADER, "?"),
            )
            return response.text("", status=200, headers={"X-Slack-No-Retry": "1"})

        return webhook

"""The bridge from the team's Chatwoot desk: its Agent Bot webhooks, ``POST /webhooks/chatwoot/webhook``.

Registered from messaging-channels.yml, so only when every ``HANDOFF_CHATWOOT_*`` setting is there (``make
run`` on its embedded defaults has no such route). Set the Agent Bot's outgoing URL in Chatwoot to
``https://<horizon>/webhooks/chatwoot/webhook?secret=<HANDOFF_CHATWOOT_WEBHOOK_SECRET>``: Chatwoot does not
sign its Agent Bot calls, so the secret in the URL (compared in constant time) is what proves a call comes from
it. A missing or wrong one gets 403, before the body is read; a body that is not a JSON object, 400.

What a call does (:func:`horizon.handoff.chatwoot.read_webhook` decides what it asks):

- ``message_created`` by a person of the team (outgoing, not private, sender a user): the text goes to the
  person on the channel they used (socket.io: the widget's session room; the messaging apps: their output
  channel; REST cannot push, so there it is only recorded), and is recorded in their conversation;
- ``conversation_resolved``: the hand-off ends (its link is deleted), the assistant is resumed
  (``ConversationResumed`` under the conversation's lock) and says it is back, in the person's language;
- anything else, the bridge's own posts and incoming messages included, and conversations that are not (or
  no longer) handed off: 200 and nothing done.

credentials (messaging-channels.yml)::

    bot.channels.chatwoot.ChatwootInput:
      url: ${HANDOFF_CHATWOOT_URL}
      ...
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.webhook_guard import secrets_match
from bot.handoff import BACK, tell_person
from horizon.db import DatabaseUnavailable, run_db
from horizon.handoff import chatwoot
from horizon.handoff.chatwoot import Desk, Ignore, Relay, Resolve, desk_from_env, read_webhook
from horizon.handoff.live import chat_for_conversation, end_chat

logger = logging.getLogger(__name__)

SECRET_PARAMETER = "secret"
MAX_BODY_BYTES = 256 * 1024
#: credentials key -> setting, as messaging-channels.yml names them
KEYS = {
    "url": chatwoot.URL,
    "account_id": chatwoot.ACCOUNT_ID,
    "inbox_id": chatwoot.INBOX_ID,
    "inbox_identifier": chatwoot.INBOX_IDENTIFIER,
    "bot_token": chatwoot.BOT_TOKEN,
    "webhook_secret": chatwoot.WEBHOOK_SECRET,
}


def ignored(reason: str) -> HTTPResponse:
    return response.json({"status": "ignored", "reason": reason})


class ChatwootInput(InputChannel):
    """Not a messaging channel for people: the desk's webhooks, relayed to the people's own channels."""

    @classmethod
    def name(cls) -> Text:
        return "chatwoot"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = {setting: str((credentials or {}).get(key) or "") for key, setting in KEYS.items()}
        return cls(desk_from_env(settings))

    def __init__(self, desk: Optional[Desk]) -> None:
        self.desk = desk

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bridge = Blueprint("horizon_chatwoot", __name__)

        @bridge.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.desk else "not configured"})

        @bridge.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            desk = self.desk
            if desk is None:
                return response.text("Not Found", status=404)
            if not secrets_match(request.args.get(SECRET_PARAMETER), desk.webhook_secret):
                logger.warning("Refused a Chatwoot webhook call with a missing or wrong secret.")
                return response.text("Forbidden: this webhook accepts only calls from the team's desk.", status=403)
            if len(request.body or b"") > MAX_BODY_BYTES:
                return response.text("Payload Too Large", status=413)
            try:
                payload = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                payload = None
            if not isinstance(payload, dict):
                return response.text("Bad Request: the body must be a JSON object.", status=400)
            try:
                return await self.handle(request, read_webhook(payload, desk))
            except DatabaseUnavailable as error:
                logger.warning("chatwoot bridge: database unavailable (%s)", error)
                return response.text("Service Unavailable", status=503)

        return bridge

    async def handle(self, request: Request, asked: Any) -> HTTPResponse:
        if isinstance(asked, Ignore):
            return ignored(asked.reason)
        agent = getattr(request.app.ctx, "agent", None)
        channels = getattr(request.app.ctx, "input_channels", None) or []
        if agent is None or agent.processor is None:
            return response.text("Service Unavailable: no model loaded", status=503)
        if isinstance(asked, Relay):
            chat = await run_db(chat_for_conversation, asked.conversation_id)
            if chat is None:
                return ignored("not handed off")
            await tell_person(agent, channels, chat, text=asked.text)
            logger.info("chatwoot bridge: an agent's reply relayed (conversation %s)", asked.conversation_id)
            return response.json({"status": "relayed"})
        assert isinstance(asked, Resolve)
        chat = await run_db(end_chat, asked.conversation_id)
        if chat is None:
            return ignored("not handed off")
        await tell_person(agent, channels, chat, response=BACK, resume=True)
        logger.info("chatwoot bridge: conversation %s resolved, the assistant is back", asked.conversation_id)
        return response.json({"status": "resumed"})

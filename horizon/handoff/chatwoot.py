"""The team's live-chat desk, Chatwoot: its settings, the calls the hand-off makes, and what a webhook asks.

No Rasa here: the action server hands a conversation over (:meth:`ChatwootClient.open_conversation`), the Rasa
server forwards the person's messages (:meth:`ChatwootClient.forward`) and reads Chatwoot's webhooks
(:func:`read_webhook`). Why two of Chatwoot's APIs:

- Chatwoot refuses an Agent Bot's token on everything but a few conversation endpoints (its
  ``BOT_ACCESSIBLE_ENDPOINTS``: creating a conversation, messages, ``toggle_status``, ...), not on contacts.
  A contact of an API inbox is made through the inbox's public client API instead
  (``/public/api/v1/inboxes/{inbox_identifier}/...``, the inbox identifier being its credential), and the
  person's own messages go the same way, so Chatwoot shows them as the contact's (incoming).
- The Agent Bot's token (header ``api_access_token``) posts the conversation so far, as a private note that
  only the team sees, and hands over: ``toggle_status`` to ``open`` moves a conversation the bot holds
  (``pending``) to the agents.

Every call has a timeout; a timeout, a refused connection or an answer other than 2xx raises
:class:`ChatwootUnavailable` (the assistant then says so plainly and offers to leave a message). Nothing of a
message's text is logged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional, Union

import aiohttp

logger = logging.getLogger(__name__)

URL = "HANDOFF_CHATWOOT_URL"
ACCOUNT_ID = "HANDOFF_CHATWOOT_ACCOUNT_ID"
INBOX_ID = "HANDOFF_CHATWOOT_INBOX_ID"
INBOX_IDENTIFIER = "HANDOFF_CHATWOOT_INBOX_IDENTIFIER"
BOT_TOKEN = "HANDOFF_CHATWOOT_BOT_TOKEN"
WEBHOOK_SECRET = "HANDOFF_CHATWOOT_WEBHOOK_SECRET"
SETTINGS = (URL, ACCOUNT_ID, INBOX_ID, INBOX_IDENTIFIER, BOT_TOKEN, WEBHOOK_SECRET)
TOKEN_HEADER = "api_access_token"
TIMEOUT_S = 8.0
MAX_CONTENT = 10_000  # characters of one message passed either way


@dataclass(frozen=True)
class Desk:
    """Where the desk is and how to speak to it: every setting is needed, or there is no desk."""

    url: str
    account_id: int
    inbox_id: int
    inbox_identifier: str
    bot_token: str
    webhook_secret: str

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1/accounts/{self.account_id}"

    @property
    def public(self) -> str:
        return f"{self.url}/public/api/v1/inboxes/{self.inbox_identifier}"


def desk_from_env(env: Mapping[str, str]) -> Optional[Desk]:
    """The desk when all its settings are there and readable; None otherwise (the assistant then offers only
    to leave a message). A missing or unreadable setting is named in a warning, never its value."""
    values = {name: (env.get(name) or "").strip() for name in SETTINGS}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        logger.warning("handoff: no live desk: %s not set", ", ".join(missing))
        return None
    try:
        account_id, inbox_id = int(values[ACCOUNT_ID]), int(values[INBOX_ID])
    except ValueError:
        logger.warning("handoff: no live desk: %s and %s must be numbers", ACCOUNT_ID, INBOX_ID)
        return None
    url = values[URL].rstrip("/")
    if not url.startswith(("http://", "https://")):
        logger.warning("handoff: no live desk: %s must be an http(s) URL", URL)
        return None
    return Desk(url, account_id, inbox_id, values[INBOX_IDENTIFIER], values[BOT_TOKEN], values[WEBHOOK_SECRET])


class ChatwootUnavailable(Exception):
    """The desk did not answer in time, or answered with an error: nothing (more) was handed over."""


@dataclass(frozen=True)
class Opened:
    """A Chatwoot conversation handed to the agents."""

    conversation_id: int
    contact: str  # the contact's source id in the inbox: the public API's address for their messages


class ChatwootClient:
    """The calls of a hand-off, each with a timeout; one HTTP session per call of this class."""

    def __init__(self, desk: Desk, timeout_s: float = TIMEOUT_S) -> None:
        self.desk = desk
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def open_conversation(self, name: str, transcript: str, attributes: Dict[str, str]) -> Opened:
        """A contact and a conversation in the inbox, the conversation so far as a private note, then the
        hand-off to the agents (``toggle_status`` open)."""
        async with self._session() as session:
            contact = await self._post(session, f"{self.desk.public}/contacts", {"name": name}, token=False)
            source_id = contact.get("source_id")
            if not isinstance(source_id, str) or not source_id:
                raise ChatwootUnavailable("the contact has no source_id")
            conversation = await self._post(
                session,
                f"{self.desk.public}/contacts/{source_id}/conversations",
                {"custom_attributes": attributes},
                token=False,
            )
            conversation_id = conversation.get("id")
            if not isinstance(conversation_id, int):
                raise ChatwootUnavailable("the conversation has no id")
            await self._post(
                session,
                f"{self.desk.api}/conversations/{conversation_id}/messages",
                {"content": transcript[:MAX_CONTENT], "message_type": "outgoing", "private": True},
            )
            await self._post(
                session, f"{self.desk.api}/conversations/{conversation_id}/toggle_status", {"status": "open"}
            )
            return Opened(conversation_id, source_id)

    async def forward(self, opened: Opened, text: str) -> None:
        """The person's message, as theirs (incoming), into the conversation the agents have."""
        async with self._session() as session:
            await self._post(
                session,
                f"{self.desk.public}/contacts/{opened.contact}/conversations/{opened.conversation_id}/messages",
                {"content": text[:MAX_CONTENT]},
                token=False,
            )

    def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=self.timeout)

    async def _post(
        self, session: aiohttp.ClientSession, url: str, body: Dict[str, Any], token: bool = True
    ) -> Dict[str, Any]:
        headers = {TOKEN_HEADER: self.desk.bot_token} if token else {}
        what = url.rsplit("/", 1)[-1]  # "contacts", "messages", "toggle_status": no ids, no texts
        try:
            async with session.post(url, json=body, headers=headers) as answer:
                if answer.status >= 300:
                    raise ChatwootUnavailable(f"{what}: HTTP {answer.status}")
                data = await answer.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise ChatwootUnavailable(f"{what}: {type(error).__name__}") from error
        return data if isinstance(data, dict) else {}


# --- what a webhook asks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Relay:
    """A human agent wrote to the person: pass it on."""

    conversation_id: int
    text: str


@dataclass(frozen=True)
class Resolve:
    """The agent resolved the conversation: the assistant takes over again."""

    conversation_id: int


@dataclass(frozen=True)
class Ignore:
    """Nothing to do (the reason is for the log and the answer, and holds no content)."""

    reason: str


Webhook = Union[Relay, Resolve, Ignore]


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _id_of(payload: Mapping[str, Any], key: str) -> Optional[int]:
    """``payload[key]["id"]``, or ``payload[key + "_id"]``: Chatwoot's message and conversation payloads differ."""
    nested = payload.get(key)
    if isinstance(nested, dict) and _int(nested.get("id")) is not None:
        return _int(nested.get("id"))
    return _int(payload.get(f"{key}_id"))


def read_webhook(payload: Mapping[str, Any], desk: Desk) -> Webhook:
    """What an (authenticated) Agent Bot webhook asks for.

    Relayed: ``message_created`` of an ``outgoing``, non-private message whose sender is a person of the team
    (``sender.type`` ``user``). Dropped: the person's own (``incoming``) messages, which the bridge itself
    posted; the bridge's own posts (sender ``agent_bot``: the transcript); private notes between agents; other
    accounts and inboxes. ``conversation_resolved`` resumes the assistant. Whether the conversation is still
    handed off is the caller's question (the link in the database).
    """
    event = payload.get("event")
    if _id_of(payload, "account") not in (None, desk.account_id):
        return Ignore("another account")
    if event == "message_created":
        conversation = payload.get("conversation")
        conversation_id = _int(conversation.get("id")) if isinstance(conversation, dict) else None
        inbox = _id_of(payload, "inbox")
        if inbox is None and isinstance(conversation, dict):
            inbox = _int(conversation.get("inbox_id"))
        if conversation_id is None:
            return Ignore("no conversation")
        if inbox not in (None, desk.inbox_id):
            return Ignore("another inbox")
        if payload.get("message_type") not in ("outgoing", 1):
            return Ignore("not an agent's message")
        if payload.get("private") is True:
            return Ignore("a private note")
        sender = payload.get("sender")
        if not isinstance(sender, dict) or sender.get("type") != "user":
            return Ignore("not written by a person of the team")
        content = payload.get("content")
        if not isinstance(content, str) or not content.strip():
            return Ignore("no text")
        return Relay(conversation_id, content.strip()[:MAX_CONTENT])
    if event == "conversation_resolved":
        conversation_id = _int(payload.get("id"))
        if conversation_id is None:
            return Ignore("no conversation")
        if _id_of(payload, "inbox") not in (None, desk.inbox_id):
            return Ignore("another inbox")
        return Resolve(conversation_id)
    return Ignore("an event the bridge does not use")

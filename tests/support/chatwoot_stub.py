"""A Chatwoot-shaped HTTP server on loopback, for the hand-off tests: the only part that is stubbed (Chatwoot's
servers cannot be reached here), at the network edge.

It checks every request as Chatwoot would refuse it: the path (account, inbox identifier, a contact and a
conversation it made), the ``api_access_token`` header on the application API (and no token sent to the
public client API, which does not need one), and the JSON body of each call. Anything else is answered 404
or 401/422 and written to :attr:`ChatwootStub.errors`, which a test asserts empty. ``fail_with`` makes every
call answer that status (a desk that is down); ``delay_s`` makes it slow (a timeout).

It also makes the webhooks Chatwoot's Agent Bot would send (:meth:`agent_reply`, :meth:`resolved`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

ACCOUNT_ID = 7
INBOX_ID = 3
INBOX_IDENTIFIER = "inbox-identifier-for-tests"
BOT_TOKEN = "bot-token-for-tests"
WEBHOOK_SECRET = "webhook-secret-for-tests"


@dataclass
class Conversation:
    id: int
    contact: str
    status: str = "pending"
    notes: List[str] = field(default_factory=list)  # the bot's private notes (the transcript)
    incoming: List[str] = field(default_factory=list)  # the person's messages


class ChatwootStub:
    def __init__(self) -> None:
        self.contacts: Dict[str, Dict[str, Any]] = {}
        self.conversations: Dict[int, Conversation] = {}
        self.requests: List[Tuple[str, str]] = []  # (method, path)
        self.errors: List[str] = []
        self.fail_with: Optional[int] = None
        self.delay_s = 0.0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                stub._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                stub._reply(self, 404, {"error": "not found"})

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self) -> Dict[str, str]:
        """The HANDOFF_CHATWOOT_* settings that point Horizon at this desk."""
        return {
            "HANDOFF_CHATWOOT_URL": self.url,
            "HANDOFF_CHATWOOT_ACCOUNT_ID": str(ACCOUNT_ID),
            "HANDOFF_CHATWOOT_INBOX_ID": str(INBOX_ID),
            "HANDOFF_CHATWOOT_INBOX_IDENTIFIER": INBOX_IDENTIFIER,
            "HANDOFF_CHATWOOT_BOT_TOKEN": BOT_TOKEN,
            "HANDOFF_CHATWOOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }

    def __enter__(self) -> ChatwootStub:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- what a test reads --------------------------------------------------------------------------------------

    def only_conversation(self) -> Conversation:
        assert len(self.conversations) == 1, f"expected one conversation, got {list(self.conversations)}"
        return next(iter(self.conversations.values()))

    def wait_for_incoming(self, conversation: Conversation, count: int, timeout_s: float = 15.0) -> List[str]:
        deadline = time.monotonic() + timeout_s
        while len(conversation.incoming) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(conversation.incoming)

    # --- webhooks Chatwoot would send -------------------------------------------------------------------------

    def agent_reply(self, conversation_id: int, text: str, **changes: Any) -> Dict[str, Any]:
        """``message_created`` as Chatwoot's Agent Bot webhook sends it for an agent's reply."""
        payload = {
            "event": "message_created",
            "id": 1000 + conversation_id,
            "content": text,
            "message_type": "outgoing",
            "content_type": "text",
            "private": False,
            "sender": {"id": 12, "name": "Anna", "type": "user"},
            "account": {"id": ACCOUNT_ID, "name": "11.11.11"},
            "inbox": {"id": INBOX_ID, "name": "Horizon"},
            "conversation": {"id": conversation_id, "inbox_id": INBOX_ID, "status": "open"},
        }
        payload.update(changes)
        return payload

    def resolved(self, conversation_id: int) -> Dict[str, Any]:
        """``conversation_resolved`` as the Agent Bot webhook sends it (the conversation's own fields)."""
        return {"event": "conversation_resolved", "id": conversation_id, "inbox_id": INBOX_ID, "status": "resolved"}

    # --- the API ------------------------------------------------------------------------------------------------

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, body: Dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _refuse(self, handler: BaseHTTPRequestHandler, status: int, why: str) -> None:
        self.errors.append(f"{handler.path}: {why}")
        self._reply(handler, status, {"error": why})

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        self.requests.append(("POST", path))
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.fail_with is not None:
            self._reply(handler, self.fail_with, {"error": "down"})
            return
        length = int(handler.headers.get("Content-Length") or 0)
        try:
            body = json.loads(handler.rfile.read(length) or b"null")
        except ValueError:
            body = None
        if handler.headers.get("Content-Type", "").split(";")[0] != "application/json" or not isinstance(body, dict):
            self._refuse(handler, 422, "the body must be a JSON object sent as application/json")
            return
        parts = path.strip("/").split("/")
        token = handler.headers.get("api_access_token")
        with self._lock:
            if parts[:4] == ["public", "api", "v1", "inboxes"]:
                if token is not None:
                    self._refuse(handler, 422, "the bot token must not be sent to the public API")
                elif parts[4:5] != [INBOX_IDENTIFIER]:
                    self._refuse(handler, 404, "unknown inbox identifier")
                else:
                    self._public(handler, parts[5:], body)
            elif parts[:4] == ["api", "v1", "accounts", str(ACCOUNT_ID)]:
                if token != BOT_TOKEN:
                    self._refuse(handler, 401, "Invalid Access Token")
                else:
                    self._application(handler, parts[4:], body)
            else:
                self._refuse(handler, 404, "unknown path")

    def _public(self, handler: BaseHTTPRequestHandler, parts: List[str], body: Dict[str, Any]) -> None:
        if parts == ["contacts"]:
            if not isinstance(body.get("name"), str) or set(body) - {"name", "identifier", "custom_attributes"}:
                self._refuse(handler, 422, "a contact needs a name (and nothing personal)")
                return
            source_id = f"source-{len(self.contacts) + 1}"
            self.contacts[source_id] = body
            self._reply(handler, 200, {"id": len(self.contacts), "source_id": source_id, "name": body["name"]})
        elif len(parts) == 3 and parts[0] == "contacts" and parts[2] == "conversations":
            if parts[1] not in self.contacts:
                self._refuse(handler, 404, "unknown contact")
                return
            conversation = Conversation(100 + len(self.conversations) + 1, parts[1])
            self.conversations[conversation.id] = conversation
            self._reply(handler, 200, {"id": conversation.id, "inbox_id": INBOX_ID, "status": "pending"})
        elif len(parts) == 5 and parts[0] == "contacts" and parts[2] == "conversations" and parts[4] == "messages":
            conversation = self.conversations.get(int(parts[3])) if parts[3].isdigit() else None
            if conversation is None or conversation.contact != parts[1]:
                self._refuse(handler, 404, "unknown conversation of this contact")
            elif not isinstance(body.get("content"), str) or not body["content"]:
                self._refuse(handler, 422, "a message needs content")
            else:
                conversation.incoming.append(body["content"])
                self._reply(handler, 200, {"id": 500 + len(conversation.incoming), "message_type": 0})
        else:
            self._refuse(handler, 404, "unknown public path")

    def _application(self, handler: BaseHTTPRequestHandler, parts: List[str], body: Dict[str, Any]) -> None:
        if len(parts) != 3 or parts[0] != "conversations" or not parts[1].isdigit():
            self._refuse(handler, 404, "unknown application path")
            return
        conversation = self.conversations.get(int(parts[1]))
        if conversation is None:
            self._refuse(handler, 404, "unknown conversation")
        elif parts[2] == "messages":
            if body.get("private") is not True or body.get("message_type") != "outgoing":
                self._refuse(handler, 422, "the transcript must be a private note")
            elif not isinstance(body.get("content"), str) or not body["content"]:
                self._refuse(handler, 422, "a message needs content")
            else:
                conversation.notes.append(body["content"])
                self._reply(handler, 200, {"id": 900 + len(conversation.notes), "private": True})
        elif parts[2] == "toggle_status":
            if body != {"status": "open"}:
                self._refuse(handler, 422, "a hand-off opens the conversation")
            elif conversation.status != "pending":
                self._refuse(handler, 422, "only a conversation the bot holds is handed over")
            else:
                conversation.status = "open"
                self._reply(
                    handler, 200, {"payload": {"success": True, "current_status": "open", "conversation_id": parts[1]}}
                )
        else:
            self._refuse(handler, 404, "unknown conversation endpoint")

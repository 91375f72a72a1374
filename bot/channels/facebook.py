"""Facebook Messenger: Rasa 3.6.21's connector with the SHA-256 signature checked and a 403 for forgeries.

Rasa's `FacebookInput` checks only the SHA-1 `X-Hub-Signature` (with `==`) and answers a bad one with 200.
Here `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app secret) is compared in constant time
and a missing or wrong one gets 403. The send client blocks (requests), so sending runs in a worker thread
with a timeout; more than three buttons become quick replies instead of being dropped.
"""

import asyncio
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import requests
from fbmessenger import MessengerClient
from fbmessenger.sender_actions import SenderAction
from rasa.core.channels import facebook as rasa_facebook
from rasa.core.channels.channel import UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MessageGuard
from bot.channels.webhook_guard import is_webhook_post, refuse_unsigned, secrets_match

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SEND_TIMEOUT_SECONDS = 15.0
MAX_TEMPLATE_BUTTONS = 3  # Messenger's button template; quick replies allow up to 13


def sha256_signature(app_secret: Text, body: bytes) -> Text:
    """The value Meta puts in X-Hub-Signature-256 for `body`."""
    return "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _TimeoutSession(requests.Session):
    """fbmessenger sends without a timeout; give every request one."""

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["timeout"] = kwargs.get("timeout") or SEND_TIMEOUT_SECONDS
        return super().request(*args, **kwargs)


class MessengerBot(rasa_facebook.MessengerBot):
    """Rasa's Messenger output, moved off the event loop."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Rasa's send methods call the blocking client inline; run them in a worker thread."""
        await asyncio.to_thread(asyncio.run, super().send_response(recipient_id, message))

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        """Seen/typing markers are cosmetic: a failure is logged and the message still handled."""
        try:
            await asyncio.to_thread(
                self.messenger_client.send_action, SenderAction(sender_action).to_dict(), recipient_id
            )
        except requests.RequestException as error:
            logger.warning("Messenger did not take a %s marker: %s", sender_action, type(error).__name__)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Rasa sends plain text when there are more than three buttons; use quick replies then."""
        if len(buttons) <= MAX_TEMPLATE_BUTTONS:
            await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)
        else:
            quick_replies = [{"title": b["title"], "payload": b["payload"], "content_type": "text"} for b in buttons]
            await self.send_quick_replies(recipient_id, text, quick_replies, **kwargs)


class Messenger(rasa_facebook.Messenger):
    """Handles every event of a batch (Rasa's stops after the first) and answers through `MessengerBot`."""

    def __init__(self, page_access_token: Text, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        super().__init__(page_access_token, on_new_message)
        self.client = MessengerClient(page_access_token, session=_TimeoutSession())

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        entries = payload.get("entry")
        for entry in entries if isinstance(entries, list) else []:
            events = entry.get("messaging") if isinstance(entry, dict) else None
            for event in events if isinstance(events, list) else []:
                if isinstance(event, dict):
                    await self._event(event, metadata)

    async def _event(self, event: Dict[Text, Any], metadata: Optional[Dict[Text, Any]]) -> None:
        """One event; a malformed one is skipped (logged by type only), the others are still handled."""
        self.last_message = event
        try:
            if event.get("message"):
                await self.message(event, metadata)
            elif event.get("postback"):
                await self.postback(event, metadata)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
            logger.warning("Skipped a malformed Messenger event: %s", type(error).__name__)

    async def _handle_user_message(self, text: Text, sender_id: Text, metadata: Optional[Dict[Text, Any]]) -> None:
        out_channel = MessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(
                UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
            )
        except requests.RequestException as error:
            # the class name only: the message holds the URL, and the URL holds the page token
            logger.error("Messenger did not take the answer: %s", type(error).__name__)
        except Exception:  # noqa: BLE001 - Meta must get its 200 or it resends the whole batch
            logger.exception("Could not handle a Messenger event.")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class FacebookInput(rasa_facebook.FacebookInput):
    """Messenger webhook that accepts only posts signed with the app secret (SHA-256)."""

    def __init__(self, fb_verify: Text, fb_secret: Text, fb_access_token: Text) -> None:
        if not fb_secret or not fb_verify:
            raise InvalidConfigException(
                "The facebook channel needs `secret` (app secret) and `verify` (verify token)."
            )
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.guard = MessageGuard()

    def is_signed_by_meta(self, request: Request) -> bool:
        """X-Hub-Signature-256 must be the HMAC-SHA256 of the raw body with the app secret."""
        expected = sha256_signature(self.fb_secret, request.body or b"")
        return secrets_match(request.headers.get(SIGNATURE_HEADER), expected)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("fb_webhook", __name__)
        on_new_message = self.guard.guard_messages(on_new_message, self.name())
        self.guard.limit_body(webhook, is_webhook_post)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> HTTPResponse:
            """Meta's subscription handshake: echo the challenge if the verify token matches."""
            if secrets_match(request.args.get("hub.verify_token"), self.fb_verify):
                return response.text(request.args.get("hub.challenge", ""))
            logger.warning("Refused a Messenger subscription with a wrong verify token.")
            return response.text("Forbidden: wrong verify token.", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not isinstance(request.json, dict):
                return response.text("Expected a Messenger event as a JSON object.", status=400)
            messenger = Messenger(self.fb_access_token, on_new_message)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        refuse_unsigned(webhook, self.name(), self.is_signed_by_meta)
        return webhook

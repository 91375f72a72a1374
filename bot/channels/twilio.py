"""WhatsApp through Twilio: Rasa 3.6.21's connector with a signature check and numbered buttons.

Rasa's `TwilioInput` ignores `X-Twilio-Signature`, so anyone who knows the URL can talk in any user's
name. WhatsApp (without an approved template) has no buttons: they become a numbered list, and an answer
"2" selects the second button's payload. The last buttons per sender are kept for a day, in process
memory or, with HORIZON_REDIS_URL, in Redis shared by all servers (bot/channels/memory.py).
"""

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

import requests
from rasa.core.channels import twilio as rasa_twilio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint
from sanic.request import Request
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from bot.channels.limits import MessageGuard
from bot.channels.memory import ChannelMemory, channel_memory
from bot.channels.webhook_guard import is_webhook_post, refuse_unsigned

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 15.0
_CHOICE = re.compile(r"\s*(\d{1,2})\s*[.)]?\s*", re.ASCII)

BUTTONS = "whatsapp-buttons"  # sender id -> payloads of the buttons last sent to that sender
BUTTONS_TTL_S = 24 * 3600  # WhatsApp's customer service window: no answer comes later than that


def numbered_choices(text: Text, buttons: List[Dict[Text, Any]]) -> Text:
    """The message text followed by one numbered line per button ("1. Title")."""
    lines = [f"{number}. {button['title']}" for number, button in enumerate(buttons, start=1)]
    return "\n\n".join(part for part in (text.strip(), "\n".join(lines)) if part)


def chosen_payload(text: Optional[Text], payloads: Optional[List[Text]]) -> Optional[Text]:
    """The payload the user picked by number, or None if `text` is not one of the numbers offered."""
    match = _CHOICE.fullmatch(text or "")
    if not match or not payloads:
        return None
    number = int(match.group(1))
    return payloads[number - 1] if 1 <= number <= len(payloads) else None


class TwilioOutput(rasa_twilio.TwilioOutput):
    """Sends from a worker thread (Twilio's client blocks) and renders buttons as numbered text."""

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        last_buttons: ChannelMemory,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.http_client = TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS)
        self.last_buttons = last_buttons

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        """One send, off the event loop; failures are logged without the message or the number."""
        try:
            return await asyncio.to_thread(self.messages.create, **dict(message_data))
        except (TwilioRestException, requests.RequestException) as error:
            logger.error("Twilio did not accept a message: %s", type(error).__name__)
            return None

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        """Number the buttons in one message and remember their payloads for the answer."""
        payloads = [str(b.get("payload") or b["title"]) for b in buttons]
        await self.last_buttons.put(BUTTONS, recipient_id, payloads, BUTTONS_TTL_S)
        await self._send_message(
            {"to": recipient_id, "from_": self.twilio_number, "body": numbered_choices(text, buttons)}
        )


class TwilioInput(rasa_twilio.TwilioInput):
    """Twilio/WhatsApp webhook that refuses unsigned calls (403) and understands numbered answers."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url") or None,
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        webhook_url: Optional[Text] = None,
        debug_mode: bool = False,
    ) -> None:
        """`webhook_url` is the public URL Twilio calls; without it the URL the server sees is used."""
        if not auth_token:
            raise InvalidConfigException("The twilio channel needs `auth_token` to verify X-Twilio-Signature.")
        super().__init__(account_sid, auth_token, twilio_number, debug_mode)
        self.webhook_url = webhook_url
        self.validator = RequestValidator(auth_token)
        self.last_buttons = channel_memory()
        self.guard = MessageGuard()

    def signed_url(self, request: Request) -> Text:
        """The URL Twilio signed: exactly the one configured in Twilio, else the one the server sees."""
        return self.webhook_url or request.url

    def is_signed_by_twilio(self, request: Request) -> bool:
        """Check X-Twilio-Signature over the URL and the form fields."""
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        return self.validator.validate(self.signed_url(request), request.form, signature)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def with_numbered_choice(message: UserMessage) -> None:
            """Swap an answer like "2" for the payload of the second button last offered."""
            payload = chosen_payload(message.text, await self.last_buttons.pop(BUTTONS, message.sender_id))
            if payload is not None:
                message.text = payload
            await on_new_message(message)

        webhook = super().blueprint(self.guard.guard_messages(with_numbered_choice, self.name()))
        self.guard.limit_body(webhook, is_webhook_post)
        refuse_unsigned(webhook, self.name(), self.is_signed_by_twilio)
        return webhook

    def get_output_channel(self) -> TwilioOutput:
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.last_buttons)

"""Telegram: Rasa 3.6.21's connector with the webhook secret checked and no network call at start-up.

Rasa's `TelegramInput` never checks `X-Telegram-Bot-Api-Secret-Token`, calls `getMe` on every update and
`setWebhook` while the server starts (so the server cannot start offline or without Telegram). Here the
secret is compared in constant time and registration is an explicit command:
`python -m bot.channels.register_telegram_webhook`.

Telegram's commands are mapped too: Telegram sends `/start` when someone opens the bot, which Rasa would
read as an unknown intent `start`. `/start` greets, in the language of the person's Telegram app
when that is Dutch or English, `/help` lists what the bot can do, and any other `/command` is read as the
words it contains.
"""

import logging
import re
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from aiogram.types import Update
from rasa.core.channels import telegram as rasa_telegram
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.limits import MessageGuard
from bot.channels.webhook_guard import is_webhook_post, refuse_unsigned, secrets_match

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's rule for secret_token: 1-256 characters, A-Z, a-z, 0-9, _ and -
_VALID_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# "/start", "/start@HorizonBot", "/start some-deep-link-payload"; not "/intent{...}" (a Rasa intent payload)
_COMMAND = re.compile(r"/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+(.*))?", re.DOTALL)
COMMANDS = {"start": "/greet", "help": "/ask_capabilities"}


def from_command(text: Text) -> Text:
    """What a typed Telegram command means to the bot; other text unchanged."""
    found = _COMMAND.fullmatch(text.strip())
    if found is None:
        return text
    command, rest = found.group(1).lower(), found.group(2)
    if command in COMMANDS:
        return COMMANDS[command]
    return " ".join(part for part in (found.group(1).replace("_", " "), rest) if part)


def text_and_chat(update: Update) -> Optional[Tuple[Text, int]]:
    """The user's text (or button payload) and the chat to answer, or None for other updates."""
    if update.callback_query is not None and update.callback_query.message is not None:
        return update.callback_query.data, update.callback_query.message.chat.id
    message = update.edited_message or update.message
    if message is None:
        return None
    if message.text is not None:
        return from_command(message.text), message.chat.id
    if message.location is not None:
        location = message.location
        return f'{{"lng":{location.longitude}, "lat":{location.latitude}}}', message.chat.id
    return None


def app_language(update: Update) -> Optional[Dict[Text, Any]]:
    """For `/start` only, the language of the person's Telegram app as channel metadata (like a web page's
    `lang`); afterwards the language follows what they write."""
    message = update.message
    if message is None or message.text is None or from_command(message.text) != COMMANDS["start"]:
        return None
    code = (message.from_user.language_code or "") if message.from_user else ""
    return {"language": code[:2].lower()} if code[:2].lower() in ("nl", "en") else None


class TelegramInput(rasa_telegram.TelegramInput):
    """Telegram webhook that accepts only updates carrying the registered secret token."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        secret_token: Optional[Text] = None,
        debug_mode: bool = False,
    ) -> None:
        if not secret_token or not _VALID_SECRET.fullmatch(secret_token):
            raise InvalidConfigException(
                "The telegram channel needs `secret_token`: 1-256 characters of A-Z, a-z, 0-9, _ or -."
            )
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.secret_token = secret_token
        self.guard = MessageGuard()

    def has_secret_token(self, request: Request) -> bool:
        """Telegram sends the secret given to setWebhook in a header on every update."""
        return secrets_match(request.headers.get(SECRET_HEADER), self.secret_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()
        on_new_message = self.guard.guard_messages(on_new_message, self.name())
        self.guard.limit_body(webhook, is_webhook_post)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not isinstance(request.json, dict):
                return response.text("Expected a Telegram update as a JSON object.", status=400)
            try:
                update = Update(**request.json)
                found = text_and_chat(update)
                language = app_language(update) if found is not None else None
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                logger.warning("Refused a malformed Telegram update: %s", type(error).__name__)
                return response.text("Expected a Telegram update.", status=400)
            if found is None:
                return response.text("success")
            text, chat_id = found
            if not isinstance(text, str) or not isinstance(chat_id, (int, str)):
                return response.text("Expected a Telegram update.", status=400)
            await self._handle(
                on_new_message,
                UserMessage(
                    text,
                    out_channel,
                    chat_id,
                    input_channel=self.name(),
                    metadata=language or self.get_metadata(request),
                ),
            )
            return response.text("success")

        refuse_unsigned(webhook, self.name(), self.has_secret_token)
        return webhook

    async def _handle(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
        """Hand the message on; an error is logged and Telegram still gets 200 (it would retry)."""
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - any failure must not make Telegram resend the update
            logger.exception("Could not handle a Telegram update.")
            if self.debug_mode:
                raise

    def get_output_channel(self) -> rasa_telegram.TelegramOutput:
        """Only the client: no setWebhook here (Rasa calls it at start-up); see the register command."""
        return rasa_telegram.TelegramOutput(self.access_token)

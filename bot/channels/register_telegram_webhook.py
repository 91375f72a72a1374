"""Register the assistant's webhook with Telegram: `python -m bot.channels.register_telegram_webhook`.

Run once per deployment (and whenever the public URL or the secret changes). The channel itself never
calls setWebhook, so the server starts without Telegram. Settings come from the same place as the
server's: `credentials.yml` filled from the environment (TELEGRAM_* variables, see docs/channels.md).
"""

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import aiohttp

from bot.channels.credentials import DEFAULT_TEMPLATE, effective_credentials

TELEGRAM_API = "https://api.telegram.org"
CHANNEL_KEY = "bot.channels.telegram.TelegramInput"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=20)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class RegistrationError(Exception):
    """Telegram refused the webhook or the settings are incomplete."""


def telegram_settings(template: Path, env: Mapping[str, str]) -> Dict[str, Any]:
    """The telegram entry of the effective credentials, or a clear error naming what is missing."""
    settings = effective_credentials(template, env).get(CHANNEL_KEY)
    if not settings:
        raise RegistrationError(
            "Telegram is not enabled: set TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL and "
            "TELEGRAM_SECRET_TOKEN (see docs/channels.md)."
        )
    return settings


async def register_webhook(access_token: str, webhook_url: str, secret_token: str) -> None:
    """Call setWebhook with the secret Telegram must send back in X-Telegram-Bot-Api-Secret-Token."""
    body = {"url": webhook_url, "secret_token": secret_token, "allowed_updates": ALLOWED_UPDATES}
    async with (
        aiohttp.ClientSession(timeout=REQUEST_TIMEOUT) as session,
        session.post(f"{TELEGRAM_API}/bot{access_token}/setWebhook", json=body) as reply,
    ):
        result = await reply.json(content_type=None)
    if not result.get("ok"):
        raise RegistrationError(f"Telegram refused the webhook: {result.get('description', reply.status)}")


def main(argv: Optional[List[str]] = None, env: Optional[Mapping[str, str]] = None) -> int:
    """Register the webhook; print what happened (never the token or the secret)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--credentials", type=Path, default=DEFAULT_TEMPLATE, help="credentials template with ${ENV_VAR} placeholders"
    )
    args = parser.parse_args(argv)
    try:
        settings = telegram_settings(args.credentials, os.environ if env is None else env)
        asyncio.run(register_webhook(settings["access_token"], settings["webhook_url"], settings["secret_token"]))
    except RegistrationError as error:
        print(f"Webhook not registered: {error}", file=sys.stderr)
        return 1
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        # the class name only: aiohttp's messages can contain the URL, and the URL holds the token
        print(f"Webhook not registered: no valid answer from Telegram ({type(error).__name__}).", file=sys.stderr)
        return 1
    print(f"Telegram will deliver updates to {settings['webhook_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What every messaging webhook needs: refuse calls the platform did not sign, and remember a little.

Rasa's `--auth-token` protects only the HTTP API, not `/webhooks/*`: each channel has to prove that a call
comes from its platform itself. The channel modules pass their own check to `refuse_unsigned`.
"""

import hmac
import logging
from collections import OrderedDict
from typing import Callable, Generic, Hashable, Optional, TypeVar

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def is_webhook_post(request: Request) -> bool:
    """True for the platform's message deliveries (POST .../webhook), not health checks."""
    return request.method == "POST" and request.path.rstrip("/").endswith("/webhook")


def secrets_match(received: Optional[str], expected: str) -> bool:
    """Constant-time comparison that also copes with a missing or non-ASCII header."""
    return bool(received) and hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


def refuse_unsigned(blueprint: Blueprint, channel: str, is_authentic: Callable[[Request], bool]) -> None:
    """Answer 403 to webhook posts that fail `is_authentic`, before any handler of `blueprint` runs."""

    @blueprint.middleware("request")
    async def verify_signature(request: Request) -> Optional[HTTPResponse]:
        if is_webhook_post(request) and not is_authentic(request):
            logger.warning("Refused a %s webhook call with a missing or wrong signature.", channel)
            return response.text(
                "Forbidden: this webhook accepts only requests signed by the platform.",
                status=403,
            )
        return None


class BoundedMemory(Generic[K, V]):
    """A small in-process memory that forgets its oldest entries beyond `max_entries`.

    The in-process side of bot/channels/memory.py; with several processes the Redis side is shared
    (docs/channels.md).
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[K, V] = OrderedDict()

    def put(self, key: K, value: V) -> None:
        """Remember `value` under `key`, forgetting the oldest entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.max_entries:
            self._items.popitem(last=False)

    def pop(self, key: K) -> Optional[V]:
        """Return and forget what was remembered under `key`."""
        return self._items.pop(key, None)

    def add_if_new(self, key: K, value: V) -> bool:
        """Remember `key` and return True, or return False if it was already remembered."""
        if key in self._items:
            return False
        self.put(key, value)
        return True

    def __len__(self) -> int:
        return len(self._items)

"""The insights report for signed-in staff at ``/insights/`` on the Rasa server, refreshed on every request.

Closed by default: without ``HORIZON_INSIGHTS_TOKEN`` in the environment the route answers 404, as if it did
not exist. With it, a request must carry the token, as ``Authorization: Bearer <token>`` (scripts) or as the
password of HTTP Basic authentication with any user name (a browser asks for it); anything else gets 401.
The comparison takes constant time. Each request first ingests the new events (only those: see
horizon/insights/ingest.py; the tracker store's, or the event queue's when ``EVENT_BROKER_URL`` is set), then
renders the report (``?from=YYYY-MM-DD&to=YYYY-MM-DD``, default the
last 30 days). Serve it over HTTPS only (behind the same proxy as the widget): Basic authentication sends
the token with every request.

credentials.yml::

    bot.channels.insights.InsightsInput: {}
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import os
import threading
from datetime import date, timedelta
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.webhook_guard import secrets_match
from horizon.db import get_engine
from horizon.insights.ingest import brussels_today, ingest
from horizon.insights.queue_source import broker_settings, ingest_queue
from horizon.insights.report import collect, render
from horizon.insights.tracker_source import TrackerStoreSource
from horizon.schema import ensure_schema

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "HORIZON_INSIGHTS_TOKEN"
PREFIX = "/insights"
DEFAULT_DAYS = 30
TIMEOUT_S = 120.0
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
}
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Horizon insights", charset="UTF-8"', **HEADERS}


def configured_token() -> Optional[str]:
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    return token or None


def presented_token(request: Request) -> Optional[str]:
    """The token of a Bearer header, or the password of a Basic one."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return None


def date_range(request: Request, today: Optional[date] = None) -> Tuple[date, date]:
    """``from``/``to`` of the query string; bad or missing values give the last 30 days."""
    today = today or brussels_today()
    try:
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
        start = date.fromisoformat(request.args.get("from") or (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    except ValueError:
        end, start = today, today - timedelta(days=DEFAULT_DAYS - 1)
    if start > end or (end - start).days > 3660:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def store_engine(store: Any) -> Optional[Any]:
    """The database engine of an SQL tracker store, also inside Rasa's ``FailSafeTrackerStore`` wrapper."""
    for _depth in range(3):
        if store is None or getattr(store, "engine", None) is not None:
            break
        store = getattr(store, "_tracker_store", None)
    return getattr(store, "engine", None)


_refreshing = threading.Lock()


def refresh(store: Any, start: date, end: date) -> str:
    """New events in (when the tracker store is an SQL one), the report out; one request at a time."""
    with _refreshing:
        engine = ensure_schema(get_engine())
        broker = broker_settings()
        events = store_engine(store)
        if broker is not None:  # cluster mode: the replicas' events come through the event queue
            ingest_queue(engine, broker)
        elif events is not None:
            ingest(engine, TrackerStoreSource(events))
        return render(collect(engine, start, end))


class InsightsInput(InputChannel):
    """Not a messaging channel: its blueprint serves the insights report."""

    @classmethod
    def name(cls) -> Text:
        return "insights"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        insights = OwnPrefixBlueprint("horizon_insights", url_prefix=PREFIX)

        @insights.route("/", methods=["GET"], strict_slashes=False)
        async def report(request: Request) -> HTTPResponse:
            token = configured_token()
            if token is None:
                return response.text("Not Found", status=404)
            if not secrets_match(presented_token(request), token):
                return response.text("Sign in to see the insights.", status=401, headers=CHALLENGE)
            start, end = date_range(request)
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(agent, "tracker_store", None)
            try:
                page = await asyncio.wait_for(asyncio.to_thread(refresh, store, start, end), TIMEOUT_S)
            except Exception:
                logger.exception("insights: the report could not be made")
                return response.text("The report could not be made; see the server log.", status=503, headers=HEADERS)
            return response.html(page, headers=HEADERS)

        return insights


class OwnPrefixBlueprint(Blueprint):
    """Keeps its own URL prefix instead of Rasa's ``/webhooks/<channel>``."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, {**options, "url_prefix": self.url_prefix})

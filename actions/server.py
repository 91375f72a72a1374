"""The action server, closed to everyone but the Rasa server: `python -m actions.server [--host H] [--port P]`.

rasa-sdk's own server (`python -m rasa_sdk`) listens on every interface, has no authentication and answers
a failing call with a 500 that echoes the request body (the tracker: names, email addresses). This module
builds the same Sanic app (`rasa_sdk.endpoint.create_app`) and adds, in front of it:

- a loopback bind by default (`--host`, `ACTIONS_HOST`);
- a shared secret: with `ACTION_SERVER_TOKEN` set, every call but `GET /health` must carry it in the
  `X-Horizon-Action-Token` header (Rasa sends it: `headers:` of the action endpoint) or gets 403;
- a shape check of action calls (a JSON object naming the action, with the tracker as an object): anything
  else gets 400 instead of a crash;
- errors answered without the request body and logged without it; no access log (URLs and client
  addresses are not needed to run the service).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import os
import zlib
from typing import Any, Dict, Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from horizon import facts
from horizon.redaction import install_log_redaction
from horizon.strategy import retrieval

logger = logging.getLogger(__name__)

TOKEN_HEADER = "X-Horizon-Action-Token"  # bot/servers.py puts it into the action endpoint's headers
TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})
MAX_BODY_BYTES = 16 * 1024 * 1024  # a long conversation's tracker plus the domain; only Rasa may call


def secrets_match(received: Optional[str], expected: str) -> bool:
    """Constant-time comparison that copes with a missing or non-ASCII header."""
    return bool(received) and hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


# The fields of a tracker that rasa-sdk's Tracker.from_dict reads, with their types (as an empty value):
# these may be absent but never null,
REQUIRED_TYPES: Dict[str, Any] = {"slots": {}, "latest_message": {}, "events": []}
# and these may also be null.
TRACKER_FIELDS: Dict[str, Any] = {
    "slots": {},
    "latest_message": {},
    "events": [],
    "active_loop": {},
    "latest_action": {},
    "followup_action": "",
    "latest_action_name": "",
    "latest_input_channel": "",
}


def action_call(request: Request) -> Optional[dict]:
    """The body of a POST /webhook as a well-formed action call, or None."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            call = json.loads(zlib.decompress(request.body or b""))
        else:
            call = request.json  # parsed once: Sanic keeps it for rasa-sdk's handler
    except (ValueError, zlib.error, RecursionError, InvalidUsage):
        return None
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        return None
    tracker = call.get("tracker")
    if not isinstance(tracker, dict) or not isinstance(tracker.get("sender_id"), str):
        return None
    if not isinstance(call.get("domain", {}), (dict, type(None))) or not isinstance(
        call.get("version", ""), (str, type(None))
    ):
        return None
    if not all(isinstance(tracker.get(key, empty), type(empty)) for key, empty in REQUIRED_TYPES.items()):
        return None
    if not all(isinstance(tracker.get(key), (type(empty), type(None))) for key, empty in TRACKER_FIELDS.items()):
        return None
    if not all(isinstance(event, dict) for event in tracker.get("events") or []):
        return None
    return call


def build_indexes() -> None:
    """The strategy's and the facts' search indexes, in both languages (each is built once per process)."""
    for language in ("nl", "en"):
        retrieval.index(language)
        facts.index(language)


def build_app(token: Optional[str]) -> Sanic:
    """rasa-sdk's app with the project's actions, the secret check and the input check in front."""
    app = create_app("actions", cors_origins="")
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES

    @app.before_server_start
    async def warm_up(app: Sanic, loop: Any) -> None:
        # The search indexes take a second or more to build: before the first question, not during it (where
        # the search's own timeout would give that person "I don't know").
        await asyncio.to_thread(build_indexes)

    @app.middleware("request")
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if token and request.path not in OPEN_PATHS and not secrets_match(request.headers.get(TOKEN_HEADER), token):
            return response.json({"error": "Forbidden: only the Rasa server may call the action server."}, 403)
        if request.method == "POST" and request.path == "/webhook" and action_call(request) is None:
            return response.json({"error": "Expected an action call: a JSON object with next_action and tracker."}, 400)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # Never the body (it holds the tracker) in the answer; the log line is redacted by horizon.redaction.
        status = getattr(exception, "status_code", 500)
        if status >= 500:
            logger.error("An action call failed: %s", type(exception).__name__, exc_info=exception)
        return response.json({"error": "The action server could not handle this request."}, status=status)

    return app


def main(argv: Optional[Any] = None) -> None:
    parser = argparse.ArgumentParser(description="Horizon's action server (rasa-sdk), for the Rasa server only.")
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    args = parser.parse_args(argv)
    install_log_redaction()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    token = os.environ.get(TOKEN_VARIABLE) or None
    if token is None:
        logger.warning("%s is not set: the action server answers anyone who can reach it.", TOKEN_VARIABLE)
    app = build_app(token)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action endpoint is up and running on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()

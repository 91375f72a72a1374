"""Serves the website chat widget (``bot/widget/``) from the assistant's own Rasa server.

A tiny custom "channel" with no messages of its own: its blueprint serves the widget script, its vendored
socket.io client and the two demo pages at ``/widget/`` (not under Rasa's ``/webhooks/`` prefix, so the
embed snippet stays short). The conversation itself runs over :mod:`bot.channels.socketio`.

credentials.yml::

    bot.channels.widget.WidgetInput: {}
"""

import mimetypes
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
WIDGET_PREFIX = "/widget"
SERVED_SUFFIXES = {".js", ".html", ".css", ".png", ".svg", ".txt", ".LICENSE"}
HEADERS = {"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"}


def widget_files(directory: Path = WIDGET_DIR) -> Dict[Text, Path]:
    """Maps URL paths (relative to the prefix) to the files that may be served: a fixed list, no traversal."""
    return {
        path.relative_to(directory).as_posix(): path
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.suffix in SERVED_SUFFIXES
    }


async def send_browsers_to_demo(request: Request) -> Optional[HTTPResponse]:
    """A browser opening the server's root (http://localhost:5005/) lands on the demo page.

    Rasa's own ``GET /`` ("Hello from Rasa") stays for everything else (health checks, curl).
    """
    if request.path == "/" and request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        return response.redirect(WIDGET_PREFIX + "/")
    return None


def content_type(path: Path) -> Text:
    """Text types (HTML, JavaScript, licence files) are served as UTF-8."""
    guessed = mimetypes.guess_type(path.name)[0] or "text/plain"
    textual = guessed.startswith("text/") or guessed.endswith("javascript")
    return f"{guessed}; charset=utf-8" if textual else guessed


class RootBlueprint(Blueprint):
    """Keeps its own URL prefix instead of Rasa's ``/webhooks/<channel>``; sends browsers at ``/`` to it."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, {**options, "url_prefix": self.url_prefix})
        app.register_middleware(send_browsers_to_demo, "request")


class WidgetInput(InputChannel):
    """Static files of the chat widget; the demo page is at ``/widget/`` (Dutch) and ``/widget/en.html``."""

    @classmethod
    def name(cls) -> Text:
        return "widget"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        files = widget_files()
        widget = RootBlueprint("horizon_widget", url_prefix=WIDGET_PREFIX)

        @widget.route("/", methods=["GET", "HEAD"])
        async def demo(request: Request) -> HTTPResponse:
            # "/widget" becomes "/widget/" so that the demo page's relative links work.
            if not request.path.endswith("/"):
                return response.redirect(WIDGET_PREFIX + "/")
            return await serve("")

        @widget.route("/<name:path>", methods=["GET", "HEAD"])
        async def asset(_: Request, name: Text) -> HTTPResponse:
            return await serve(name)

        async def serve(name: Text) -> HTTPResponse:
            path = files.get(name or "index.html")
            if path is None:
                raise NotFound("There is no such file in the chat widget.")
            return await response.file(path, mime_type=content_type(path), headers=HEADERS)

        return widget

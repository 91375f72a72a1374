"""rasa-webchat, the chat client many Rasa sites embed (npm `rasa-webchat` 1.0.1, installed by `make webchat`
into tests/browser/webchat), against Horizon's socket.io channel in Debian's Chromium.

The client announces nothing, so it must get every answer as text and buttons: a search lists its results in
the text (the cards payload, which it would show as an empty bubble, goes only to clients that announce the
`cards` capability, as the `<horizon-chat>` widget does). The page is served at the Rasa server's own origin
(the only one its socket.io channel accepts by default) by Playwright, from the installed package's bundle.
"""

from __future__ import annotations

import json
import re
import time
from typing import List

import pytest
from playwright.sync_api import Page, Route, expect

from bot.paths import ROOT
from tests.browser.conftest import Servers, missing
from tests.browser.widget_page import language_of

BUNDLE = ROOT / "tests" / "browser" / "webchat" / "node_modules" / "rasa-webchat" / "lib" / "index.js"
PAGE_PATH = "/rasa-webchat-test/"
PAGE = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8"><title>rasa-webchat</title></head>
<body><div id="webchat"></div>
<script src="{path}rasa-webchat.js"></script>
<script>
  WebChat.default({{
    socketUrl: location.origin,
    initPayload: {payload},
    customData: {{ language: "{language}" }},
    embedded: true,
    title: "Horizon",
  }}, document.getElementById("webchat"));
</script></body></html>
"""
SETTLE_S = 15
GREET = {"nl": "/greet", "en": '/greet{"language": "en"}'}


class Webchat:
    """rasa-webchat on a page: its bot messages, its quick replies, its input."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.answers = page.locator(".rw-response")
        self.replies = page.locator(".rw-replies .rw-reply")

    def texts(self) -> List[str]:
        return [text.strip() for text in self.answers.all_inner_texts()]

    def wait_for_more(self, before: int) -> List[str]:
        """The bot messages after the first `before`, once the answer has stopped growing. rasa-webchat shows
        each message after a delay that grows with its length, as an empty bubble until then; a bubble that
        stays empty for SETTLE_S is returned as it is."""
        expect(self.answers.nth(before)).to_be_visible(timeout=30_000)
        settled: List[str] = []
        deadline = time.monotonic() + SETTLE_S
        while True:
            self.page.wait_for_timeout(700)
            now = self.texts()
            if now == settled and (all(now[before:]) or time.monotonic() > deadline):
                return now[before:]
            settled = now

    def say(self, text: str) -> List[str]:
        before = self.answers.count()
        self.page.locator(".rw-new-message").fill(text)
        self.page.locator(".rw-send").click()
        return self.wait_for_more(before)

    def click(self, title: str) -> List[str]:
        before = self.answers.count()
        self.replies.filter(has_text=title).first.click()
        return self.wait_for_more(before)


@pytest.fixture
def webchat_page(page: Page, servers: Servers) -> Page:
    if not BUNDLE.exists():
        missing(f"{BUNDLE} is missing: `make webchat` installs rasa-webchat from npm")
    return page


def open_webchat(page: Page, servers: Servers, language: str) -> Webchat:
    html = PAGE.format(language=language, path=PAGE_PATH, payload=json.dumps(GREET[language]))

    def serve(route: Route) -> None:
        if route.request.url.endswith("rasa-webchat.js"):
            route.fulfill(body=BUNDLE.read_bytes(), content_type="application/javascript")
        else:
            route.fulfill(body=html, content_type="text/html; charset=utf-8")

    page.route(f"{servers.url}{PAGE_PATH}**", serve)
    page.goto(f"{servers.url}{PAGE_PATH}index.html")
    return Webchat(page)


@pytest.mark.parametrize(
    "language, strategy, button, search, volunteer",
    [
        (
            "nl",
            "Wat is de visie van 11.11.11?",
            "Meedoen",
            "zijn er groepen in Gent?",
            ("ik wil vrijwilliger worden", "Hoe heet je?", "Jan Peeters", "e-mailadres"),
        ),
        (
            "en",
            "What is the vision of 11.11.11?",
            "Get involved",
            "are there groups in Ghent?",
            ("I'd like to volunteer", "What is your name?", "Sarah Janssens", "email address"),
        ),
    ],
)
def test_rasa_webchat_gets_complete_answers(
    webchat_page: Page, servers: Servers, language: str, strategy: str, button: str, search: str, volunteer: tuple
) -> None:
    chat = open_webchat(webchat_page, servers, language)

    greeting = chat.wait_for_more(0)
    assert "11.11.11" in " ".join(greeting) and language_of(" ".join(greeting)) == language
    assert chat.replies.count() >= 2  # the greeting's buttons, as quick replies

    pressed = chat.click(button)  # one of the greeting's buttons
    assert pressed and all(pressed) and language_of(" ".join(pressed)) == language, pressed

    answer = " ".join(chat.say(strategy))
    assert len(answer) > 80 and language_of(answer) == language

    found = chat.say(search)
    assert all(found), f"an empty bubble among the answers: {found}"  # no custom payload shown as nothing
    listed = "\n".join(found)
    assert re.search(r"Voorbeeld: .*Gent", listed), listed  # the results themselves, in the text
    assert listed.count("Voorbeeld:") >= 2

    ask, question, name, next_question = volunteer
    assert question in " ".join(chat.say(ask))
    assert next_question in " ".join(chat.say(name))
    assert webchat_page.errors == []  # type: ignore[attr-defined]

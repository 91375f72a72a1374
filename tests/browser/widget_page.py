"""Drives the <horizon-chat> widget on a page the way a person does: click, type, read."""

from __future__ import annotations

import re
import time
from typing import List, Optional

from playwright.sync_api import Locator, Page

SETTLE_S = 0.7  # Rasa sends an answer as several messages: wait until none arrived for this long
ANSWER_TIMEOUT_MS = 20_000

DUTCH_WORDS = {
    "de",
    "het",
    "een",
    "en",
    "van",
    "voor",
    "niet",
    "met",
    "op",
    "dat",
    "zijn",
    "onze",
    "naar",
    "ook",
    "wij",
    "jij",
    "je",
    "wat",
    "wil",
    "meer",
    "iets",
    "hoe",
    "bij",
    "door",
    "als",
}
ENGLISH_WORDS = {
    "the",
    "a",
    "and",
    "of",
    "for",
    "not",
    "with",
    "on",
    "that",
    "are",
    "our",
    "to",
    "you",
    "what",
    "would",
    "like",
    "more",
    "how",
    "by",
    "through",
    "as",
    "about",
    "it",
}


def language_of(text: str) -> Optional[str]:
    """'nl' or 'en' by counting common function words; None when the text gives no clue."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    dutch = sum(word in DUTCH_WORDS for word in words)
    english = sum(word in ENGLISH_WORDS for word in words)
    if dutch == english:
        return None
    return "nl" if dutch > english else "en"


class Widget:
    """The chat widget on one page (Playwright's CSS locators pierce its open shadow root)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.bubble = page.locator("horizon-chat .bubble")
        self.panel = page.locator("horizon-chat .panel")
        self.log = page.locator("horizon-chat [role=log]")
        self.input = page.locator("horizon-chat input")
        self.bot_messages = page.locator("horizon-chat .msg.bot")
        self.user_messages = page.locator("horizon-chat .msg.user")
        self.choices = page.locator("horizon-chat .choices button")

    def goto(self, url: str) -> Widget:
        self.page.goto(url)
        self.page.wait_for_function("customElements.get('horizon-chat') !== undefined")
        return self

    def open(self) -> List[str]:
        """Clicks the bubble and returns the greeting."""
        before = self.bot_messages.count()
        self.bubble.click()
        return self.wait_for_answer(before)

    def ask(self, text: str) -> List[str]:
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_for_answer(before)

    def wait_for_answer(self, before: int) -> List[str]:
        """Waits for new bot messages until they stop coming; returns their texts."""
        self.page.wait_for_function(
            "n => document.querySelector('horizon-chat').shadowRoot.querySelectorAll('.msg.bot').length > n",
            arg=before,
            timeout=ANSWER_TIMEOUT_MS,
        )
        count = -1
        while count != self.bot_messages.count():
            count = self.bot_messages.count()
            time.sleep(SETTLE_S)
        return self.texts(self.bot_messages)[before:]

    @staticmethod
    def texts(messages: Locator) -> List[str]:
        return [text.strip() for text in messages.all_inner_texts()]

    def session_id(self) -> str:
        return self.page.evaluate("localStorage.getItem('horizon-chat:session')")

    def focused(self) -> str:
        """Describes the focused element inside the widget, e.g. 'BUTTON.bubble' or 'INPUT'."""
        return self.page.evaluate(
            """() => { const host = document.activeElement;
                       if (!host || host.localName !== 'horizon-chat') return 'outside';
                       const el = host.shadowRoot.activeElement;
                       return el ? el.tagName + (el.className ? '.' + el.className : '') : 'host'; }"""
        )

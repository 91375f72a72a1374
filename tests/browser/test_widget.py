"""The website widget in Debian's Chromium against the real Rasa server, action server and trained model."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from bot.paths import ROOT
from tests.browser.conftest import Servers
from tests.browser.widget_page import Widget, language_of

DOCS = ROOT / "docs"
A11Y_CHECK = (Path(__file__).parent / "a11y_check.js").read_text()
XSS = "<img src=x onerror=window.__xss=1>"


def widget_on(page: Page, servers: Servers, path: str = "/widget/") -> Widget:
    return Widget(page).goto(servers.url + path)


def last_user_event(servers: Servers, widget: Widget) -> Dict:
    events = servers.tracker(widget.session_id())["events"]
    return [event for event in events if event["event"] == "user"][-1]


def test_root_address_shows_the_demo(page: Page, servers: Servers) -> None:
    page.goto(servers.url + "/")

    assert page.url == servers.url + "/widget/"
    expect(page.locator("horizon-chat .bubble")).to_be_visible()


def test_bubble_opens_with_a_greeting_and_topic_buttons(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    expect(widget.panel).to_be_hidden()

    greeting = widget.open()

    expect(widget.bubble).to_have_attribute("aria-expanded", "true")
    assert greeting and language_of(" ".join(greeting)) == "nl"
    assert widget.choices.count() >= 2
    assert widget.focused() == "INPUT"
    assert last_user_event(servers, widget)["text"] == "/greet"
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path, question, language",
    [
        ("/widget/", "Wat is de visie van 11.11.11?", "nl"),
        ("/widget/en.html", "What is the vision of 11.11.11?", "en"),
    ],
)
def test_answers_in_the_page_language(page: Page, servers: Servers, path: str, question: str, language: str) -> None:
    widget = widget_on(page, servers, path)
    greeting = widget.open()

    answer = widget.ask(question)

    assert language_of(" ".join(greeting)) == language
    assert answer and language_of(" ".join(answer)) == language
    assert widget.texts(widget.user_messages)[-1].endswith(question)
    metadata = last_user_event(servers, widget)["metadata"]  # Rasa adds model_id and assistant_id
    assert {key: metadata.get(key) for key in ("language", "path")} == {"language": language, "path": path}
    if language == "nl":
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(DOCS / "widget-desktop.png"))


def test_a_search_shows_its_results_as_cards_once(page: Page, servers: Servers) -> None:
    """The widget announces that it shows cards: it gets them instead of the text list (rasa-webchat, which
    announces nothing, gets the list: tests/browser/test_rasa_webchat.py)."""
    widget = widget_on(page, servers)
    widget.open()

    answer = "\n".join(widget.ask("zijn er groepen in Gent?"))

    cards = widget.log.locator(".card")
    expect(cards).to_have_count(2)
    assert all("Gent" in text for text in cards.all_inner_texts())
    assert "Resultaten 1" in answer and "• Voorbeeld" not in answer  # the summary, not the list a second time
    assert last_user_event(servers, widget)["metadata"]["capabilities"] == ["cards"]


def test_quick_reply_sends_its_payload_and_shows_its_title(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    widget.open()
    choice = widget.choices.first
    title = choice.inner_text()
    before = widget.bot_messages.count()

    choice.click()
    answer = widget.wait_for_answer(before)

    assert widget.texts(widget.user_messages)[-1].endswith(title)
    sent = last_user_event(servers, widget)
    assert sent["text"].startswith("/") and sent["text"] != title
    assert sent["parse_data"]["intent"]["name"] == sent["text"][1:].split("{")[0]
    assert answer
    assert widget.focused() == "INPUT"  # the buttons are gone: focus stays in the widget


def test_reload_keeps_the_conversation(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    widget.open()
    widget.ask("Wat zijn jullie waarden?")
    session, shown = widget.session_id(), widget.texts(widget.log)

    page.reload()
    widget = Widget(page)
    expect(widget.panel).to_be_visible()  # it was open before the reload
    expect(widget.log).to_have_text(shown, use_inner_text=True)
    answer = widget.ask("Wat is jullie missie?")

    assert widget.session_id() == session
    assert answer  # the new socket joined the session's room (RasaHQ/rasa#13027)
    assert last_user_event(servers, widget)["text"] == "Wat is jullie missie?"


def test_new_conversation_forgets_the_old_one(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    widget.open()
    widget.ask("Wat zijn jullie waarden?")
    old = widget.session_id()

    page.get_by_role("button", name="Nieuw gesprek").click()

    expect(widget.user_messages).to_have_count(0)
    expect(widget.bot_messages).to_have_count(1)  # a new greeting
    assert widget.session_id() != old
    assert f"horizon-chat:log:{old}" not in page.evaluate("Object.keys(localStorage)")
    assert last_user_event(servers, widget)["text"] == "/greet"


def test_markup_is_shown_as_text(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    widget.open()

    widget.ask(XSS)

    expect(widget.user_messages.last).to_have_text(f"Jij: {XSS}")
    assert widget.log.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_bot_markdown_becomes_safe_nodes(page: Page, servers: Servers) -> None:
    """Bot text with markdown, links and markup, rendered by the widget's own code in the browser."""
    widget = widget_on(page, servers)
    widget.open()
    page.evaluate(
        """() => document.querySelector('horizon-chat').receive({text:
             '**Vet** en [site](https://www.11.be) of [kwaad](javascript:window.__xss=2)\\n'
             + 'mail info@example.org <img src=x onerror=window.__xss=3>',
             custom: {cards: [
               {title: 'Winkel', subtitle: 'Gent', text: 'Kom **helpen**', url: 'https://example.org/w'},
               {title: 'Zonder site', url: 'javascript:alert(1)'}]}})"""
    )
    message = widget.bot_messages.last
    links: List[Dict[str, str]] = message.locator("a").evaluate_all(
        "as => as.map(a => ({href: a.getAttribute('href'), text: a.firstChild.textContent}))"
    )
    cards = widget.log.locator(".card")

    assert message.locator("strong").inner_text() == "Vet"
    assert message.locator("br").count() == 1
    assert links == [
        {"href": "https://www.11.be/", "text": "site"},
        {"href": "mailto:info@example.org", "text": "info@example.org"},
    ]
    assert "[kwaad](javascript:window.__xss=2)" in message.inner_text()
    assert "<img src=x" in message.inner_text() and widget.log.locator("img").count() == 0
    expect(cards).to_have_count(2)
    assert cards.first.locator("a").get_attribute("href") == "https://example.org/w"
    assert cards.first.locator("strong").inner_text() == "helpen"
    assert cards.nth(1).locator("a").count() == 0
    assert page.evaluate("window.__xss") is None


def test_keyboard_only(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    for _ in range(10):  # Tab from the top of the page to the bubble
        page.keyboard.press("Tab")
        if widget.focused() == "BUTTON.bubble":
            break
    assert widget.focused() == "BUTTON.bubble"
    assert widget.bubble.evaluate("b => getComputedStyle(b).outlineStyle") != "none"  # visible focus

    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(before)
    assert widget.focused() == "INPUT"
    page.keyboard.type("Wat is de missie van 11.11.11?")
    before = widget.bot_messages.count()
    page.keyboard.press("Enter")
    widget.wait_for_answer(before)

    page.keyboard.press("Shift+Tab")  # back from the input to the last quick-reply button
    assert widget.focused() == "BUTTON"
    before = widget.bot_messages.count()
    page.keyboard.press("Space")
    widget.wait_for_answer(before)
    assert widget.focused() == "INPUT"

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "BUTTON.bubble"
    page.keyboard.press("Space")
    expect(widget.panel).to_be_visible()


def test_accessibility_of_roles_names_and_contrast(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    closed = page.locator("horizon-chat").evaluate(A11Y_CHECK)
    widget.open()
    widget.ask("Wat is de visie van 11.11.11?")

    opened = page.locator("horizon-chat").evaluate(A11Y_CHECK)

    assert closed["problems"] == [] and opened["problems"] == []
    assert len(opened["checked"]) >= 8  # bubble text, messages, buttons, footer, placeholder... were measured
    expect(widget.log).to_have_attribute("aria-live", "polite")


def test_attributes_set_colours_title_and_position(page: Page, servers: Servers) -> None:
    widget = widget_on(page, servers)
    page.evaluate(
        """() => { const chat = document.querySelector('horizon-chat');
                   chat.setAttribute('primary-color', '#7a1f1f');
                   chat.setAttribute('chat-title', 'Vraag het Horizon');
                   chat.setAttribute('position', 'left'); chat.setAttribute('privacy-url', '/privacy'); }"""
    )
    widget.bubble.click()

    box = page.locator("horizon-chat").bounding_box()
    assert box is not None and box["x"] < 100
    assert page.locator("horizon-chat h2").inner_text() == "Vraag het Horizon"
    header = page.locator("horizon-chat header")
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(122, 31, 31)"
    assert page.locator("horizon-chat footer a").get_attribute("href") == servers.url + "/privacy"


def test_works_at_320_pixels_wide(context: BrowserContext, servers: Servers) -> None:
    page = context.new_page()
    page.set_viewport_size({"width": 320, "height": 640})
    widget = widget_on(page, servers)
    widget.open()
    widget.ask("Hoe kan ik meedoen?")

    panel = widget.panel.bounding_box()
    send = page.locator("horizon-chat form button").bounding_box()
    overflow = page.evaluate(
        """() => [...document.querySelector('horizon-chat').shadowRoot
                    .querySelectorAll('.msg, .choices, form, header')]
                    .filter(e => e.scrollWidth > e.clientWidth + 1).length"""
    )

    assert panel is not None and panel["width"] == 320 and panel["x"] == 0
    assert send is not None and send["x"] + send["width"] <= 320
    assert overflow == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "widget-mobile.png"))

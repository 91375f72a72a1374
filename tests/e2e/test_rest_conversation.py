"""Talks to the real Rasa server and action server over HTTP, as a website or app would."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from horizon.strategy.text import passage
from tests.support.rest import Conversation


def test_a_dutch_conversation(running_bot):
    chat = Conversation(running_bot)
    greeting = chat.say("hallo")
    assert greeting and any(m.get("buttons") for m in greeting)
    vision = chat.text("wat is jullie visie?")
    assert "mondiale rechtvaardigheid" in vision
    deeper = chat.text("vertel me meer")
    assert passage("nl", "vision", 0).text in deeper and '"Visie"' in deeper
    assert chat.tracker()["slots"]["language"] == "nl"


def test_an_english_conversation(running_bot):
    chat = Conversation(running_bot)
    mission = chat.text("What is the mission of 11.11.11?")
    assert "international solidarity" in mission.lower()
    deeper = chat.text("tell me more please")
    assert passage("en", "mission", 0).text in deeper
    assert chat.tracker()["slots"]["language"] == "en"


def test_a_free_question_is_answered_from_the_source(running_bot):
    answer = Conversation(running_bot).text("wat zegt jullie strategie over toekomstige generaties?")
    assert "toekomstige generaties" in answer


def test_page_language_applies_from_the_first_message(running_bot):
    chat = Conversation(running_bot, metadata={"language": "en", "path": "/en/"})
    answer = chat.say("/greet")
    assert chat.tracker()["slots"]["language"] == "en"
    assert answer and "11.11.11" in answer[0]["text"]


def test_french_is_pointed_to_cncd(running_bot):
    answer = Conversation(running_bot).text("Bonjour, comment est-ce que je peux faire un don?")
    assert "cncd.be" in answer


def test_the_http_api_needs_the_token(running_bot):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{running_bot.url}/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(f"{running_bot.url}/status?token={running_bot.token}", timeout=10) as ok:
        assert "model_file" in json.loads(ok.read())


def test_bad_requests_get_a_4xx_not_a_crash(running_bot):
    request = urllib.request.Request(
        f"{running_bot.url}/webhooks/rest/webhook", b"{not json", {"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert 400 <= refused.value.code < 500
    assert Conversation(running_bot).say("hallo")  # still answering

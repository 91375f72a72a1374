"""Messaging channels (bot/channels/): signed platform calls reach the assistant, unsigned ones do not.

Each channel runs in Rasa's own Sanic app (`configure_app`) with a stand-in agent that answers through the
channel, so Rasa's channel code runs as in production. Only the platforms' APIs are stubbed, at the HTTP
edge (aioresponses for aiohttp clients, responses for requests clients), and the outgoing request is
checked. The `*_stock_*` tests show the flaw in Rasa 3.6.21's connector that the subclass fixes: they fail
the day Rasa fixes it, which is the cue to drop the subclass.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import re
import stat
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode

import pytest
import requests
import responses
from aioresponses import aioresponses
from rasa.core.channels import facebook as rasa_facebook
from rasa.core.channels import slack as rasa_slack
from rasa.core.channels import telegram as rasa_telegram
from rasa.core.channels import twilio as rasa_twilio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.run import configure_app, create_http_input_channels
from rasa.shared.exceptions import RasaException
from sanic import Sanic

from bot.channels import register_telegram_webhook
from bot.channels.credentials import channels, effective_credentials, write_credentials
from bot.channels.facebook import FacebookInput
from bot.channels.slack import SlackInput
from bot.channels.telegram import TelegramInput
from bot.channels.twilio import TwilioInput
from bot.channels.webhook_guard import BoundedMemory

Sanic.test_mode = True

REPO = Path(__file__).resolve().parents[2]
BUTTONS = [
    {"title": "Klimaat", "payload": '/ask_topic{"topic": "klimaat"}'},
    {"title": "Meedoen", "payload": "/get_involved"},
]


class AnsweringAgent:
    """Stands in for Rasa's Agent: records each message and answers with text and two buttons."""

    def __init__(self, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        self.messages: List[UserMessage] = []
        self.buttons = BUTTONS if buttons is None else buttons

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(
            message.sender_id,
            {"text": f"Je zei: {message.text}", "buttons": [dict(b) for b in self.buttons]},
        )

    @property
    def texts(self) -> List[Optional[str]]:
        return [m.text for m in self.messages]


def app_with(channel: InputChannel, agent: AnsweringAgent) -> Sanic:
    """Rasa's own server app with only `channel`, answering through `agent`."""
    app = configure_app([channel], enable_api=False)
    app.ctx.agent = agent
    return app


async def post(app: Sanic, path: str, body: bytes, headers: Dict[str, Any]) -> Tuple[int, str]:
    """POST a raw body (signatures cover the exact bytes) and return status and text."""
    _, reply = await app.asgi_client.post(path, content=body, headers=headers)
    return reply.status, reply.text


def hmac_hex(secret: str, message: bytes, digest: Any) -> str:
    return hmac.new(secret.encode(), message, digest).hexdigest()


# ---------------------------------------------------------------- WhatsApp (Twilio)

TWILIO_SID = "AC" + "0" * 32
TWILIO_TOKEN = "twilio-auth-token-for-tests"
TWILIO_URL = "https://horizon.example.org/webhooks/twilio/webhook"
TWILIO_API = re.compile(r"https://api\.twilio\.com/2010-04-01/Accounts/AC0+/Messages\.json")
USER_NUMBER = "whatsapp:+32470000001"
BOT_NUMBER = "whatsapp:+14155238886"


def twilio_signature(token: str, url: str, form: Dict[str, str]) -> str:
    """Twilio's documented scheme: base64 HMAC-SHA1 of the URL followed by the sorted name+value pairs."""
    signed = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def twilio_form(text: str) -> Dict[str, str]:
    return {
        "From": USER_NUMBER,
        "To": BOT_NUMBER,
        "Body": text,
        "MessageSid": "SM" + "1" * 32,
        "AccountSid": TWILIO_SID,
        "NumMedia": "0",
    }


def twilio_channel(cls: type = TwilioInput, webhook_url: Optional[str] = TWILIO_URL) -> InputChannel:
    return cls.from_credentials(
        {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "twilio_number": BOT_NUMBER, "webhook_url": webhook_url}
    )


async def send_whatsapp(app: Sanic, text: str, signature: Optional[str] = "valid") -> int:
    form = twilio_form(text)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature == "valid":
        headers["X-Twilio-Signature"] = twilio_signature(TWILIO_TOKEN, TWILIO_URL, form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    status, _ = await post(app, "/webhooks/twilio/webhook", urlencode(form).encode(), headers)
    return status


def twilio_sent(rsps: responses.RequestsMock) -> List[Dict[str, str]]:
    """The messages sent to Twilio's API, as To/From/Body dicts."""
    return [{k: v[0] for k, v in parse_qs(call.request.body).items()} for call in rsps.calls]


@pytest.fixture
def twilio_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, TWILIO_API, status=201, json={"sid": "SM" + "2" * 32, "status": "queued"})
        yield rsps


@pytest.mark.asyncio
async def test_twilio_signed_message_reaches_agent_and_buttons_go_out_numbered(twilio_api):
    agent = AnsweringAgent()
    app = app_with(twilio_channel(), agent)

    assert await send_whatsapp(app, "hallo") == 204

    assert agent.texts == ["hallo"]
    assert agent.messages[0].sender_id == USER_NUMBER
    assert twilio_sent(twilio_api) == [
        {
            "To": USER_NUMBER,
            "From": BOT_NUMBER,
            "Body": "Je zei: hallo\n\n1. Klimaat\n2. Meedoen",
        }
    ]


@pytest.mark.asyncio
async def test_twilio_numbered_answer_selects_the_button_payload(twilio_api):
    agent = AnsweringAgent()
    app = app_with(twilio_channel(), agent)

    await send_whatsapp(app, "hallo")
    await send_whatsapp(app, "2")
    await send_whatsapp(app, " 1. ")
    await send_whatsapp(app, "7")  # not offered: stays text
    await send_whatsapp(app, "ik wil meer weten")

    assert agent.texts == ["hallo", BUTTONS[1]["payload"], BUTTONS[0]["payload"], "7", "ik wil meer weten"]


@pytest.mark.asyncio
async def test_twilio_number_without_buttons_offered_stays_text(twilio_api):
    agent = AnsweringAgent(buttons=[])
    app = app_with(twilio_channel(), agent)

    await send_whatsapp(app, "hallo")
    await send_whatsapp(app, "2")

    assert agent.texts == ["hallo", "2"]
    assert twilio_sent(twilio_api)[0]["Body"] == "Je zei: hallo"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        twilio_signature("another-token", TWILIO_URL, twilio_form("hallo")),
        twilio_signature(TWILIO_TOKEN, "http://127.0.0.1:5005/webhooks/twilio/webhook", twilio_form("hallo")),
        twilio_signature(TWILIO_TOKEN, TWILIO_URL, twilio_form("iets anders")),
    ],
    ids=["unsigned", "empty", "wrong-token", "other-url", "other-body"],
)
async def test_twilio_refuses_unsigned_or_forged_calls(twilio_api, signature):
    agent = AnsweringAgent()
    app = app_with(twilio_channel(), agent)

    assert await send_whatsapp(app, "hallo", signature=signature) == 403
    assert agent.messages == []
    assert len(twilio_api.calls) == 0


@pytest.mark.asyncio
async def test_twilio_without_public_url_checks_the_url_the_server_sees(twilio_api):
    agent = AnsweringAgent()
    app = app_with(twilio_channel(webhook_url=None), agent)
    form = twilio_form("hallo")
    seen_url = "http://mockserver/webhooks/twilio/webhook"  # the ASGI test client's host
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(TWILIO_TOKEN, seen_url, form),
    }

    status, _ = await post(app, "/webhooks/twilio/webhook", urlencode(form).encode(), headers)

    assert status == 204
    assert agent.texts == ["hallo"]


@pytest.mark.asyncio
async def test_twilio_stock_connector_accepts_unsigned_calls(twilio_api):
    agent = AnsweringAgent()
    app = app_with(twilio_channel(rasa_twilio.TwilioInput), agent)

    assert await send_whatsapp(app, "hallo", signature=None) == 204
    assert agent.texts == ["hallo"]


# ---------------------------------------------------------------- Telegram

TELEGRAM_TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnop"
TELEGRAM_SECRET = "horizon-webhook-secret_42"
TELEGRAM_URL = "https://horizon.example.org/webhooks/telegram/webhook"
TELEGRAM_API = re.compile(r"https://api\.telegram\.org/bot.+/(\w+)$")
CHAT_ID = 4242


def telegram_channel() -> InputChannel:
    return TelegramInput.from_credentials(
        {"access_token": TELEGRAM_TOKEN, "webhook_url": TELEGRAM_URL, "secret_token": TELEGRAM_SECRET}
    )


def telegram_update(text: Optional[str] = "hallo", button: Optional[str] = None) -> Dict[str, Any]:
    message = {
        "message_id": 5,
        "date": 1_700_000_000,
        "text": text,
        "chat": {"id": CHAT_ID, "type": "private"},
        "from": {"id": CHAT_ID, "is_bot": False, "first_name": "An"},
    }
    if button is None:
        return {"update_id": 1, "message": message}
    return {
        "update_id": 2,
        "callback_query": {
            "id": "77",
            "chat_instance": "1",
            "data": button,
            "message": message,
            "from": {"id": CHAT_ID, "is_bot": False, "first_name": "An"},
        },
    }


async def send_telegram(app: Sanic, update: Dict[str, Any], secret: Any) -> int:
    headers: Dict[str, Any] = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    status, _ = await post(app, "/webhooks/telegram/webhook", json.dumps(update).encode(), headers)
    return status


def telegram_calls(mocked: aioresponses) -> List[Tuple[str, Dict[str, str]]]:
    """(API method, form fields) of each request the bot sent to Telegram."""
    calls = []
    for (_, url), sent in mocked.requests.items():
        for call in sent:
            fields = {f[0]["name"]: f[2] for f in call.kwargs["data"]._fields}
            calls.append((url.path.rsplit("/", 1)[-1], fields))
    return calls


@pytest.fixture
def telegram_api():
    sent = {
        "ok": True,
        "result": {"message_id": 6, "date": 1_700_000_001, "text": "ok", "chat": {"id": CHAT_ID, "type": "private"}},
    }
    with aioresponses() as mocked:
        mocked.post(TELEGRAM_API, payload=sent, repeat=True)
        yield mocked


@pytest.mark.asyncio
async def test_telegram_update_with_secret_reaches_agent_and_reply_has_inline_buttons(telegram_api):
    agent = AnsweringAgent()
    app = app_with(telegram_channel(), agent)

    assert await send_telegram(app, telegram_update("hallo"), TELEGRAM_SECRET) == 200

    assert agent.texts == ["hallo"]
    assert agent.messages[0].sender_id == str(CHAT_ID)
    [(method, fields)] = telegram_calls(telegram_api)
    assert method == "sendMessage"
    assert fields["chat_id"] == str(CHAT_ID)
    assert fields["text"] == "Je zei: hallo"
    assert json.loads(fields["reply_markup"]) == {
        "inline_keyboard": [[{"text": b["title"], "callback_data": b["payload"]} for b in BUTTONS]]
    }


@pytest.mark.asyncio
async def test_telegram_button_press_sends_its_payload(telegram_api):
    agent = AnsweringAgent()
    app = app_with(telegram_channel(), agent)

    assert await send_telegram(app, telegram_update(button="/get_involved"), TELEGRAM_SECRET) == 200

    assert agent.texts == ["/get_involved"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong-secret", TELEGRAM_SECRET + "x", "é".encode() * 5],
    ids=["missing", "empty", "wrong", "longer", "non-ascii"],
)
async def test_telegram_refuses_updates_without_the_secret(telegram_api, secret):
    agent = AnsweringAgent()
    app = app_with(telegram_channel(), agent)

    assert await send_telegram(app, telegram_update("hallo"), secret) == 403
    assert agent.messages == []
    assert telegram_calls(telegram_api) == []


def test_telegram_channel_starts_without_network():
    with aioresponses() as offline:  # no stubs: any outgoing request would fail and be recorded
        app = app_with(telegram_channel(), AnsweringAgent())
        assert offline.requests == {}
    assert any(route.path.endswith("telegram/webhook") for route in app.router.routes)


def test_telegram_stock_connector_calls_set_webhook_at_start_up():
    with aioresponses() as offline:
        with pytest.raises(RasaException, match="Failed to set channel webhook"):  # aioresponses refuses the call
            configure_app([rasa_telegram.TelegramInput(TELEGRAM_TOKEN, "horizon_bot", TELEGRAM_URL)], enable_api=False)
        assert [url.path.rsplit("/", 1)[-1] for _, url in offline.requests] == ["setWebhook"]


def test_telegram_channel_needs_a_valid_secret():
    with pytest.raises(Exception, match="secret_token"):
        TelegramInput(TELEGRAM_TOKEN, None, TELEGRAM_URL, secret_token=None)
    with pytest.raises(Exception, match="secret_token"):
        TelegramInput(TELEGRAM_TOKEN, None, TELEGRAM_URL, secret_token="has spaces")


TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": TELEGRAM_TOKEN,
    "TELEGRAM_WEBHOOK_URL": TELEGRAM_URL,
    "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
}


def test_register_command_calls_set_webhook_with_the_secret(capsys):
    with aioresponses() as telegram:
        telegram.post(TELEGRAM_API, payload={"ok": True, "result": True})

        assert register_telegram_webhook.main([], env=TELEGRAM_ENV) == 0

        [((_, url), [call])] = telegram.requests.items()
    assert str(url) == f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/setWebhook"
    assert call.kwargs["json"]["url"] == TELEGRAM_URL
    assert call.kwargs["json"]["secret_token"] == TELEGRAM_SECRET
    output = capsys.readouterr()
    assert TELEGRAM_TOKEN not in output.out + output.err
    assert TELEGRAM_SECRET not in output.out + output.err


def test_register_command_reports_a_refusal(capsys):
    with aioresponses() as telegram:
        telegram.post(TELEGRAM_API, payload={"ok": False, "description": "Bad Request: bad webhook"})
        assert register_telegram_webhook.main([], env=TELEGRAM_ENV) == 1
    assert "bad webhook" in capsys.readouterr().err


def test_register_command_without_settings_sends_nothing(capsys):
    with aioresponses() as telegram:
        assert register_telegram_webhook.main([], env={"TELEGRAM_TOKEN": TELEGRAM_TOKEN}) == 1
        assert telegram.requests == {}
    assert "TELEGRAM_SECRET_TOKEN" in capsys.readouterr().err


# ---------------------------------------------------------------- Facebook Messenger

FB_SECRET = "facebook-app-secret-for-tests"
FB_VERIFY = "facebook-verify-token"
FB_TOKEN = "facebook-page-token"
FB_API = re.compile(r"https://graph\.facebook\.com/v[\d.]+/me/messages")
PSID = "1234567890"


def facebook_channel(cls: type = FacebookInput) -> InputChannel:
    return cls.from_credentials({"verify": FB_VERIFY, "secret": FB_SECRET, "page-access-token": FB_TOKEN})


def messenger_body(*texts: str) -> bytes:
    events = [
        {
            "sender": {"id": PSID},
            "recipient": {"id": "PAGE"},
            "timestamp": 1_700_000_000,
            "message": {"mid": f"m{i}", "text": text},
        }
        for i, text in enumerate(texts)
    ]
    return json.dumps(
        {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": events}]}, separators=(",", ":")
    ).encode()


async def send_messenger(app: Sanic, body: bytes, headers: Dict[str, str]) -> int:
    status, _ = await post(app, "/webhooks/facebook/webhook", body, {"Content-Type": "application/json", **headers})
    return status


def signed_256(body: bytes, secret: str = FB_SECRET) -> Dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body, hashlib.sha256)}


def graph_calls(rsps: responses.RequestsMock) -> List[Dict[str, Any]]:
    return [json.loads(call.request.body) for call in rsps.calls]


@pytest.fixture
def graph_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, FB_API, json={"recipient_id": PSID, "message_id": "mid.1"})
        yield rsps


@pytest.mark.asyncio
async def test_facebook_signed_event_reaches_agent_and_reply_uses_button_template(graph_api):
    agent = AnsweringAgent()
    app = app_with(facebook_channel(), agent)
    body = messenger_body("hallo")

    assert await send_messenger(app, body, signed_256(body)) == 200

    assert agent.texts == ["hallo"]
    calls = graph_calls(graph_api)
    assert [c.get("sender_action") for c in calls] == ["mark_seen", "typing_on", None, "typing_off"]
    assert {c["recipient"]["id"] for c in calls} == {PSID}
    assert calls[2]["message"] == {
        "attachment": {
            "type": "template",
            "payload": {
                "template_type": "button",
                "text": "Je zei: hallo",
                "buttons": [{**b, "type": "postback"} for b in BUTTONS],
            },
        }
    }
    assert "access_token" in graph_api.calls[2].request.url


@pytest.mark.asyncio
async def test_facebook_more_than_three_buttons_become_quick_replies(graph_api):
    buttons = [{"title": f"Optie {i}", "payload": f"/choose_{i}"} for i in range(1, 6)]
    app = app_with(facebook_channel(), AnsweringAgent(buttons=buttons))
    body = messenger_body("hallo")

    await send_messenger(app, body, signed_256(body))

    message = graph_calls(graph_api)[2]["message"]
    assert message["text"] == "Je zei: hallo"
    assert [(q["title"], q["payload"]) for q in message["quick_replies"]] == [
        (b["title"], b["payload"]) for b in buttons
    ]


@pytest.mark.asyncio
async def test_facebook_unreachable_graph_api_still_acknowledges_the_event(caplog):
    agent = AnsweringAgent()
    app = app_with(facebook_channel(), agent)
    body = messenger_body("hallo")

    with responses.RequestsMock() as graph:
        # requests puts the URL, and so the page token, in its error message
        error = requests.ConnectionError(f"cannot reach /me/messages?access_token={FB_TOKEN}")
        graph.add(responses.POST, FB_API, body=error)
        status = await send_messenger(app, body, signed_256(body))

    assert status == 200  # otherwise Meta resends the whole batch
    assert agent.texts == ["hallo"]
    assert "ConnectionError" in caplog.text
    assert FB_TOKEN not in caplog.text


@pytest.mark.asyncio
async def test_facebook_handles_every_event_of_a_batch(graph_api):
    agent = AnsweringAgent(buttons=[])
    app = app_with(facebook_channel(), agent)
    body = messenger_body("eerste", "tweede")

    assert await send_messenger(app, body, signed_256(body)) == 200
    assert agent.texts == ["eerste", "tweede"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256="},
        signed_256(messenger_body("hallo"), secret="another-secret"),
        signed_256(messenger_body("iets anders")),
        # a valid SHA-1 signature, the only one Rasa's connector checks, is not enough
        {"X-Hub-Signature": "sha1=" + hmac_hex(FB_SECRET, messenger_body("hallo"), hashlib.sha1)},
    ],
    ids=["unsigned", "empty", "wrong-secret", "other-body", "sha1-only"],
)
async def test_facebook_refuses_unsigned_or_forged_events(graph_api, headers):
    agent = AnsweringAgent()
    app = app_with(facebook_channel(), agent)

    assert await send_messenger(app, messenger_body("hallo"), headers) == 403
    assert agent.messages == []
    assert len(graph_api.calls) == 0


@pytest.mark.asyncio
async def test_facebook_subscription_handshake_checks_the_verify_token():
    app = app_with(facebook_channel(), AnsweringAgent())
    path = "/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=31415&hub.verify_token="

    _, right = await app.asgi_client.get(path + FB_VERIFY)
    _, wrong = await app.asgi_client.get(path + "guess")

    assert (right.status, right.text) == (200, "31415")
    assert wrong.status == 403 and "31415" not in wrong.text


@pytest.mark.asyncio
async def test_facebook_stock_connector_answers_a_forged_event_with_200(graph_api):
    agent = AnsweringAgent()
    app = app_with(facebook_channel(rasa_facebook.FacebookInput), agent)
    body = messenger_body("hallo")

    assert await send_messenger(app, body, signed_256(body, secret="another-secret")) == 200
    assert agent.messages == []


# ---------------------------------------------------------------- Slack

SLACK_SECRET = "slack-signing-secret-for-tests"
SLACK_TOKEN = "xoxb-test-token"
SLACK_API = "https://slack.com/api/chat.postMessage"


def slack_channel(cls: type = SlackInput) -> InputChannel:
    return cls.from_credentials({"slack_token": SLACK_TOKEN, "slack_signing_secret": SLACK_SECRET})


def slack_event(text: str = "hallo", event_id: str = "Ev0001") -> bytes:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": 1_700_000_000,
            "authorizations": [{"user_id": "UBOT"}],
            "event": {
                "type": "message",
                "channel": "D123",
                "channel_type": "im",
                "user": "U123",
                "text": text,
                "ts": "1700000000.000100",
            },
        }
    ).encode()


def slack_headers(body: bytes, secret: str = SLACK_SECRET, **extra: str) -> Dict[str, str]:
    timestamp = str(int(time.time()))
    signature = "v0=" + hmac_hex(secret, f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        **extra,
    }


async def send_slack(app: Sanic, channel: InputChannel, body: bytes, headers: Dict[str, str]) -> int:
    """Post an event and wait for the handling Rasa's connector starts in the background."""
    status, _ = await post(app, "/webhooks/slack/webhook", body, headers)
    await asyncio.gather(*channel._background_tasks)
    return status


def slack_posts(mocked: aioresponses) -> List[Dict[str, Any]]:
    return [call.kwargs["json"] for calls in mocked.requests.values() for call in calls]


@pytest.fixture
def slack_api():
    with aioresponses() as mocked:
        mocked.post(SLACK_API, payload={"ok": True, "channel": "D123", "ts": "1.2"}, repeat=True)
        yield mocked


@pytest.mark.asyncio
async def test_slack_signed_event_reaches_agent_and_reply_has_button_blocks(slack_api):
    agent = AnsweringAgent()
    channel = slack_channel()
    body = slack_event("hallo")

    assert await send_slack(app_with(channel, agent), channel, body, slack_headers(body)) == 200

    assert agent.texts == ["hallo"]
    assert agent.messages[0].sender_id == "U123"
    [sent] = slack_posts(slack_api)
    assert sent["channel"] == "D123"
    assert sent["text"] == "Je zei: hallo"
    assert sent["blocks"][1] == {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": b["title"]}, "value": b["payload"]}
            for b in BUTTONS
        ],
    }


@pytest.mark.asyncio
@pytest.mark.parametrize("retry_reason", ["http_error", "http_timeout", "connection_failed"])
async def test_slack_retry_of_a_handled_event_is_acknowledged_not_answered_again(slack_api, retry_reason):
    agent = AnsweringAgent()
    channel = slack_channel()
    app = app_with(channel, agent)
    body = slack_event("hallo", event_id="Ev0042")

    assert await send_slack(app, channel, body, slack_headers(body)) == 200
    retry = slack_headers(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": retry_reason})
    assert await send_slack(app, channel, body, retry) == 200

    assert agent.texts == ["hallo"]
    assert len(slack_posts(slack_api)) == 1


@pytest.mark.asyncio
async def test_slack_different_events_are_all_answered(slack_api):
    agent = AnsweringAgent()
    channel = slack_channel()
    app = app_with(channel, agent)

    for number, text in enumerate(["hallo", "hallo"]):
        body = slack_event(text, event_id=f"Ev10{number}")
        assert await send_slack(app, channel, body, slack_headers(body)) == 200

    assert agent.texts == ["hallo", "hallo"]


@pytest.mark.asyncio
async def test_slack_stock_connector_answers_a_retry_twice(slack_api):
    agent = AnsweringAgent()
    channel = slack_channel(rasa_slack.SlackInput)
    app = app_with(channel, agent)
    body = slack_event("hallo")

    await send_slack(app, channel, body, slack_headers(body))
    retry = slack_headers(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    await send_slack(app, channel, body, retry)

    assert agent.texts == ["hallo", "hallo"]


@pytest.mark.asyncio
@pytest.mark.parametrize("forge", ["unsigned", "wrong-secret", "other-body", "stale"])
async def test_slack_refuses_unsigned_or_forged_events(slack_api, forge):
    agent = AnsweringAgent()
    channel = slack_channel()
    app = app_with(channel, agent)
    body = slack_event("hallo", event_id="Ev0007")
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "wrong-secret": slack_headers(body, secret="another-secret"),
        "other-body": slack_headers(slack_event("iets anders", event_id="Ev0007")),
        "stale": {**slack_headers(body), "X-Slack-Request-Timestamp": str(int(time.time()) - 600)},
    }[forge]

    assert await send_slack(app, channel, body, headers) == 403
    assert agent.messages == []
    # a refused call does not use up the event id: the real delivery is still answered
    assert await send_slack(app, channel, body, slack_headers(body)) == 200
    assert agent.texts == ["hallo"]


def test_bounded_memory_forgets_the_oldest_entries():
    memory: BoundedMemory[str, bool] = BoundedMemory(max_entries=2)
    assert [memory.add_if_new(k, True) for k in ["a", "b", "a", "c"]] == [True, True, False, True]
    assert len(memory) == 2
    assert memory.add_if_new("a", True) is True  # "a" was the oldest when "c" came


# ---------------------------------------------------------------- effective credentials

TEMPLATE = REPO / "messaging-channels.yml"
ALWAYS_ON = [
    "bot.channels.rest.RestInput",
    "bot.channels.socketio.SocketIOInput",
    "bot.channels.widget.WidgetInput",
    "bot.channels.insights.InsightsInput",
]
CHANNEL_ENV = {
    "bot.channels.twilio.TwilioInput": {
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "+14155238886",
    },
    "bot.channels.telegram.TelegramInput": TELEGRAM_ENV,
    "bot.channels.facebook.FacebookInput": {
        "FACEBOOK_VERIFY_TOKEN": FB_VERIFY,
        "FACEBOOK_APP_SECRET": FB_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FB_TOKEN,
    },
    "bot.channels.slack.SlackInput": {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SLACK_SECRET},
}
ALL_ENV = {name: value for env in CHANNEL_ENV.values() for name, value in env.items()}


def test_credentials_without_environment_keep_only_the_web_channels():
    assert list(channels({})) == ALWAYS_ON


def test_plain_rasa_reads_credentials_yml_as_it_is():
    """`rasa run` without flags reads credentials.yml: no placeholder may be left for Rasa to fail on."""
    assert list(effective_credentials(REPO / "credentials.yml", {})) == ALWAYS_ON
    assert "${" not in "".join(line.split("#")[0] for line in (REPO / "credentials.yml").read_text().splitlines())


@pytest.mark.parametrize("channel", list(CHANNEL_ENV))
def test_credentials_turn_a_channel_on_only_with_all_its_variables(channel):
    env = CHANNEL_ENV[channel]

    assert list(channels(env)) == ALWAYS_ON + [channel]
    for missing in env:
        partial = {name: value for name, value in env.items() if name != missing}
        assert channel not in effective_credentials(TEMPLATE, partial), missing
        assert channel not in effective_credentials(TEMPLATE, {**partial, missing: ""}), missing


def test_credentials_fill_in_values_and_optional_defaults():
    twilio = effective_credentials(TEMPLATE, CHANNEL_ENV["bot.channels.twilio.TwilioInput"])[
        "bot.channels.twilio.TwilioInput"
    ]
    assert twilio == {
        "account_sid": TWILIO_SID,
        "auth_token": TWILIO_TOKEN,
        "twilio_number": "whatsapp:+14155238886",
        "webhook_url": "",
    }

    env = {**CHANNEL_ENV["bot.channels.twilio.TwilioInput"], "TWILIO_WEBHOOK_URL": TWILIO_URL}
    assert effective_credentials(TEMPLATE, env)["bot.channels.twilio.TwilioInput"]["webhook_url"] == TWILIO_URL


def test_credentials_values_cannot_change_the_file_structure(tmp_path):
    template = tmp_path / "credentials.yml"
    template.write_text("custom.Channel:\n  token: ${TOKEN}\n")
    evil = "x\nrest:\n  injected: true"

    assert effective_credentials(template, {"TOKEN": evil}) == {"custom.Channel": {"token": evil}}


def test_written_credentials_start_every_channel_in_rasa_offline(tmp_path):
    out = tmp_path / "var" / "credentials.yml"
    write_credentials(channels(ALL_ENV), out)

    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with aioresponses() as offline:
        inputs = create_http_input_channels(None, str(out))
        configure_app(inputs, enable_api=False)
        assert offline.requests == {}
    assert sorted(type(c).__module__ + "." + type(c).__name__ for c in inputs) == sorted([*ALWAYS_ON, *CHANNEL_ENV])


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "typed, meant",
    [
        ("/start", "/greet"),
        ("/start@HorizonBot", "/greet"),
        ("/start campagne-2026", "/greet"),
        ("/help", "/ask_capabilities"),
        ("/stop", "stop"),
        ("/find_initiatives", "find initiatives"),
        ('/greet{"language": "en"}', '/greet{"language": "en"}'),
        ("hallo /start", "hallo /start"),
    ],
)
async def test_telegram_commands_mean_what_people_expect(telegram_api, typed, meant):
    """Telegram sends /start when someone opens the bot: Rasa alone would read an unknown intent `start`."""
    agent = AnsweringAgent()
    app = app_with(telegram_channel(), agent)

    assert await send_telegram(app, telegram_update(typed), TELEGRAM_SECRET) == 200
    assert agent.texts == [meant]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "app_language, metadata", [("en-GB", {"language": "en"}), ("nl", {"language": "nl"}), ("fr", None), (None, None)]
)
async def test_telegram_start_greets_in_the_app_language(telegram_api, app_language, metadata):
    agent = AnsweringAgent()
    app = app_with(telegram_channel(), agent)
    update = telegram_update("/start")
    update["message"]["from"]["language_code"] = app_language

    assert await send_telegram(app, update, TELEGRAM_SECRET) == 200
    assert agent.messages[0].metadata == metadata

    later = telegram_update("wat is jullie visie?")
    later["message"]["from"]["language_code"] = app_language
    assert await send_telegram(app, later, TELEGRAM_SECRET) == 200
    assert agent.messages[1].metadata is None  # afterwards the language follows what they write


# ---------------------------------------------------------------- hostile input, validly signed

EVERY_PLANE = "é\u20ac\U0001d11e\U0001f600\U00020000\U00030000\U000e0100\U000f0000\U00100000"
HOSTILE_TEXTS = {
    "empty": "",
    "whitespace": " \n\t ",
    "control characters": "hal\x00lo\x1b[2J\x07",
    "every plane": EVERY_PLANE,
    "html and script": "<script>alert(1)</script>",
    "too long": "x" * 1001,
}
HOSTILE_JSON = {
    "array": b"[1, 2, 3]",
    "not json": b"{not json",
    "null": b"null",
    "string": b'"hallo"',
    "wrong types": b'{"entry": "x", "message": 42, "event": [], "update_id": "x"}',
    "1 MB": b'{"x": "' + b"x" * 1_000_000 + b'"}',
}


def signed_request(channel: str, body: bytes) -> Tuple[str, Dict[str, str]]:
    """Path and headers that carry a valid signature (or secret) for `body` on `channel`."""
    if channel == "telegram":
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
        return "/webhooks/telegram/webhook", headers
    if channel == "facebook":
        return "/webhooks/facebook/webhook", {"Content-Type": "application/json", **signed_256(body)}
    if channel == "slack":
        return "/webhooks/slack/webhook", slack_headers(body)
    form = dict(parse_qs(body.decode("latin-1")))
    flat = {name: values[0] for name, values in form.items()}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    headers["X-Twilio-Signature"] = twilio_signature(TWILIO_TOKEN, TWILIO_URL, flat)
    return "/webhooks/twilio/webhook", headers


def hostile_app(channel: str) -> Tuple[Sanic, InputChannel, AnsweringAgent]:
    built = {
        "twilio": twilio_channel,
        "telegram": telegram_channel,
        "facebook": facebook_channel,
        "slack": slack_channel,
    }[channel]()
    agent = AnsweringAgent(buttons=[])
    return app_with(built, agent), built, agent


def message_body(channel: str, text: str) -> bytes:
    if channel == "telegram":
        return json.dumps(telegram_update(text)).encode()
    if channel == "facebook":
        return messenger_body(text)
    if channel == "slack":
        return slack_event(text, event_id=f"Ev{abs(hash(text))}")
    return urlencode(twilio_form(text)).encode()


async def post_signed(app: Sanic, built: InputChannel, channel: str, body: bytes) -> int:
    path, headers = signed_request(channel, body)
    status, _ = await post(app, path, body, headers)
    if channel == "slack":
        await asyncio.gather(*built._background_tasks)
    return status


@pytest.fixture
def platforms(twilio_api, telegram_api, graph_api):
    """Every platform's API stubbed at the HTTP edge (Slack's through telegram_api's aioresponses)."""
    telegram_api.post(SLACK_API, payload={"ok": True, "channel": "D123", "ts": "1.2"}, repeat=True)
    yield


CHANNELS = ["twilio", "telegram", "facebook", "slack"]


@pytest.mark.asyncio
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", HOSTILE_JSON)
async def test_signed_malformed_bodies_get_a_4xx_or_are_acknowledged(platforms, channel, case):
    app, built, agent = hostile_app(channel)
    status = await post_signed(app, built, channel, HOSTILE_JSON[case])
    assert status < 500, (channel, case, status)
    if case == "1 MB":
        assert status == 413
    assert agent.messages == []
    assert await post_signed(app, built, channel, message_body(channel, "hallo")) < 300  # still serving
    assert agent.texts == ["hallo"]


@pytest.mark.asyncio
@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", HOSTILE_TEXTS)
async def test_signed_hostile_messages_are_cleaned_or_answered_politely(platforms, channel, case):
    app, built, agent = hostile_app(channel)
    status = await post_signed(app, built, channel, message_body(channel, HOSTILE_TEXTS[case]))
    assert status < 500, (channel, case, status)
    handed_on = agent.texts
    if case == "control characters":
        assert handed_on == ["hallo[2J"]
    elif case in ("every plane", "html and script"):
        assert handed_on == [HOSTILE_TEXTS[case]]  # text stays text
    else:  # empty, whitespace, too long: the channel answers itself (or the platform drops empty events)
        assert handed_on == []


@pytest.mark.asyncio
async def test_a_flood_from_one_whatsapp_number_is_dropped_not_answered(twilio_api):
    app, built, agent = hostile_app("twilio")
    for number in range(40):
        assert await post_signed(app, built, "twilio", message_body("twilio", f"bericht {number}")) < 300
    assert 30 <= len(agent.messages) < 40  # the bucket refills a little while the test runs

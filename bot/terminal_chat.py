"""`make shell` beside a running `make run`: a terminal chat over the running assistant's REST channel.

Rasa's own `rasa shell` starts a server of its own on the port `make run` already holds. When a Horizon
server answers on the port, the launcher chats through its REST webhook instead, as any REST client would:
the answers, with their buttons numbered (type the number to press one). `/stop`, Ctrl-D or Ctrl-C ends it.
"""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
from typing import Any, Callable, Dict, List, Optional

REST_PATH = "/webhooks/rest/webhook"
STOP = "/stop"


def rest_channel_answers(url: str, timeout: float = 2) -> Optional[bool]:
    """True when a Rasa REST channel answers at `url`; False when something else holds the port; None when
    nothing listens there."""
    try:
        with urllib.request.urlopen(f"{url}/webhooks/rest/", timeout=timeout) as answer:
            return json.load(answer).get("status") == "ok"
    except urllib.error.HTTPError:
        return False
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None
    except ValueError:  # answered, but not JSON: not Rasa
        return False


def send(url: str, sender: str, message: str, timeout: float = 60) -> List[Dict[str, Any]]:
    """One message over the REST webhook; the assistant's answers."""
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(f"{url}{REST_PATH}", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.load(answer)


def show(answers: List[Dict[str, Any]], output: Callable[[str], None]) -> List[Dict[str, str]]:
    """Prints the answers' texts and numbered buttons; returns the buttons, in that numbering."""
    buttons: List[Dict[str, str]] = []
    for answer in answers:
        if answer.get("text"):
            output(f"Horizon: {answer['text']}")
        for button in answer.get("buttons") or []:
            buttons.append(button)
            output(f"  {len(buttons)}. {button.get('title', '')}")
    return buttons


def chat(url: str, read: Callable[[str], str] = input, output: Callable[[str], None] = print) -> None:
    """The conversation, as one sender, until `/stop`, end of input or Ctrl-C."""
    sender = f"shell-{secrets.token_hex(6)}"
    output(f"Talking to the Horizon that runs at {url} (make run). Type {STOP} or press Ctrl-D to leave.")
    buttons: List[Dict[str, str]] = []
    while True:
        try:
            typed = read("You: ").strip()
        except (EOFError, KeyboardInterrupt):
            output("")
            return
        if typed == STOP:
            return
        if not typed:
            continue
        if typed.isdigit() and 1 <= int(typed) <= len(buttons):
            typed = buttons[int(typed) - 1]["payload"]
        try:
            buttons = show(send(url, sender, typed), output)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            output(f"The assistant did not answer ({type(error).__name__}); is `make run` still running?")
            return

"""bot.speedups is active in the server that users run: each fix says so in the server's log at its first use.

The session's bot was started by bot.servers, as `make run` starts it, with its log in a file. Two messages
that run custom actions use all four fixes: the graph runner parses and predicts, the action calls go
through the kept session, their answers are validated, and the second answer's events resolve to classes
remembered from the first.
"""

from __future__ import annotations

import re
import time
from typing import Any, List

from tests.support.rest import Conversation

# bot.speedups' names, written out: importing it here would load Rasa into the test process.
SPEEDUPS = ("response schema", "event classes", "graph runner", "kept sessions")
IN_USE = re.compile(r"Horizon speed-up in use: (.+)$", re.MULTILINE)


def in_use(running_bot: Any, wait_s: float = 10) -> List[str]:
    deadline = time.monotonic() + wait_s
    while True:
        found = IN_USE.findall((running_bot.logs / "rasa.log").read_text(errors="replace"))
        if set(SPEEDUPS) <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_every_speedup_is_in_use_in_the_running_server(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    assert "mondiale rechtvaardigheid" in chat.text("wat is jullie visie?")  # action_answer_topic
    assert chat.text("vertel me meer")  # action_tell_more
    found = in_use(running_bot)
    assert sorted(found) == sorted(SPEEDUPS), running_bot.log_tails()  # each one, once

"""The Rasa server's side of the faults: a polite "try again" when the action server is away, and the
restarts with backoff that `make run` and `make cluster` use (bot/faults.py, bot.servers.Restarts)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from typing import Any, Dict, List

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, FollowupAction, UserUttered
from rasa.shared.core.slots import BooleanSlot, CategoricalSlot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.faults import TRY_AGAIN, polite_run, unavailable
from bot.servers import MAX_BACKOFF_S, Restarts, free_port


def conversation(language: str, detected: str = "") -> DialogueStateTracker:
    slots = [
        CategoricalSlot("language", [], values=["nl", "en"], initial_value=language),
        BooleanSlot("language_locked", [], initial_value=False),
    ]
    tracker = DialogueStateTracker("someone", slots)
    entities = [{"entity": "language", "value": detected}] if detected else []
    tracker.update(UserUttered("hello", {"name": "greet"}, entities))
    return tracker


@pytest.mark.parametrize(("slot", "detected", "expected"), [("nl", "", "nl"), ("en", "", "en"), ("nl", "en", "en")])
def test_an_action_server_that_refuses_the_connection_gets_a_polite_answer(
    slot: str, detected: str, expected: str
) -> None:
    """Nothing listens on the port: Rasa would log and reply nothing; here the person is asked to try again
    in their language (this message's detection first), and the turn ends by listening."""
    action = RemoteAction("action_answer_topic", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook"))
    events = asyncio.run(polite_run(action, None, None, conversation(slot, detected), Domain.empty()))
    assert isinstance(events[0], BotUttered) and events[0].text == TRY_AGAIN[expected]
    assert events[-1] == FollowupAction("action_listen")


def test_store_failures_count_as_unavailable_and_bugs_do_not() -> None:
    from rasa.core.lock_store import LockError

    try:
        raise LockError("no redis") from ConnectionRefusedError()
    except LockError as error:
        assert unavailable(error)
    assert not unavailable(KeyError("slot"))


class FakeServers:
    """Processes that exit at once; `restart` fails `failures` times, then starts a long-lived one."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.processes: Dict[str, Any] = {"actions": self._exited()}
        self.started: List[str] = []

    @staticmethod
    def _exited() -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
        process.wait()
        return process

    def dead(self) -> List[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def restart(self, name: str) -> None:
        self.started.append(name)
        if self.failures:
            self.failures -= 1
            raise RuntimeError("address already in use\nmore")
        self.processes[name] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


def test_a_crashed_server_is_started_again_with_growing_waits_then_the_wait_resets() -> None:
    lines: List[str] = []
    restarts = Restarts(log=lines.append)
    servers = FakeServers(failures=3)
    waits: List[float] = []

    class Clock(threading.Event):
        def wait(self, timeout: Any = None) -> bool:
            waits.append(timeout)
            return False

    try:
        for _ in range(4):
            restarts.revive(servers, Clock())  # type: ignore[arg-type]
        assert waits == [0.0, 1.0, 2.0, 4.0] and servers.started == ["actions"] * 4
        assert "The action server stopped (code 3); starting it again in 0 s." in lines
        assert "The action server did not start (address already in use)." in lines
        assert lines[-1] == "The action server is back." and restarts.delays == {}
        servers.processes["actions"].kill()
        servers.processes["actions"].wait()
        servers.failures, restarts.delays["actions"] = 1, MAX_BACKOFF_S
        restarts.revive(servers, Clock())  # type: ignore[arg-type]
        assert waits[-1] == MAX_BACKOFF_S and restarts.delays["actions"] == MAX_BACKOFF_S  # capped
    finally:
        servers.processes["actions"].kill()

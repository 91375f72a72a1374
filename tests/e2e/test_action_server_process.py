"""The action server as it runs: without TensorFlow (actions/__main__.py), which halves its memory."""

from __future__ import annotations

from pathlib import Path

from bot.servers import Servers
from tests.support.rest import Conversation


def test_the_action_server_answers_without_tensorflow_in_its_memory(running_bot: Servers) -> None:
    chat = Conversation(running_bot)
    assert "11.11.11" in chat.text("wat is jullie visie?")  # a custom action: spaCy, retrieval, the database
    maps = Path(f"/proc/{running_bot.pids()['actions']}/maps").read_text()
    assert "tensorflow" not in maps.lower()
    assert "tensorflow" in Path(f"/proc/{running_bot.pids()['rasa']}/maps").read_text().lower()  # the check can fail

"""Conversation tests as data (tests/conversations/*.yml), each played turn by turn with the real servers.

A conversation marked ``known_failure`` is expected to fail (strict xfail): it stays visible until fixed,
and once it passes the marker must go.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.conversations import Script, load_scripts, play

SCRIPTS = load_scripts()


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.id for s in SCRIPTS])
def test_the_conversation(running_bot: Any, script: Script) -> None:
    problems = play(running_bot, script)
    if script.known_failure:
        if problems:
            pytest.xfail(f"{script.known_failure}: " + " | ".join(problems))
        pytest.fail(f"a known failure now passes, remove its marker: {script.known_failure}")
    assert not problems, "\n".join(problems)

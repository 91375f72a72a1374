"""Starts the real servers the way `make run` does (bot.launcher) on free ports, once per session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Iterator

import pytest

from bot.launcher import wait_until_up
from bot.paths import MODEL, ROOT
from tests.net import free_port


class RunningBot:
    def __init__(self, process: subprocess.Popen, port: int, actions_port: int, token: str) -> None:
        self.process, self.port, self.actions_port, self.token = process, port, actions_port, token
        self.url = f"http://127.0.0.1:{port}"


def start_bot() -> RunningBot:
    """Runs `python -m bot.launcher` (what `make run` runs) on free ports and waits until both servers answer."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    port, actions_port, token = free_port(), free_port(), "e2e-secret-token"
    env = dict(os.environ, RASA_AUTH_TOKEN=token, RASA_TELEMETRY_ENABLED="false")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.launcher", "--no-train", "--port", str(port), "--actions-port", str(actions_port)],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process, timeout=300)
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", process, timeout=60)
    except Exception:
        stop_bot(process)
        raise
    return RunningBot(process, port, actions_port, token)


def stop_bot(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def running_bot() -> Iterator[RunningBot]:
    """One bot for the whole session: starting one takes a while."""
    bot = start_bot()
    try:
        yield bot
    finally:
        stop_bot(bot.process)

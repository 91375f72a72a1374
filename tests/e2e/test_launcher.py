"""The launcher behind `make run`: Ctrl-C stops both servers and frees their ports."""

from __future__ import annotations

import signal
import socket

from tests.e2e.conftest import start_bot, stop_bot


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_ctrl_c_stops_both_servers():
    bot = start_bot()  # its own instance: the session's bot stays up for the other tests
    try:
        bot.process.send_signal(signal.SIGINT)
        assert bot.process.wait(60) == 0
        assert _port_is_free(bot.port) and _port_is_free(bot.actions_port)
    finally:
        stop_bot(bot.process)

"""The launcher behind `make run`: it seeds the database, serves in its runtime folder, starts a crashed
action server again while the Rasa server answers "try again" meanwhile, and Ctrl-C stops both servers and
frees their ports."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from bot.faults import TRY_AGAIN
from bot.paths import ROOT
from bot.servers import ACTION_SERVER_MODULE, Servers, free_port, wait_until_up

SCREEN_LINES = 40


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_the_launcher_serves_restarts_a_crashed_action_server_and_ctrl_c_stops_both(
    tmp_path: Path, e2e_env: Dict[str, str]
) -> None:
    """Its own instance, in a runtime folder and database of its own: the session's bot stays up."""
    port, actions_port = free_port(), free_port()
    env = dict(e2e_env, DATABASE_URL=f"sqlite:///{tmp_path / 'launcher.db'}")  # no RASA_AUTH_TOKEN: the default
    command = [sys.executable, "-m", "bot.launcher", "--no-train", "--runtime", str(tmp_path)]
    command += ["--port", str(port), "--actions-port", str(actions_port)]
    printed = tmp_path / "launcher.out"
    with open(printed, "wb") as out:  # the servers write there too: a file never fills up like a pipe
        launcher = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=out)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", launcher)
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", launcher)
        # closed by default: a token created on first start, kept readable by its owner only, printed
        token_file = tmp_path / "rasa-auth-token"
        token = token_file.read_text().strip()
        assert len(token) >= 40 and stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "action-server-token").stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "endpoints.yml").stat().st_mode) == 0o600
        assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700  # the databases inside: owner only
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=10)
        assert refused.value.code == 401
        with pytest.raises(urllib.error.HTTPError) as refused:  # nor can anyone read a conversation
            urllib.request.urlopen(f"http://127.0.0.1:{port}/conversations/someone/tracker", timeout=10)
        assert refused.value.code == 401
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/status?token={token}", timeout=10) as ok:
            assert ok.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:  # the action server answers Rasa only
            urllib.request.urlopen(f"http://127.0.0.1:{actions_port}/actions", timeout=10)
        assert refused.value.code == 403
        deadline = time.monotonic() + 30
        while "Press Ctrl-C" not in printed.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.2)
        output = printed.read_text(errors="replace")
        assert f"/status?token={token}" in output
        # from start to "running", one screen: no third-party deprecation noise, no TensorFlow notices
        start_up = output[: output.index("Press Ctrl-C")].splitlines()
        assert len(start_up) <= SCREEN_LINES, "\n".join(start_up)
        assert not [line for line in start_up if "DeprecationWarning" in line or "tensorflow/" in line]
        assert "Initiatives database:" in output
        assert str(tmp_path / "tracker.db") in (tmp_path / "endpoints.yml").read_text()
        assert (tmp_path / "credentials.yml").exists()
        with sqlite3.connect(tmp_path / "launcher.db") as db:  # seeded with the sample initiatives at start
            assert db.execute("SELECT count(*) FROM initiatives").fetchone()[0] > 0

        _the_action_server_crashes_mid_conversation(launcher, port, actions_port, token, printed)

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(60) == 0
        assert _port_is_free(port) and _port_is_free(actions_port)
    finally:
        if launcher.poll() is None:  # SIGTERM: the launcher still stops its servers
            launcher.terminate()
            try:
                launcher.wait(60)
            except subprocess.TimeoutExpired:
                launcher.kill()
                launcher.wait()


def _say(port: int, sender: str, message: str) -> List[Dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/webhooks/rest/webhook", body)
    with urllib.request.urlopen(request, timeout=60) as answer:
        assert answer.status == 200
        return json.load(answer)


def _text(answer: List[Dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in answer)


def _action_server_pid(parent: int, actions_port: int) -> Optional[int]:
    """The launcher's child serving `actions_port` (its command line names the module and the port)."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    for child in children:
        command = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if ACTION_SERVER_MODULE.encode() in command and str(actions_port).encode() in command:
            return int(child)
    return None


def _the_action_server_crashes_mid_conversation(
    launcher: subprocess.Popen, port: int, actions_port: int, token: str, printed: Path
) -> None:
    """Killed (SIGKILL) between two messages. While it is away (the launcher held still with SIGSTOP, so
    that it cannot have restarted it yet) each message is answered with "try again in a moment" in the
    person's language; then the launcher starts it again and the same conversation goes on, its context
    kept and every turn recorded once."""
    dutch, english = "crash-nl", "crash-en"
    assert "mondiale rechtvaardigheid" in _text(_say(port, dutch, "wat is jullie visie?"))
    victim = _action_server_pid(launcher.pid, actions_port)
    assert victim is not None
    launcher.send_signal(signal.SIGSTOP)
    try:
        os.kill(victim, signal.SIGKILL)
        while Path(f"/proc/{victim}").exists() and "Z" not in Path(f"/proc/{victim}/stat").read_text().split()[2]:
            time.sleep(0.05)
        assert TRY_AGAIN["nl"] in _text(_say(port, dutch, "vertel me meer"))
        assert TRY_AGAIN["en"] in _text(_say(port, english, "What is the mission of 11.11.11?"))
    finally:
        launcher.send_signal(signal.SIGCONT)
    wait_until_up(f"http://127.0.0.1:{actions_port}/health", launcher, timeout=120)
    assert _action_server_pid(launcher.pid, actions_port) not in (None, victim)
    deeper = _text(_say(port, dutch, "vertel me meer"))
    assert "Visie" in deeper and TRY_AGAIN["nl"] not in deeper  # "more" about the vision, asked before the crash
    assert "international solidarity" in _text(_say(port, english, "What is the mission of 11.11.11?")).lower()
    url = f"http://127.0.0.1:{port}/conversations/{dutch}/tracker?token={token}"
    with urllib.request.urlopen(url, timeout=20) as answer:
        events = json.load(answer)["events"]
    said = [event["text"] for event in events if event["event"] == "user"]
    assert said == ["wat is jullie visie?", "vertel me meer", "vertel me meer"]
    output = printed.read_text(errors="replace")
    assert "The action server stopped" in output and "The action server is back." in output
    assert "vertel me meer" not in output and "mission of" not in output  # no message in the log


def test_make_shell_talks_to_the_running_assistant(running_bot: Servers, e2e_env: Dict[str, str]) -> None:
    """`make shell` beside `make run`: it chats over the running server's REST channel instead of starting
    servers of its own on the ports that server holds (and neither trains)."""
    command = [sys.executable, "-m", "bot.launcher", "--shell", "--port", str(running_bot.port)]
    command += ["--actions-port", str(running_bot.actions_port)]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, env=e2e_env, input="hallo\n1\n/stop\n", capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"runs at http://127.0.0.1:{running_bot.port}" in done.stdout
    said = [line for line in done.stdout.splitlines() if "Horizon: " in line]
    assert len(said) >= 2 and "11.11.11" in said[0]  # the greeting, then the answer to its first button
    assert "  1. Over 11.11.11" in done.stdout
    assert "Training" not in done.stdout and "address already in use" not in done.stdout + done.stderr
    assert time.monotonic() - started < 60

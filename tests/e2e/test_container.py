"""`python -m bot.container rasa|actions`: both servers started from the environment alone, as the image's
containers start them (docs/deploy.md), answer their probe paths and a conversation."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from bot.paths import MODEL, ROOT
from bot.servers import free_port, wait_until_up


def start(server: str, env: Dict[str, str], log: Path, extra: List[str]) -> subprocess.Popen:
    with open(log, "ab") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.container", server, *extra],
            cwd=ROOT,
            env=env,
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def containers(tmp_path_factory: pytest.TempPathFactory, e2e_env: Dict[str, str]) -> Iterator[Dict[str, str]]:
    folder = tmp_path_factory.mktemp("container")
    rasa_port, actions_port = free_port(), free_port()
    env = {
        **e2e_env,
        "HOME": str(folder / "home"),
        "RASA_AUTH_TOKEN": "container-api-token",
        "ACTION_SERVER_TOKEN": "container-action-secret",
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "ACTIONS_HOST": "127.0.0.1",  # loopback only here; the image's default is every interface
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
    }
    actions = start("actions", env, folder / "actions.log", [])
    rasa = start("rasa", env, folder / "rasa.log", ["--runtime", str(folder / "var"), "--model", str(MODEL)])
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield {"rasa": f"http://127.0.0.1:{rasa_port}", "actions": f"http://127.0.0.1:{actions_port}"}
    except (RuntimeError, TimeoutError) as error:
        logs = "\n".join(log.read_text(errors="replace")[-2000:] for log in folder.glob("*.log"))
        pytest.fail(f"{error}\n{logs}")
    finally:
        for process in (rasa, actions):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)  # what the orchestrator sends
        for process in (rasa, actions):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_the_probe_paths_answer_and_the_api_wants_its_token(containers: Dict[str, str]) -> None:
    with urllib.request.urlopen(containers["rasa"] + "/", timeout=10) as answer:
        assert answer.read().decode().startswith("Hello from Rasa")
    with urllib.request.urlopen(containers["actions"] + "/health", timeout=10) as answer:
        assert json.load(answer) == {"status": "ok"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(containers["rasa"] + "/status", timeout=10)
    assert refused.value.code == 401
    with urllib.request.urlopen(containers["rasa"] + "/status?token=container-api-token", timeout=10) as answer:
        assert json.load(answer)["model_file"]


def test_a_conversation_reaches_the_actions_with_the_shared_secret(containers: Dict[str, str]) -> None:
    body = json.dumps({"sender": "container-e2e", "message": "wat is jullie visie?"}).encode()
    request = urllib.request.Request(
        containers["rasa"] + "/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        texts = " ".join(message.get("text", "") for message in json.load(answer))
    # The vision answer comes from a custom action (the strategy text), so the action call went through.
    assert "rechtvaardigheid" in texts

"""The real servers (action server + Rasa with the trained model) and Debian's Chromium, once per session.

The Rasa server runs with the REST channel, the fixed socket.io channel and the widget's file server, on
free ports, with an in-memory tracker store. Without a trained model (``models/horizon.tar.gz``) or without
``/usr/bin/chromium`` the browser tests are skipped on a developer's machine and fail under CI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import yaml
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.launcher import wait_until_up
from bot.paths import MODEL, ROOT
from tests.net import free_port

CHROMIUM = Path("/usr/bin/chromium")
READY_TIMEOUT_S = 300
STOP_TIMEOUT_S = 20
CREDENTIALS = {
    "rest": None,
    "bot.channels.socketio.SocketIOInput": {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
        "metadata_key": "metadata",
    },
    "bot.channels.widget.WidgetInput": {},
}


def missing(reason: str) -> None:
    """Skips on a developer's machine; under CI a missing prerequisite is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


class Servers:
    """The action server and the Rasa server as child processes, logging into a temporary folder."""

    def __init__(self, folder: Path, model: Path) -> None:
        self.folder, self.model = folder, model
        self.port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: List[subprocess.Popen] = []

    def start(self) -> None:
        credentials = self.folder / "credentials.yml"
        credentials.write_text(yaml.safe_dump(CREDENTIALS))
        endpoints = self.folder / "endpoints.yml"
        action_url = f"http://127.0.0.1:{self.actions_port}/webhook"
        endpoints.write_text(yaml.safe_dump({"action_endpoint": {"url": action_url}}))
        actions = self.spawn("actions", ["-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)])
        rasa = self.spawn(
            "rasa",
            [
                "-m",
                "rasa",
                "run",
                "--enable-api",
                "--model",
                str(self.model),
                "--port",
                str(self.port),
                "--credentials",
                str(credentials),
                "--endpoints",
                str(endpoints),
            ],
        )
        try:
            wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", actions, READY_TIMEOUT_S)
            wait_until_up(f"{self.url}/", rasa, READY_TIMEOUT_S)
            self.wait_for_model(rasa)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n{self.logs()}") from error

    def spawn(self, name: str, arguments: List[str]) -> subprocess.Popen:
        env = dict(
            os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1"
        )
        with open(self.folder / f"{name}.log", "wb") as log:  # the child keeps its own copy of the handle
            process = subprocess.Popen(
                [sys.executable, *arguments],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def wait_for_model(self, rasa: subprocess.Popen) -> None:
        """The root answers before the model is loaded; /status names the model once it is."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if rasa.poll() is not None:
                raise RuntimeError(f"the Rasa server exited with code {rasa.returncode}")
            with urllib.request.urlopen(f"{self.url}/status", timeout=5) as answer:
                if json.load(answer).get("model_file"):
                    return
            time.sleep(0.5)
        raise TimeoutError("the Rasa server did not load the model")

    def tracker(self, conversation_id: str) -> Dict:
        """The conversation as Rasa keeps it (the HTTP API is on, without a token, in these tests)."""
        url = f"{self.url}/conversations/{conversation_id}/tracker"
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in sorted(self.folder.glob("*.log"))
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    model = Path(os.environ.get("HORIZON_TEST_MODEL", MODEL))
    if not model.exists():
        missing(f"no trained model at {model}: run `make train` first")
    running = Servers(tmp_path_factory.mktemp("servers"), model)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing: `apt-get install -y chromium` (make system-deps)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: empty localStorage, so every test starts a new conversation."""
    fresh = browser.new_context(viewport={"width": 1280, "height": 800})
    fresh.set_default_timeout(20_000)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    opened = context.new_page()
    errors: List[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.errors = errors  # type: ignore[attr-defined]  # read by the tests: no script errors allowed
    return opened

"""The real servers and Debian's Chromium, once per session.

The servers are started as `make run` starts them (bot.servers): the Rasa server with the project's tracker
store and speed-ups, the REST channel, the fixed socket.io channel and the widget's file server, on free
ports, in a temporary runtime folder with its own databases and no notification or channel settings from the
developer's environment. Without a trained model (``models/horizon.tar.gz``) or without ``/usr/bin/chromium``
the browser tests are skipped on a developer's machine and fail under CI.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from bot.paths import MODEL
from bot.servers import Servers, free_port, isolated_env, seed_sample_data

CHROMIUM = Path("/usr/bin/chromium")


def missing(reason: str) -> None:
    """Skips on a developer's machine; under CI a missing prerequisite is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """The HTTP API is on without a token: the tests read the conversation as Rasa keeps it."""
    model = Path(os.environ.get("HORIZON_TEST_MODEL", MODEL))
    if not model.exists():
        missing(f"no trained model at {model}: run `make train` first")
    runtime = tmp_path_factory.mktemp("runtime")
    env = isolated_env(runtime)
    seed_sample_data(env)
    running = Servers(
        runtime=runtime, port=free_port(), actions_port=free_port(), model=model, env=env, logs=runtime / "logs"
    )
    running.start()
    try:
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

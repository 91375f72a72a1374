"""The real servers, started as `make run` starts them (bot.servers), on free ports, once per session.

The session runs isolated: its own runtime folder and SQLite databases in a temporary folder, seeded with
the sample initiatives, and no notification, channel or database settings from the developer's environment,
so that no test writes to var/ or sends real mail. This process reads the same database (DATABASE_URL is
set here too), as the tests check what the action server stored.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterator

import pytest

from bot.paths import MODEL
from bot.servers import Servers, free_port, isolated_env, seed_sample_data

TOKEN = "e2e-secret-token"


@pytest.fixture(scope="session")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runtime")


@pytest.fixture(scope="session", autouse=True)
def e2e_env(runtime: Path) -> Iterator[Dict[str, str]]:
    """The isolated environment, applied to this process as well for the whole session."""
    env = isolated_env(runtime)
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        seed_sample_data(env)
        yield env


@pytest.fixture(scope="session")
def running_bot(runtime: Path, e2e_env: Dict[str, str]) -> Iterator[Servers]:
    """One bot for the whole session, its logs in the runtime folder: starting one takes a while."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    servers = Servers(
        runtime=runtime,
        port=free_port(),
        actions_port=free_port(),
        env=e2e_env,
        logs=runtime / "logs",
        token=TOKEN,
    )
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()

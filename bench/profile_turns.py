"""Where the Rasa server's CPU goes per message: `python -m bench.profile_turns` (docs/performance.md).

The trained model runs in this process with the project's fixes (as `bot/rasa_server.py` installs them), the
real action server on loopback, and Rasa's in-memory tracker store; cProfile's own time per function is summed
per package, so the shares show what a lighter path could buy (DIET's TensorFlow, the policies, the action
round trip). Shares, not absolute figures: the profiler adds its own overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.utils import AvailableEndpoints

from bot import faults, handoff, speedups
from bot.paths import MODEL, ROOT
from bot.servers import Servers, free_port, isolated_env, seed_sample_data

#: A ten-message mix: greeting, strategy answers, "tell me more", two searches, English, thanks.
MIX = (
    "hallo",
    "wat is jullie visie?",
    "vertel me meer",
    "zijn er groepen in Gent?",
    "en in Brugge?",
    "what is your mission?",
    "tell me more",
    "hoe kan ik helpen?",
    "wat is de 4de pijler?",
    "dank je",
)


def package_of(path: str) -> str:
    """`tensorflow`, `rasa/core/policies`, `project:bot`, `stdlib` ...: where a profiled function lives."""
    if "site-packages/" in path:
        parts = path.split("site-packages/")[-1].split("/")
        return "/".join(parts[:3]) if parts[0] == "rasa" else parts[0]
    if path.startswith(str(ROOT)):
        return "project:" + Path(path).relative_to(ROOT).parts[0]
    return "stdlib"


def shares(stats: pstats.Stats) -> List[Tuple[str, float]]:
    """Own time per package, largest first."""
    totals: Dict[str, float] = {}
    for (path, _line, _name), timing in stats.stats.items():  # type: ignore[attr-defined]
        totals[package_of(path)] = totals.get(package_of(path), 0.0) + timing[2]
    return sorted(totals.items(), key=lambda item: -item[1])


async def profile(agent: Agent, rounds: int) -> Tuple[int, float, pstats.Stats]:
    for warm in range(3):
        for text in MIX:
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"warm-{warm}"))
    profiler = cProfile.Profile()
    started = time.process_time()
    profiler.enable()
    for round_ in range(rounds):
        for text in MIX:
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"profile-{round_}"))
    profiler.disable()
    return rounds * len(MIX), time.process_time() - started, pstats.Stats(profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="times the ten-message mix is sent")
    args = parser.parse_args()
    logging.disable(logging.INFO)
    speedups.install()
    faults.install()
    handoff.install()
    runtime = Path(tempfile.mkdtemp(prefix="horizon-profile-"))
    env = isolated_env(runtime)
    seed_sample_data(env)
    servers = Servers(runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs")
    servers.start()
    try:
        endpoints = AvailableEndpoints.read_endpoints(str(runtime / "endpoints.yml"))
        agent = Agent.load(str(MODEL), action_endpoint=endpoints.action)
        count, cpu, stats = asyncio.run(profile(agent, args.rounds))
    finally:
        servers.stop()
    print(f"{count} messages: {1000 * cpu / count:.1f} ms of CPU per message under the profiler")
    rows = shares(stats)
    total = sum(seconds for _package, seconds in rows)
    for package, seconds in rows[:16]:
        print(f"{package:40} {1000 * seconds / count:6.2f} ms/msg {100 * seconds / total:5.1f} %")


if __name__ == "__main__":
    main()

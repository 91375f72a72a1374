"""One server per container: `python -m bot.container rasa|actions|endpoints` (Dockerfile, deploy/, docs/deploy.md).

`make run` and `make cluster` start the servers as children of one launcher (bot/servers.py). In a container
each server is the container's only process, so that Docker Compose or Kubernetes restarts it, counts it for
the autoscaler and probes it. This module writes the runtime files that bot/servers.py writes, from the same
environment variables (so the same settings choose the tracker store, lock store and broker), then replaces
itself with the server (`exec`): the server is PID 1's child directly and receives SIGTERM itself.

Differences from `make run`, because replicas must agree with each other:
- `RASA_AUTH_TOKEN` and `ACTION_SERVER_TOKEN` are required, and with `EVENT_BROKER_URL` also
  `EVENT_BROKER_PSEUDONYM_KEY`: a replica never makes up a secret of its own (its runtime folder is its own).
- The action server listens on every interface (`ACTIONS_HOST`, default 0.0.0.0): the Rasa replicas reach it
  over the network, at `ACTION_ENDPOINT_URL` (default: this host's `ACTIONS_PORT`).

`endpoints` only writes `var/endpoints.yml` and exits: a scheduled job (`horizon.cli purge`) reads the tracker
store's location from it, as it reads the one `make run` writes.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import yaml

from bot.paths import MODEL, VAR
from bot.quiet import quiet_env
from bot.servers import (
    ACTION_SERVER_MODULE,
    ALLOWED_ORIGINS,
    QUIET_PYTHON,
    Servers,
    write_endpoints,
    write_runtime_credentials,
)

REQUIRED = {
    "rasa": ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"),
    "actions": ("ACTION_SERVER_TOKEN",),
    "endpoints": (),
}
#: Required when the first is set: the replicas' masked events must name a person by the same pseudonym.
REQUIRED_WITH = {"EVENT_BROKER_URL": "EVENT_BROKER_PSEUDONYM_KEY"}
ACTION_ENDPOINT_URL = "ACTION_ENDPOINT_URL"
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTIONS_PORT = 5055


class MissingSetting(SystemExit):
    """A required variable is not set: the container stops at once with a message saying which."""


def require(server: str, env: Mapping[str, str]) -> None:
    needed = list(REQUIRED[server])
    if server == "rasa":
        needed += [name for setting, name in REQUIRED_WITH.items() if env.get(setting, "").strip()]
    missing = [name for name in needed if not env.get(name, "").strip()]
    if missing:
        raise MissingSetting(f"bot.container {server}: set {', '.join(missing)} (docs/deploy.md#settings)")


def action_url(env: Mapping[str, str]) -> str:
    """Where the Rasa server calls the actions: `ACTION_ENDPOINT_URL`, else this host's action server."""
    configured = env.get(ACTION_ENDPOINT_URL, "").strip()
    return configured or f"http://127.0.0.1:{env.get('ACTIONS_PORT') or DEFAULT_ACTIONS_PORT}/webhook"


def container_endpoints(env: Mapping[str, str], runtime: Path) -> Path:
    """`runtime`/endpoints.yml as bot/servers.py writes it, calling the actions at :func:`action_url`."""
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    port = int(env.get("ACTIONS_PORT") or DEFAULT_ACTIONS_PORT)
    endpoints = write_endpoints(port, runtime, env.get("ACTION_SERVER_TOKEN") or None, env)
    settings = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
    settings["action_endpoint"]["url"] = action_url(env)
    descriptor = os.open(endpoints, os.O_WRONLY | os.O_TRUNC)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        yaml.safe_dump(settings, stream, sort_keys=False)
    return endpoints


def rasa_command(env: Mapping[str, str], runtime: Path, model: Path) -> List[str]:
    """Writes `runtime`/endpoints.yml and credentials.yml as bot/servers.py does; returns the server's command."""
    endpoints = container_endpoints(env, runtime)
    credentials = write_runtime_credentials(env, runtime)
    servers = Servers(
        runtime=runtime,
        port=int(env.get("RASA_PORT") or DEFAULT_RASA_PORT),
        model=model,
        env=dict(env),
        token=env["RASA_AUTH_TOKEN"],
    )
    return servers.rasa_command("run", endpoints, credentials)


def actions_command(env: Mapping[str, str]) -> List[str]:
    host = env.get("ACTIONS_HOST") or "0.0.0.0"
    port = env.get("ACTIONS_PORT") or str(DEFAULT_ACTIONS_PORT)
    return [*QUIET_PYTHON, ACTION_SERVER_MODULE, "--host", host, "--port", port]


def server_env(server: str, env: Mapping[str, str]) -> Dict[str, str]:
    """The server's environment: `env` with the quiet defaults, and the origins the Rasa server allows."""
    result = quiet_env(env)
    if server == "rasa":
        port = int(env.get("RASA_PORT") or DEFAULT_RASA_PORT)
        result[ALLOWED_ORIGINS] = ",".join(Servers(port=port, env=dict(env)).origins)
    return result


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="Run one of Horizon's servers as a container's process.")
    parser.add_argument("server", choices=sorted(REQUIRED))
    parser.add_argument("--runtime", type=Path, default=VAR, help="folder for the effective endpoints and credentials")
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    env = dict(os.environ)
    require(args.server, env)
    if args.server == "endpoints":
        print(container_endpoints(env, args.runtime))
        return
    command = rasa_command(env, args.runtime, args.model) if args.server == "rasa" else actions_command(env)
    sys.stdout.flush()
    os.execve(command[0], command, server_env(args.server, env))


if __name__ == "__main__":
    main()

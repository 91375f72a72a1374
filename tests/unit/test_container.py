"""bot.container: one server per container, from the environment alone, with the secrets replicas share."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml

from bot import container
from bot.servers import ACTION_SERVER_MODULE, ACTION_TOKEN_HEADER

ENV = {
    "RASA_AUTH_TOKEN": "api-token",
    "ACTION_SERVER_TOKEN": "action-secret",
    "ACTION_ENDPOINT_URL": "http://horizon-actions:5055/webhook",
    "RASA_PORT": "5005",
    "HORIZON_ALLOWED_ORIGINS": "https://chat.example.org",
}


@pytest.mark.parametrize(
    ("server", "env", "missing"),
    [
        ("rasa", {}, "RASA_AUTH_TOKEN, ACTION_SERVER_TOKEN"),
        ("rasa", {"RASA_AUTH_TOKEN": "x", "ACTION_SERVER_TOKEN": "  "}, "ACTION_SERVER_TOKEN"),
        ("actions", {"RASA_AUTH_TOKEN": "x"}, "ACTION_SERVER_TOKEN"),
        ("rasa", {**ENV, "EVENT_BROKER_URL": "amqp://mq"}, "EVENT_BROKER_PSEUDONYM_KEY"),
    ],
)
def test_a_replica_never_makes_up_a_shared_secret(server: str, env: dict, missing: str) -> None:
    with pytest.raises(container.MissingSetting, match=f"set {missing} "):
        container.require(server, env)


def test_nothing_is_required_where_nothing_is_missing() -> None:
    container.require("rasa", ENV)
    container.require("rasa", {**ENV, "EVENT_BROKER_URL": "amqp://mq", "EVENT_BROKER_PSEUDONYM_KEY": "k"})
    container.require("endpoints", {})


def test_the_rasa_server_calls_the_actions_where_the_environment_says(tmp_path: Path) -> None:
    runtime = tmp_path / "var"
    model = tmp_path / "model.tar.gz"
    command = container.rasa_command(ENV, runtime, model)
    endpoints = yaml.safe_load((runtime / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"] == "http://horizon-actions:5055/webhook"
    assert endpoints["action_endpoint"]["headers"] == {ACTION_TOKEN_HEADER: "action-secret"}
    for written in ("endpoints.yml", "credentials.yml"):
        assert stat.S_IMODE((runtime / written).stat().st_mode) == 0o600, written
    assert stat.S_IMODE(runtime.stat().st_mode) == 0o700
    assert command[command.index("bot.rasa_server") + 1] == "run"
    assert command[command.index("--model") + 1] == str(model)
    assert command[command.index("--auth-token") + 1] == "api-token"
    assert command[command.index("--port") + 1] == "5005"
    assert command[command.index("--cors") + 1] == "https://chat.example.org"
    assert command[command.index("--endpoints") + 1] == str(runtime / "endpoints.yml")


def test_without_an_action_url_the_rasa_server_calls_its_own_host(tmp_path: Path) -> None:
    env = {name: value for name, value in ENV.items() if name != "ACTION_ENDPOINT_URL"}
    assert container.action_url({**env, "ACTIONS_PORT": "6055"}) == "http://127.0.0.1:6055/webhook"
    container.rasa_command(env, tmp_path, tmp_path / "model.tar.gz")
    endpoints = yaml.safe_load((tmp_path / "endpoints.yml").read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5055/webhook"


def test_the_action_server_listens_on_every_interface_unless_told() -> None:
    assert container.actions_command({})[-4:] == ["--host", "0.0.0.0", "--port", "5055"]
    assert container.actions_command({"ACTIONS_HOST": "10.0.0.5", "ACTIONS_PORT": "6000"})[-4:] == [
        "--host",
        "10.0.0.5",
        "--port",
        "6000",
    ]
    assert ACTION_SERVER_MODULE in container.actions_command({})


def test_the_rasa_server_gets_its_origins_and_the_quiet_defaults() -> None:
    env = container.server_env("rasa", {"RASA_PORT": "7005"})
    assert env["HORIZON_ALLOWED_ORIGINS"] == "http://localhost:7005,http://127.0.0.1:7005"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert container.server_env("rasa", ENV)["HORIZON_ALLOWED_ORIGINS"] == "https://chat.example.org"
    assert "HORIZON_ALLOWED_ORIGINS" not in container.server_env("actions", {})


def test_endpoints_only_writes_the_file_a_scheduled_job_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("ACTION_SERVER_TOKEN", "ACTION_ENDPOINT_URL", "EVENT_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    container.main(["endpoints", "--runtime", str(tmp_path)])
    assert capsys.readouterr().out.strip() == str(tmp_path / "endpoints.yml")
    endpoints = yaml.safe_load((tmp_path / "endpoints.yml").read_text())
    assert "tracker_store" in endpoints and "headers" not in endpoints["action_endpoint"]


def test_a_missing_secret_stops_the_container_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RASA_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "s")
    with pytest.raises(SystemExit, match="RASA_AUTH_TOKEN"):
        container.main(["rasa", "--runtime", str(tmp_path / "var")])
    assert not (tmp_path / "var").exists()

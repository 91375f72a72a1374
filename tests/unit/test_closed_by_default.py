"""Closed by default: secrets created on first start, CORS for the configured origins only, and the action
server answering the Rasa server only (its app, over real HTTP, in this process)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml
from sanic import Sanic

from actions import server as action_server
from bot import launcher
from bot.servers import ACTION_TOKEN_HEADER, Servers, allowed_origins, runtime_secret, write_endpoints

SECRET = "s3cret-for-tests"


def test_a_secret_is_created_once_readable_by_its_owner_only_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "var" / "rasa-auth-token"
    first = runtime_secret(path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert runtime_secret(path) == first  # a later start reuses it
    path.chmod(0o644)
    assert runtime_secret(path) == first and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert runtime_secret(tmp_path / "other") != first


def test_an_empty_secret_file_gets_a_new_secret(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("\n")
    assert len(runtime_secret(path)) >= 40


def test_the_launcher_uses_the_configured_token_or_creates_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("RASA_AUTH_TOKEN", "configured")
    assert launcher.api_token(tmp_path) == ("configured", None)
    assert not (tmp_path / "rasa-auth-token").exists()
    monkeypatch.delenv("RASA_AUTH_TOKEN")
    token, kept = launcher.api_token(tmp_path)
    assert kept == tmp_path / "rasa-auth-token" and kept.read_text().strip() == token
    assert launcher.api_token(tmp_path) == (token, kept)
    printed = launcher.how_to_talk(5005, token, allowed_origins(5005, {}), kept)
    assert f"/status?token={token}" in printed and str(kept) in printed


def test_allowed_origins_default_to_the_demo_page(tmp_path: Path) -> None:
    assert allowed_origins(5123, {}) == ["http://localhost:5123", "http://127.0.0.1:5123"]
    configured = {"HORIZON_ALLOWED_ORIGINS": " https://www.11.be/, https://11.be ,"}
    assert allowed_origins(5123, configured) == ["https://www.11.be", "https://11.be"]


def test_rasa_gets_the_configured_origins_not_a_wildcard(tmp_path: Path) -> None:
    servers = Servers(runtime=tmp_path, port=5123, env={"HORIZON_ALLOWED_ORIGINS": "https://www.11.be"}, token="t")
    command = servers.rasa_command("run", tmp_path / "e.yml", tmp_path / "c.yml")
    assert "*" not in command
    assert command[command.index("--cors") + 1 :][:1] == ["https://www.11.be"]
    assert command[command.index("--auth-token") + 1] == "t"


def test_the_endpoints_carry_the_action_secret_and_are_private(tmp_path: Path) -> None:
    path = write_endpoints(5055, tmp_path, SECRET)
    assert yaml.safe_load(path.read_text())["action_endpoint"]["headers"] == {ACTION_TOKEN_HEADER: SECRET}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ACTION_TOKEN_HEADER == action_server.TOKEN_HEADER  # the two packages may not import each other


@pytest.fixture
def action_app() -> Sanic:
    Sanic.test_mode = True
    return action_server.build_app(SECRET)


CALL = {"next_action": "action_no_such_thing", "tracker": {"sender_id": "x", "slots": {}, "events": []}}


def post(app: Sanic, body: bytes, **headers: str):
    _, answer = app.test_client.post("/webhook", content=body, headers=headers)
    return answer


def test_the_action_server_refuses_calls_without_the_secret(action_app: Sanic) -> None:
    assert post(action_app, json.dumps(CALL).encode()).status == 403
    assert post(action_app, json.dumps(CALL).encode(), **{ACTION_TOKEN_HEADER: "wrong"}).status == 403
    _, listing = action_app.test_client.get("/actions")
    assert listing.status == 403
    _, health = action_app.test_client.get("/health")
    assert health.status == 200  # a health check reveals nothing
    known = post(action_app, json.dumps(CALL).encode(), **{ACTION_TOKEN_HEADER: SECRET})
    assert known.status == 404  # through the door: rasa-sdk looks the action up


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"next_action": 3}',
        b'{"next_action": "a", "tracker": []}',
        # found by make fuzz: each crashed rasa-sdk (500) before the shape check
        b'{"next_action": "a", "tracker": {"sender_id": "x", "latest_message": true}}',
        b'{"next_action": "a", "tracker": {"sender_id": "x", "slots": null}}',
        b'{"next_action": "a", "tracker": {"sender_id": "x"}, "version": []}',
        b'{"next_action": "a", "tracker": {"sender_id": "x"}, "domain": [1]}',
    ],
)
def test_malformed_action_calls_get_400_without_an_echo(action_app: Sanic, body: bytes) -> None:
    answer = post(action_app, body, **{ACTION_TOKEN_HEADER: SECRET})
    assert answer.status == 400
    assert body.decode() not in answer.text

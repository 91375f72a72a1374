"""bot.servers: an isolated run inherits nothing that could mail, post or write to var/."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot import servers
from bot.paths import VAR
from bot.servers import Servers, isolated_env, write_endpoints, write_runtime_credentials

DEVELOPER = {
    "PATH": "/usr/bin",
    "HOME": "/home/dev",
    "DATABASE_URL": "postgresql://dev@db.example.org/horizon",
    "SMTP_HOST": "smtp.example.org",
    "SMTP_PASSWORD": "secret",
    "NOTIFY_CENTRAL_EMAIL": "people@example.org",
    "NOTIFY_WEBHOOK_URL": "https://hooks.example.org/x",
    "EMAIL_CHECK_DNS": "1",
    "HORIZON_ID_PEPPER": "pepper",
    "SIGNUP_RETENTION_DAYS": "1",
    "RASA_AUTH_TOKEN": "dev-token",
    "TELEGRAM_TOKEN": "123:abc",
    "TELEGRAM_WEBHOOK_URL": "https://example.org/tg",
    "TELEGRAM_SECRET_TOKEN": "s",
    "SLACK_BOT_TOKEN": "xoxb",
}


def test_an_isolated_run_keeps_nothing_that_reaches_out(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, base=DEVELOPER)
    assert env["PATH"] == "/usr/bin" and env["HOME"] == "/home/dev"
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'horizon.db'}"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    kept = set(DEVELOPER) & set(env)
    assert kept == {"PATH", "HOME", "DATABASE_URL"}


def test_a_test_passes_what_it_needs(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, base=DEVELOPER, SMTP_HOST="127.0.0.1", SMTP_PORT="2525")
    assert env["SMTP_HOST"] == "127.0.0.1" and env["SMTP_PORT"] == "2525" and "SMTP_PASSWORD" not in env


def test_the_runtime_folder_holds_endpoints_credentials_and_tracker_store(tmp_path: Path) -> None:
    endpoints = yaml.safe_load(write_endpoints(5123, tmp_path).read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5123/webhook"
    assert endpoints["tracker_store"]["db"] == str(tmp_path / "tracker.db")
    credentials = yaml.safe_load(
        write_runtime_credentials(isolated_env(tmp_path, base=DEVELOPER), tmp_path).read_text()
    )
    assert "bot.channels.rest.RestInput" in credentials and not any("telegram" in name.lower() for name in credentials)
    assert (tmp_path / "credentials.yml").stat().st_mode & 0o777 == 0o600


def test_a_tracker_store_outside_var_stays_where_it_is_configured(tmp_path: Path, monkeypatch) -> None:
    template = tmp_path / "endpoints.yml"
    template.write_text(
        yaml.safe_dump({"action_endpoint": {"url": "x"}, "tracker_store": {"dialect": "sqlite", "db": "/srv/t.db"}})
    )
    monkeypatch.setattr(servers, "ENDPOINTS_TEMPLATE", template)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    assert yaml.safe_load(write_endpoints(5055, runtime).read_text())["tracker_store"]["db"] == "/srv/t.db"


def test_make_run_uses_var() -> None:
    assert Servers().runtime == VAR

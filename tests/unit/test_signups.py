"""Sign-up storage on real SQLite and PostgreSQL: one row per address, the outbox (a notification to the team
and a confirmation to the volunteer) in the same transaction, forgetting, retention, and no raw conversation
ids stored.

The ``engine`` fixture (SQLite file, and PostgreSQL in a schema of its own, both made by the migrations;
PostgreSQL is skipped only when unreachable outside CI) comes from tests/unit/conftest.py.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import List

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from horizon import cli
from horizon.volunteers import signups
from horizon.volunteers.models import Notification, Signup
from horizon.volunteers.signups import SignupData, save_signup


def data(email: str = "jan.peeters@telenet.be", conversation: str = "conv-1", **overrides: str) -> SignupData:
    values = dict(
        name="Jan Peeters",
        email=email,
        refnis="44021",
        activity="local_group",
        language="nl",
        conversation_id=conversation,
        postcode="9000",
    )
    values.update(overrides)
    return SignupData(**values)


def rows(engine: Engine) -> List[Signup]:
    with signups.session_scope(engine) as session:
        return list(session.execute(select(Signup)).scalars().all())


def notifications(engine: Engine) -> List[Notification]:
    with signups.session_scope(engine) as session:
        return list(session.execute(select(Notification).order_by(Notification.id)).scalars().all())


def test_a_sign_up_is_stored_with_a_team_notification_and_a_confirmation(engine: Engine) -> None:
    result = save_signup(data(), engine=engine)
    assert result.created
    [row] = rows(engine)
    assert (row.name, row.email, row.refnis, row.postcode, row.activity) == (
        "Jan Peeters",
        "jan.peeters@telenet.be",
        "44021",
        "9000",
        "local_group",
    )
    team, confirmation = notifications(engine)
    assert (team.id, team.kind, team.signup_id, team.status, team.attempts) == (
        result.notification_id,
        "team",
        row.id,
        "pending",
        0,
    )
    assert (confirmation.id, confirmation.kind, confirmation.signup_id, confirmation.status) == (
        result.confirmation_id,
        "confirmation",
        row.id,
        "pending",
    )
    assert result.notification_ids == (team.id, confirmation.id)


def test_the_same_address_twice_updates_instead_of_duplicating(engine: Engine) -> None:
    first = save_signup(data(), engine=engine)
    second = save_signup(
        data(email="Jan.Peeters@telenet.be", name="Jan P.", activity="campaign", conversation="conv-2"), engine=engine
    )
    assert not second.created and second.signup_id == first.signup_id
    [row] = rows(engine)
    assert (row.name, row.activity, row.email) == ("Jan P.", "campaign", "Jan.Peeters@telenet.be")
    # One pending notification of each kind is enough: it is sent with the latest data.
    assert second.notification_ids == first.notification_ids
    assert [n.id for n in notifications(engine)] == list(first.notification_ids)


def test_a_new_notification_after_the_first_was_delivered(engine: Engine) -> None:
    first = save_signup(data(), engine=engine)
    with signups.session_scope(engine) as session:
        session.get(Notification, first.notification_id).status = signups.DELIVERED
    second = save_signup(data(activity="campaign"), engine=engine)
    assert second.notification_id != first.notification_id
    assert second.confirmation_id == first.confirmation_id  # still pending: it will carry the update
    assert [(n.kind, n.status) for n in notifications(engine)] == [
        ("team", "delivered"),
        ("confirmation", "pending"),
        ("team", "pending"),
    ]


def test_an_update_queues_a_new_confirmation_only_when_none_is_pending(engine: Engine) -> None:
    first = save_signup(data(), engine=engine)
    with signups.session_scope(engine) as session:
        session.get(Notification, first.confirmation_id).status = signups.DELIVERED
    second = save_signup(data(activity="campaign"), engine=engine)
    third = save_signup(data(activity="other"), engine=engine)
    assert second.notification_id == third.notification_id == first.notification_id
    assert second.confirmation_id == third.confirmation_id != first.confirmation_id
    assert [(n.kind, n.status) for n in notifications(engine)] == [
        ("team", "pending"),
        ("confirmation", "delivered"),
        ("confirmation", "pending"),
    ]


def test_concurrent_saves_of_one_address_leave_one_row(engine: Engine) -> None:
    errors: List[BaseException] = []
    barrier = threading.Barrier(4)

    def save(i: int) -> None:
        try:
            barrier.wait()
            save_signup(data(email=f"AN.{'x' * 3}@telenet.be", name=f"An {chr(65 + i)}"), engine=engine)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(rows(engine)) == 1
    assert sorted(n.kind for n in notifications(engine) if n.status == "pending") == ["confirmation", "team"]


def test_sign_up_and_notification_are_one_transaction(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """If writing the notification fails, the sign-up is not stored either: never one without the other."""

    def broken_notification(*args: object, **kwargs: object) -> None:
        raise RuntimeError("crash while queueing the notification")

    monkeypatch.setattr(signups, "Notification", broken_notification)
    with pytest.raises(RuntimeError):
        save_signup(data(), engine=engine)
    monkeypatch.undo()
    assert rows(engine) == [] and notifications(engine) == []


def test_conversation_ids_are_stored_only_as_a_keyed_hash(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    sender = "whatsapp:+32475123456"
    monkeypatch.setenv("HORIZON_ID_PEPPER", "pepper-1")
    save_signup(data(conversation=sender), engine=engine)
    with engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM volunteer_signups")) for v in row)
    assert "475123456" not in dump
    [row] = rows(engine)
    assert row.conversation_hash == signups.conversation_hash(sender)
    monkeypatch.setenv("HORIZON_ID_PEPPER", "pepper-2")
    assert row.conversation_hash != signups.conversation_hash(sender)


def test_forget_deletes_the_conversations_sign_ups_and_both_their_notifications(engine: Engine) -> None:
    save_signup(data(conversation="conv-1"), engine=engine)
    kept = save_signup(data(email="other@telenet.be", conversation="conv-2"), engine=engine)
    report = signups.forget("conv-1", engine=engine)
    assert (report.linked, report.already_shared) == (1, False)
    assert [r.email for r in rows(engine)] == ["other@telenet.be"]
    assert [(n.id, n.signup_id) for n in notifications(engine)] == [
        (kept.notification_id, kept.signup_id),
        (kept.confirmation_id, kept.signup_id),
    ]


def test_forget_by_the_own_address_but_never_by_another_one(engine: Engine) -> None:
    """An address only typed in the chat needs proof (horizon.privacy.verification): forget never takes one."""
    save_signup(data(email="mine@telenet.be", conversation="old-conv"), engine=engine)
    save_signup(data(email="kept@skynet.be", conversation="third"), engine=engine)
    report = signups.forget("new-conv", own_emails=["MINE@telenet.be"], engine=engine)
    assert report.linked == 1
    assert [r.email for r in rows(engine)] == ["kept@skynet.be"]


def test_forget_reports_a_notification_that_was_already_delivered(engine: Engine) -> None:
    result = save_signup(data(), engine=engine)
    with signups.session_scope(engine) as session:
        session.get(Notification, result.notification_id).status = signups.DELIVERED
    assert signups.forget("conv-1", engine=engine).already_shared


def test_a_delivered_confirmation_alone_was_not_shared(engine: Engine) -> None:
    """The confirmation went to the person themself: nothing was passed on to anyone else yet."""
    result = save_signup(data(), engine=engine)
    with signups.session_scope(engine) as session:
        session.get(Notification, result.confirmation_id).status = signups.DELIVERED
    assert not signups.forget("conv-1", engine=engine).already_shared


def test_purge_deletes_sign_ups_older_than_the_retention(engine: Engine) -> None:
    now = signups.utcnow()
    save_signup(data(email="old@telenet.be"), engine=engine, now=now - timedelta(days=400))
    save_signup(data(email="recent@telenet.be"), engine=engine, now=now - timedelta(days=10))
    assert signups.purge(365, engine=engine, now=now, dry_run=True) == 1
    assert len(rows(engine)) == 2
    assert signups.purge(365, engine=engine, now=now) == 1
    assert [r.email for r in rows(engine)] == ["recent@telenet.be"]
    assert sorted(n.kind for n in notifications(engine)) == ["confirmation", "team"]


def test_an_update_restarts_the_retention_period(engine: Engine) -> None:
    now = signups.utcnow()
    save_signup(data(), engine=engine, now=now - timedelta(days=400))
    save_signup(data(activity="campaign"), engine=engine, now=now - timedelta(days=1))
    assert signups.purge(365, engine=engine, now=now) == 0


def test_purge_command(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    save_signup(data(), engine=engine, now=signups.utcnow() - timedelta(days=40))
    monkeypatch.setenv("SIGNUP_RETENTION_DAYS", "30")
    (tmp_path / "endpoints.yml").write_text("action_endpoint: {url: 'http://localhost:5055/webhook'}\n")
    assert cli.main(["purge", "--endpoints", str(tmp_path / "endpoints.yml")]) == 0  # never var/'s conversations
    assert "deleted 1 sign-up(s) not updated for 30 days" in capsys.readouterr().out
    assert rows(engine) == []


@pytest.mark.parametrize("raw, expected", [("", 365), ("90", 90), ("0", ValueError), ("abc", ValueError)])
def test_retention_days_from_the_environment(raw: str, expected: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNUP_RETENTION_DAYS", raw)
    if expected is ValueError:
        with pytest.raises(ValueError):
            signups.retention_days()
    else:
        assert signups.retention_days() == expected


@pytest.mark.parametrize("field, value", [("activity", "knitting"), ("refnis", "9000")])
def test_invalid_sign_up_data_is_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        data(**{field: value})

"""Accounts library: argon2 hashes, tokens stored as digests, confirmation, migrations on
SQLite and PostgreSQL, account e-mails sent through SMTP with retries."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from ancrage.settings import Settings
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.retry import RetryPolicy
from ancrage.web import accounts
from ancrage.web.config import WebConfig
from ancrage.web.db import api_tokens, open_app_db, sessions
from ancrage.web.errors import AuthError, ConflictError, WebError
from ancrage.web.mail import queue_mail, send_pending
from tests.watch.sink import smtp_sink
from tests.web.conftest import PASSWORD, make_user, queued_mails

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TABLES = {
    "web_organisations",
    "web_users",
    "web_sessions",
    "web_api_tokens",
    "web_email_tokens",
    "web_signin_failures",
    "web_profile_owners",
    "web_follows",
    "web_outbox",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[WebConfig]:
    settings = Settings.resolve(tmp_path / "home")
    if request.param == "sqlite":
        yield WebConfig.resolve(settings, database_url=f"sqlite:///{tmp_path / 'a.sqlite'}")
        return
    try:
        admin = create_engine(PG, connect_args={"connect_timeout": 3})
        with admin.begin() as con:
            schema = f"web_{uuid.uuid4().hex[:10]}"
            con.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception:
        pytest.skip("PostgreSQL injoignable sur 127.0.0.1:5432 (base test, utilisateur postgres)")
    try:
        url = f"{PG}?options=-csearch_path%3D{schema}"
        yield WebConfig.resolve(settings, database_url=url)
    finally:
        with admin.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_migrations_and_accounts(database: WebConfig) -> None:
    engine = open_app_db(database)
    assert set(inspect(engine).get_table_names()) >= TABLES
    user = make_user(engine, "Jeanne@Exemple.fr", "firm", "Atelier")
    assert user.email == "jeanne@exemple.fr"
    with pytest.raises(ConflictError):
        make_user(engine, "jeanne@exemple.fr", "firm", "Autre")
    found = accounts.authenticate(engine, "JEANNE@exemple.fr", PASSWORD, ip="1.2.3.4")
    assert found.id == user.id
    token = accounts.open_session(engine, found)
    with engine.connect() as con:
        stored = con.execute(select(sessions.c.token_hash)).scalar_one()
    assert stored == accounts.digest(token) != token
    assert accounts.session_user(engine, token) == found
    accounts.close_session(engine, token)
    assert accounts.session_user(engine, token) is None
    record, secret = accounts.create_api_token(engine, found, "script")
    with engine.connect() as con:
        assert con.execute(select(api_tokens.c.token_hash)).scalar_one() == accounts.digest(secret)
    assert accounts.token_user(engine, secret) == found
    accounts.revoke_api_token(engine, found, record.id)
    assert accounts.token_user(engine, secret) is None
    engine.dispose()
    again = open_app_db(database)  # opening again migrates nothing and keeps the accounts
    assert [u.email for u in accounts.list_users(again)] == ["jeanne@exemple.fr"]
    again.dispose()


def test_password_hashes_are_argon2id(tmp_path: Path) -> None:
    saved = dict(accounts.HASH_COST)
    accounts.HASH_COST.clear()
    try:
        stored = accounts.hash_password(PASSWORD)
    finally:
        accounts.HASH_COST.update(saved)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert accounts.verify_password(stored, PASSWORD)
    assert not accounts.verify_password(stored, PASSWORD + "!")
    assert not accounts.verify_password("pas un hachage", PASSWORD)


def test_bad_input_is_refused_in_french(config: WebConfig) -> None:
    engine = open_app_db(config)
    org = accounts.create_organisation(engine, "Chambre", "chamber")
    with pytest.raises(WebError) as err:
        accounts.create_user(engine, "a@b.fr", "court", role="advisor", organisation_id=org.id)
    assert err.value.one_line() == (
        "mot de passe trop court (5 caractères). Choisissez au moins 10 caractères."
    )
    with pytest.raises(WebError) as err:
        accounts.create_user(engine, "a@b.fr", PASSWORD, role="firm", organisation_id=org.id)
    assert err.value.one_line() == (
        "un compte entreprise ne peut pas appartenir à « Chambre ». "
        "Rattachez-le à une organisation du bon type."
    )
    with pytest.raises(WebError) as err:
        accounts.check_email("pas-une-adresse")
    assert err.value.one_line() == (
        "adresse e-mail « pas-une-adresse » invalide. Ex. prenom.nom@exemple.fr."
    )
    with pytest.raises(AuthError):
        accounts.authenticate(engine, "inconnu@exemple.fr", PASSWORD, ip="1.2.3.4")


def test_account_mails_are_sent_and_retried(config: WebConfig, smtp_server: Any) -> None:
    box, port = smtp_server
    engine = open_app_db(config)
    queue_mail(engine, "x@exemple.fr", "Ancrage : confirmez votre adresse e-mail", "Bonjour")
    down = SmtpConfig(host="127.0.0.1", port=1, sender="compte@ancrage.invalid", timeout=2)
    assert send_pending(engine, down) == 0
    row = queued_mails(engine)[-1]
    assert row.state == "pending" and row.attempts == 1 and row.last_error
    later = row.next_try
    up = dataclasses.replace(down, port=port)
    assert send_pending(engine, up, now=later) == 1
    assert [m["Subject"] for m in box.messages] == ["Ancrage : confirmez votre adresse e-mail"]
    assert box.messages[0]["Message-ID"] == row.message_id
    assert send_pending(engine, up, now=later) == 0


def test_account_mails_follow_the_watch_retry_policy(config: WebConfig) -> None:
    """Back-off of the watch's alerts, the first Message-ID kept, the reason in French, then
    abandoned once the first failure is older than the age limit; when the server is out of
    reach, the next e-mails wait untried."""
    engine = open_app_db(config)
    for n in (1, 2):
        queue_mail(engine, f"x{n}@exemple.fr", "Ancrage : confirmez votre adresse", "Bonjour")
    policy = RetryPolicy(first_delay=timedelta(minutes=5), max_age=timedelta(hours=72))
    start = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)  # queued: due
    with smtp_sink() as (sink, port):
        up = SmtpConfig(host="127.0.0.1", port=port, sender="compte@ancrage.invalid", timeout=2)
        sink.refuse = "554 5.7.1 Service indisponible"
        assert send_pending(engine, up, now=start, policy=policy) == 0
        first, second = queued_mails(engine)[-2:]
        assert (first.state, first.attempts, first.next_try, first.first_try_at) == (
            "pending", 1, start + timedelta(minutes=5), start
        )  # fmt: skip
        assert first.last_error == (
            "message refusé par le serveur SMTP (554 5.7.1 Service indisponible)"
        )
        assert second.attempts == 1  # a refusal of one message: the next one is tried
        assert send_pending(engine, up, now=start + timedelta(minutes=4), policy=policy) == 0
        assert sink.refused == 2  # not due yet
        assert send_pending(engine, up, now=start + timedelta(minutes=5), policy=policy) == 0
        again = queued_mails(engine)[-2]
        assert (again.attempts, again.next_try, again.message_id) == (
            2, start + timedelta(minutes=15), first.message_id
        )  # fmt: skip
    down = SmtpConfig(host="127.0.0.1", port=1, sender="compte@ancrage.invalid", timeout=2)
    late = start + timedelta(hours=72)
    assert send_pending(engine, down, now=late, policy=policy) == 0
    gone, waiting = queued_mails(engine)[-2:]
    assert (gone.state, gone.attempts) == ("abandoned", 3)
    assert gone.last_error == "serveur SMTP injoignable (connexion refusée)"
    assert (waiting.state, waiting.attempts) == ("pending", 2)  # out of reach: not tried
    with smtp_sink() as (sink, port):
        up = SmtpConfig(host="127.0.0.1", port=port, sender="compte@ancrage.invalid", timeout=2)
        assert send_pending(engine, up, now=late, policy=policy) == 1
        assert [m["To"] for m in sink.messages] == ["x2@exemple.fr"]  # abandoned stays so
        assert sink.messages[0]["Message-ID"] == second.message_id

"""Accounts library: argon2 hashes, tokens stored as digests, confirmation, migrations on
SQLite and PostgreSQL, account e-mails sent through SMTP with retries."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from ancrage.settings import Settings
from ancrage.watch.mail import SmtpConfig
from ancrage.web import accounts
from ancrage.web.config import WebConfig
from ancrage.web.db import api_tokens, open_app_db, sessions
from ancrage.web.errors import AuthError, ConflictError, WebError
from ancrage.web.mail import queue_mail, send_pending
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

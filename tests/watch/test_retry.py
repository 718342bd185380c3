"""Alerts are never lost: failed sends retried with back-off and their first Message-ID until
the age limit, then abandoned with the reason; what waits is listed (``watch outbox``)."""

from __future__ import annotations

import json
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.settings import Settings
from ancrage.watch.db import open_db, outbox
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.matching import Locator
from ancrage.watch.outbox import not_sent_error, send_due, smtp_send
from ancrage.watch.profiles import ProfileNotFoundError, add_profile
from ancrage.watch.retry import RetryPolicy
from ancrage.watch.runner import run_watch
from ancrage.watch.waiting import retry_now, waiting
from tests.watch.conftest import refused_setting
from tests.watch.sink import smtp_sink
from tests.watch.test_watch import NOW, profiles

NOW_MINUTE = timedelta(minutes=1)
REFUSED = "message refusé par le serveur SMTP (554 5.7.1 Service indisponible)"


def queue_alerts(engine: Engine, home: Settings, locator: Locator) -> None:
    for p in profiles():
        add_profile(engine, p)
    run_watch(home, engine, now=NOW, smtp=None, locator=locator)


def _states(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as con:
        rows = con.execute(select(outbox.c.state, outbox.c.attempts))
        return sorted((r.state, r.attempts) for r in rows)


def test_lost_reply_sent_again_with_the_first_message_id(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    queue_alerts(engine, home, locator)

    def reply_lost(config: SmtpConfig, message: EmailMessage) -> None:
        smtp_send(config, message)  # the server took it…
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")  # …no reply

    with smtp_sink() as (sink, port):
        config = SmtpConfig(host="127.0.0.1", port=port)
        first = send_due(engine, config, NOW, sender=reply_lost)
        assert first.messages == 0 and first.not_sent == 1 and first.stopped
        assert first.errors == [
            "connexion au serveur SMTP coupée (le message a pu être reçu : il sera renvoyé avec "
            "le même Message-ID)"
        ]
        later = NOW + timedelta(hours=1)
        second = send_due(engine, config, later)
        assert second.messages == 2 and not second.trouble
    ids = sink.message_ids()
    # three messages in the inbox, two distinct: the duplicate carries the same Message-ID
    assert len(ids) == 3 and len(set(ids)) == 2
    assert _states(engine) == [("sent", 1), ("sent", 2)]


def test_refused_for_several_runs_then_each_alert_once(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    queue_alerts(engine, home, locator)
    policy = RetryPolicy(first_delay=timedelta(0))
    with smtp_sink() as (sink, port):
        config = SmtpConfig(host="127.0.0.1", port=port)
        sink.refuse = "554 5.7.1 Service indisponible"
        for run in range(6):
            report = send_due(engine, config, NOW + run * NOW_MINUTE, policy=policy)
            assert (report.messages, report.not_sent, report.waiting) == (0, 2, 2)
            assert report.errors == [REFUSED]
            error = not_sent_error(report, policy)
            assert error is not None and error.exit_code == 4
            assert error.one_line() == (
                "2 alertes non envoyées ; 2 alertes attendent un nouvel essai (le prochain le "
                f"22/01/2026 à 09:0{run} (heure de Paris)) : {REFUSED}. Vérifiez le serveur SMTP "
                "(ANCRAGE_SMTP_HOST, _PORT…) ; « ancrage watch outbox » liste les alertes en "
                "attente et pourquoi."
            )
        assert sink.refused == 12
        sink.refuse = None
        report = send_due(engine, config, NOW + 6 * NOW_MINUTE, policy=policy)
        assert report.messages == 2 and not_sent_error(report, policy) is None
        assert send_due(engine, config, NOW + 7 * NOW_MINUTE, policy=policy).messages == 0
    assert len(sink.messages) == 2 and len(set(sink.message_ids())) == 2
    assert _states(engine) == [("sent", 7), ("sent", 7)]


def test_back_off_then_abandoned_after_the_age_limit(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    queue_alerts(engine, home, locator)
    policy = RetryPolicy()  # 5 minutes doubled, at most 6 hours apart, for 72 hours
    assert [policy.delay(n) for n in (1, 2, 3, 8, 9)] == [
        timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20),
        timedelta(hours=6), timedelta(hours=6),
    ]
    with smtp_sink() as (sink, port):
        config = SmtpConfig(host="127.0.0.1", port=port)
        sink.refuse = "554 5.7.1 Service indisponible"
        send_due(engine, config, NOW, policy=policy)
        assert send_due(engine, config, NOW + 4 * NOW_MINUTE, policy=policy).not_sent == 0
        assert send_due(engine, config, NOW + 5 * NOW_MINUTE, policy=policy).not_sent == 2
        listed = waiting(engine)
        assert listed.counts == {"retry": 2}
        assert listed.items[0].why == (
            f"nouvel essai le 22/01/2026 à 09:15 (heure de Paris) : {REFUSED}"
        )
        last = send_due(engine, config, NOW + timedelta(hours=72), policy=policy)
        assert last.abandoned and last.not_sent == 0 and last.waiting == 0
        error = not_sent_error(last, policy)
        assert error is not None and error.one_line().startswith(
            f"2 alertes abandonnées après 72 h d'échecs : {REFUSED}."
        )
        sink.refuse = None
        after = send_due(engine, config, NOW + timedelta(hours=80), policy=policy)
        assert after.messages == 0 and not after.trouble  # abandoned stays abandoned
    assert [w.why for w in waiting(engine).items] == [f"abandonnée : {REFUSED}"] * 2
    assert _states(engine) == [("abandoned", 3), ("abandoned", 3)]


def test_retry_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANCRAGE_WATCH_RETRY_MINUTES", "1")
    monkeypatch.setenv("ANCRAGE_WATCH_MAX_AGE_HOURS", "24")
    assert RetryPolicy.from_env() == RetryPolicy(
        first_delay=timedelta(minutes=1), max_age=timedelta(hours=24)
    )
    refused = refused_setting(
        monkeypatch, "ANCRAGE_WATCH_MAX_AGE_HOURS", "trois jours", RetryPolicy.from_env
    )
    assert refused == (
        "réglage ANCRAGE_WATCH_MAX_AGE_HOURS illisible : 'trois jours'. Donnez un nombre "
        "positif, ex. 5 ou 72."
    )


def test_watch_outbox_command(home: Settings, locator: Locator) -> None:
    engine = open_db(home)  # the home's SQLite, as the command opens it
    queue_alerts(engine, home, locator)
    engine.dispose()
    runner = CliRunner()
    table = runner.invoke(app, ["watch", "outbox", "--home", str(home.home)],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "2 alertes en attente" in table.stdout
    assert "pas encore essayée (à la prochaine exécution qui envoie)" in table.stdout
    assert "à envoyer : 2" in table.stderr
    listed = runner.invoke(app, ["watch", "outbox", "traiteur-normandie", "--format", "json",
                                 "--home", str(home.home)])
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.stdout)
    assert found["counts"] == {"new": 1}
    (alert,) = found["alerts"]
    assert (alert["profile"], alert["notice"], alert["state"]) == (
        "traiteur-normandie", "boamp:26-7308", "new"
    )
    none = runner.invoke(app, ["watch", "outbox", "--home", str(home.home / "vide")])
    assert none.exit_code == 0, none.output
    assert none.stdout == (
        "Aucune alerte en attente : toutes celles mises en file ont été envoyées.\n"
    )
    unknown = runner.invoke(app, ["watch", "outbox", "inconnu", "--home", str(home.home)])
    assert isinstance(unknown.exception, ProfileNotFoundError)
    assert unknown.exception.one_line().startswith("aucun profil « inconnu »")


def test_upgrade_requeues_alerts_the_former_policy_gave_up(
    app_url: str | None, home: Settings, locator: Locator
) -> None:
    from alembic import command

    from ancrage.watch import db as watch_db
    from tests.watch.test_outbox_bulk import _config

    url = watch_db.db_url(home, app_url)
    legacy = watch_db.create_engine(url)
    with legacy.begin() as con:
        command.upgrade(_config(con), "0002")
        con.execute(text(
            "INSERT INTO watch_profiles (name, email, cpv, cpv_labels, keywords, "
            "excluded_keywords, departements, certifications, reserved, lots_only, "
            "purchase_types, frequency, min_days, active, unsubscribe_token, created_at, "
            "updated_at) VALUES ('p', 'p@example.fr', '[]', '[]', '[]', '[]', '[]', '[]', 'any', "
            "false, '[]', 'daily', 0, true, 't', :now, :now)"
        ), {"now": NOW.replace(tzinfo=None)})
        con.execute(text(
            "INSERT INTO watch_outbox (profile_id, notice_id, version, kind, state, attempts, "
            "next_try, message_id, last_error, score, payload, created_at) SELECT id, "
            "'boamp:26-7308', 'v1', 'new', 'failed', 5, :now, '<1@ancrage.test>', "
            "'SMTPDataError', 1, '{}', :now FROM watch_profiles"
        ), {"now": NOW.replace(tzinfo=None)})
    legacy.dispose()
    engine = watch_db.open_db(home, url)  # migrates to the latest revision
    try:
        with engine.connect() as con:
            row = con.execute(select(outbox.c.state, outbox.c.message_id)).one()
            lock = con.execute(text("SELECT name, token FROM watch_locks")).one()
        assert tuple(row) == ("pending", "<1@ancrage.test>")  # tried again, same Message-ID
        assert tuple(lock) == ("watch-run", None)
    finally:
        engine.dispose()


def _waiting_rows(engine: Engine) -> list[tuple[str, int, str | None, Any]]:
    with engine.connect() as con:
        rows = con.execute(
            select(outbox.c.state, outbox.c.attempts, outbox.c.message_id, outbox.c.next_try)
            .order_by(outbox.c.id)
        )  # fmt: skip
        return [(r.state, r.attempts, r.message_id, r.next_try) for r in rows]


def test_retry_now_makes_the_waiting_alerts_due_and_keeps_their_attempts_and_message_id(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    queue_alerts(engine, home, locator)
    policy = RetryPolicy()
    with smtp_sink() as (sink, port):
        config = SmtpConfig(host="127.0.0.1", port=port)
        sink.refuse = "554 5.7.1 Service indisponible"
        assert send_due(engine, config, NOW, policy=policy).not_sent == 2
        failed = _waiting_rows(engine)
        assert [(s, a) for s, a, _, _ in failed] == [("pending", 1), ("pending", 1)]
        sink.refuse = None
        soon = NOW + NOW_MINUTE  # the server is back; the next try was 5 minutes away
        assert send_due(engine, config, soon, policy=policy).messages == 0
        assert retry_now(engine, soon, profile="inconnu") == 0
        assert retry_now(engine, soon) == 2
        due = _waiting_rows(engine)
        assert [(s, a, m) for s, a, m, _ in due] == [(s, a, m) for s, a, m, _ in failed]
        assert {t for _, _, _, t in due} == {soon.replace(tzinfo=None)}
        assert retry_now(engine, soon) == 0  # nothing waits any more
        assert send_due(engine, config, soon, policy=policy).messages == 2
    assert sorted(sink.message_ids()) == sorted(m for _, _, m, _ in failed if m)
    assert _states(engine) == [("sent", 2), ("sent", 2)]


def test_watch_outbox_relancer(home: Settings, locator: Locator) -> None:
    engine = open_db(home)
    queue_alerts(engine, home, locator)
    with smtp_sink() as (sink, port):
        sink.refuse = "554 5.7.1 Service indisponible"
        send_due(engine, SmtpConfig(host="127.0.0.1", port=port), NOW)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=2)
    with engine.begin() as con:  # a next try still ahead of the real clock
        con.execute(outbox.update().values(next_try=later))
    engine.dispose()
    runner = CliRunner()
    args = ["watch", "outbox", "--relancer", "--home", str(home.home)]
    one = runner.invoke(app, [*args[:2], "traiteur-normandie", *args[2:]], env={"COLUMNS": "200"})
    assert one.exit_code == 0, one.output
    assert one.stderr.startswith(
        "1 alerte en échec : nouvel essai avancé à maintenant ; la prochaine exécution qui "
        "envoie (« ancrage watch run », « ancrage update ») l'essaiera.\n"
    )
    both = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert both.stderr.startswith("1 alerte en échec : nouvel essai avancé à maintenant ;")
    assert "nouvel essai prévu : 2" in both.stderr  # the list that follows, as without option
    again = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert again.stderr.startswith("Aucune alerte n'attend de nouvel essai : rien à relancer.\n")
    engine = open_db(home)
    assert [(s, a) for s, a, _, _ in _waiting_rows(engine)] == [("pending", 1), ("pending", 1)]
    assert all(t < later for _, _, _, t in _waiting_rows(engine))
    engine.dispose()

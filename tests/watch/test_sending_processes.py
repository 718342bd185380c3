"""``ancrage watch run`` processes against a local SMTP sink, on SQLite and PostgreSQL: two runs
at once, a run killed while sending, an outage of several runs — each alert arrives once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import defaultdict

import pytest
from sqlalchemy import Engine

from ancrage.settings import Settings
from ancrage.watch.model import Profile
from ancrage.watch.profiles import add_profile, complete
from tests.watch.sink import Sink, smtp_sink

DAY = "2026-01-22"
FIRMS = 15  # of each trade: 30 profiles, one alert (one digest) each


def _profiles(engine: Engine) -> None:
    for i in range(FIRMS):
        add_profile(engine, complete(Profile(
            f"traiteur-{i}", naf="56.21Z", departements=["76", "27", "14"], value_min=10_000,
            value_max=100_000, email=f"traiteur{i}@example.fr")))
        add_profile(engine, complete(Profile(
            f"electricien-{i}", naf="43.21A", commune="69123", certifications=["Qualibat"],
            email=f"elec{i}@example.fr")))


def _command(home: Settings, app_url: str | None) -> list[str]:
    db = ["--db", app_url] if app_url else []
    return [sys.executable, "-m", "ancrage", "watch", "run", "--date", DAY, "--home",
            str(home.home), *db]


def _env(port: int) -> dict[str, str]:
    return {**os.environ, "ANCRAGE_SMTP_HOST": "127.0.0.1", "ANCRAGE_SMTP_PORT": str(port),
            "ANCRAGE_WATCH_RETRY_MINUTES": "0", "COLUMNS": "200"}


def _run(home: Settings, app_url: str | None, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(home, app_url), capture_output=True, text=True,
                          env=_env(port), timeout=300, check=False)


def _each_alert_once(sink: Sink) -> None:
    """One Message-ID per recipient (a duplicate can only be the same message), all there."""
    ids: dict[str, set[str]] = defaultdict(set)
    for m in sink.messages:
        ids[str(m["To"])].add(str(m["Message-ID"]))
    assert len(ids) == 2 * FIRMS
    assert all(len(found) == 1 for found in ids.values())


def test_two_runs_at_once_send_each_alert_once(
    engine: Engine, home: Settings, app_url: str | None
) -> None:
    _profiles(engine)
    with smtp_sink() as (sink, port):
        sink.hold.clear()  # the first run's first message waits in the server
        first = subprocess.Popen(_command(home, app_url), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, env=_env(port))
        try:
            assert sink.arrived.wait(240), "the first run never reached the server"
            second = _run(home, app_url, port)
        finally:
            sink.hold.set()
            _, first_err = first.communicate(timeout=300)
        assert first.returncode == 0, first_err
        assert second.returncode == 3, second.stderr
        assert second.stderr.startswith(
            f"erreur : une autre exécution de la veille est en cours (pid {first.pid}, depuis le "
        ), second.stderr
        assert second.stderr.rstrip().endswith("« ancrage watch outbox » montre les alertes en "
                                               "attente)."), second.stderr
        assert len(sink.messages) == 2 * FIRMS
        _each_alert_once(sink)
        third = _run(home, app_url, port)  # nothing left to send
        assert third.returncode == 0, third.stderr
        assert len(sink.messages) == 2 * FIRMS


def test_run_killed_while_sending_is_resumed_by_the_next(
    engine: Engine, home: Settings, app_url: str | None
) -> None:
    _profiles(engine)
    with smtp_sink() as (sink, port):
        sink.hold.clear()
        killed = subprocess.Popen(_command(home, app_url), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=_env(port))
        assert sink.arrived.wait(240), "the run never reached the server"
        killed.send_signal(signal.SIGKILL)
        killed.wait()
        sink.hold.set()
        resumed = _run(home, app_url, port)
    assert resumed.returncode == 0, resumed.stderr
    assert (
        f"note : la veille précédente (pid {killed.pid}, depuis le " in resumed.stderr
        and "s'est interrompue : ses envois en cours sont repris" in resumed.stderr
    ), resumed.stderr
    _each_alert_once(sink)


def test_outage_of_several_runs_then_each_alert_once(
    engine: Engine, home: Settings, app_url: str | None
) -> None:
    _profiles(engine)
    with smtp_sink() as (sink, port):
        sink.refuse = "554 5.7.1 Service indisponible"
        for _ in range(3):
            failed = _run(home, app_url, port)
            assert failed.returncode == 4, failed.stderr
            assert failed.stderr.splitlines()[-1] == (
                "erreur : 30 alertes non envoyées ; 30 alertes attendent un nouvel essai (le "
                "prochain le 22/01/2026 à 01:00 (heure de Paris)) : message refusé par le serveur "
                "SMTP (554 5.7.1 Service indisponible). Vérifiez le serveur SMTP "
                "(ANCRAGE_SMTP_HOST, _PORT…) ; « ancrage watch outbox » liste les alertes en "
                "attente et pourquoi."
            )
        assert sink.messages == [] and sink.refused == 3 * 2 * FIRMS
        sink.refuse = None
        back = _run(home, app_url, port)
        assert back.returncode == 0, back.stderr
        assert "0 nouvelles alertes en file, 30 envoyées en 30 e-mails" in back.stderr
        again = _run(home, app_url, port)
        assert again.returncode == 0, again.stderr
    assert len(sink.messages) == 2 * FIRMS
    _each_alert_once(sink)


@pytest.fixture(autouse=True)
def _no_smtp_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANCRAGE_SMTP_USER", "ANCRAGE_SMTP_PASSWORD", "ANCRAGE_SMTP_STARTTLS",
                 "ANCRAGE_DB_URL"):
        monkeypatch.delenv(name, raising=False)

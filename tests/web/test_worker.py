"""The worker's daily job is ``ancrage update``'s function (fetch, load, enrich, notices, watch
with its alerts) on the application's database, then the observatory's reports again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ancrage.errors import BusyError, WarehouseBusyError
from ancrage.fetch import update as update_module
from ancrage.fetch.errors import FetchBusyError
from ancrage.fetch.manifest import fetch_lock
from ancrage.fetch.update import UpdateReport
from ancrage.geo.territory import parse_territory
from ancrage.settings import Settings
from ancrage.watch.db import outbox
from ancrage.web import worker
from ancrage.web.config import WebConfig
from ancrage.web.db import open_app_db
from ancrage.web.worker import Job, UpdatePlan, jobs, run_due
from tests.fetch.conftest import home, http, mirror, replay, sleeps, world  # noqa: F401
from tests.fetch.mirror import TODAY, Mirror

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


def test_the_daily_job_is_the_update_with_its_alerts(
    world: Mirror,  # noqa: F811
    home: Settings,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in world.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ANCRAGE_SMTP_HOST", raising=False)
    calls: list[dict[str, Any]] = []
    real = update_module.run_update

    def dated(settings: Settings, **kw: Any) -> Any:  # the mirror's day, else the same call
        calls.append(kw)
        return real(settings, today=TODAY, now=NOW, **kw)

    monkeypatch.setattr(update_module, "run_update", dated)
    config = WebConfig.resolve(home, database_url=f"sqlite:///{home.home / 'web.sqlite'}")
    engine = open_app_db(config)
    from ancrage.watch.model import Profile
    from ancrage.watch.profiles import add_profile

    add_profile(  # in the application's database, not in the watch's default one
        engine, Profile(name="btp-nord", email="veille@example.fr", cpv=["45"], departements=["59"])
    )
    [mails, daily] = jobs(config, UpdatePlan(territory=parse_territory("dep:59"), use_api=False))
    assert (mails.every_s, daily.every_s) == (60, 24 * 3600)
    result: Any = daily.run()
    assert [c["territory"].code for c in calls] == ["59"]
    assert calls[0]["database_url"] == config.database_url
    assert result["errors"] == []
    assert result["steps"] == {
        "fetch": "fait", "load": "fait", "enrich": "fait", "notices": "fait", "watch": "fait",
    }  # fmt: skip
    assert result["alerts_queued"] == 1  # works in the Nord for btp-nord
    with engine.connect() as con:
        assert con.execute(select(func.count()).select_from(outbox)).scalar_one() == 1
    assert result["reports_computed"] == 0  # no report was asked for before


def test_every_job_runs_at_the_first_tick_then_at_its_interval() -> None:
    ran: list[str] = []
    todo = [
        Job("vite", 60, lambda: ran.append("vite")),
        Job("chaque jour", 24 * 3600, lambda: ran.append("chaque jour")),
    ]
    run_due(todo, now=5.0)  # a machine started five seconds ago (monotonic clock)
    assert ran == ["vite", "chaque jour"]
    run_due(todo, now=65.0)
    assert ran == ["vite", "chaque jour", "vite"]
    run_due(todo, now=5.0 + 24 * 3600)
    assert ran == ["vite", "chaque jour", "vite", "vite", "chaque jour"]


def test_a_busy_update_is_tried_again_in_minutes_with_back_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The update lock held by an ``ancrage update`` of cron: tried again after 5 minutes,
    then 10, 20…, at most an hour apart, then daily again once it ran (a fake monotonic
    clock), with a French line saying why."""
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(worker, "log", lambda event, level=0, **f: logged.append((event, f)))
    busy = FetchBusyError(
        "un autre téléchargement ou une autre mise à jour est en cours sur ce dossier de données",
        hint="Attendez qu'il se termine, puis relancez.",
    )
    tries: list[float] = []
    clock = 0.0

    def update() -> str:
        tries.append(clock)
        if len(tries) <= 6:
            raise busy
        return "fait"

    todo = [Job("mise à jour", 24 * 3600, update)]
    for clock in range(0, 6 * 3600, 60):
        run_due(todo, now=float(clock))
    minutes = [t / 60 for t in tries]
    assert minutes == [0, 5, 15, 35, 75, 135, 195]  # waits 5, 10, 20, 40, 60, 60
    assert [e for e, _ in logged] == ["job postponed"] * 6 + ["job done"]
    assert logged[0][1] == {
        "job": "mise à jour",
        "retry_in_s": 300,
        "reason": "un autre téléchargement ou une autre mise à jour est en cours sur ce dossier "
        "de données : nouvel essai de « mise à jour » dans 5 min",
    }
    assert logged[4][1]["reason"].endswith("dans 60 min")
    run_due(todo, now=195 * 60 + 24 * 3600 - 1)
    assert len(tries) == 7  # done: the next turn is a day later, not in minutes
    run_due(todo, now=195 * 60 + 24 * 3600)
    assert len(tries) == 8


def test_a_failing_job_still_waits_its_interval() -> None:
    tries: list[float] = []

    def broken() -> None:
        tries.append(0)
        raise RuntimeError("panne")

    todo = [Job("mise à jour", 24 * 3600, broken)]
    for clock in range(0, 3600, 60):
        run_due(todo, now=float(clock))
    assert len(tries) == 1


def test_the_update_lock_held_is_a_busy_error(home: Settings) -> None:  # noqa: F811
    with fetch_lock(home), pytest.raises(FetchBusyError) as held, fetch_lock(home):
        pass
    assert isinstance(held.value, BusyError) and held.value.exit_code == 4


def test_an_update_that_found_the_warehouse_busy_is_tried_again_soon(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    report = UpdateReport("r", "2026-12-07T12:00:00")
    report.steps = {"fetch": "fait", "load": "erreur"}
    report.errors = [WarehouseBusyError("l'entrepôt est occupé par un autre processus")]
    monkeypatch.setattr(update_module, "run_update", lambda settings, **kw: report)
    config = WebConfig.resolve(Settings.resolve(tmp_path / "home"))
    [_, daily] = jobs(config)
    with pytest.raises(WarehouseBusyError):
        daily.run()
    logged: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(worker, "log", lambda event, level=0, **f: logged.append((event, f)))
    run_due([daily], now=0.0)
    assert logged[-1][0] == "job postponed"
    assert logged[-1][1]["reason"] == (
        "l'entrepôt est occupé par un autre processus : nouvel essai de « mise à jour » dans 5 min"
    )

"""The worker's daily job is ``ancrage update``'s function (fetch, load, enrich, notices, watch
with its alerts) on the application's database, then the observatory's reports again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from ancrage.fetch import update as update_module
from ancrage.geo.territory import parse_territory
from ancrage.settings import Settings
from ancrage.watch.db import outbox
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

"""Bulk queueing (set-based enqueue, notice snapshots, alerts rendered at send time) and the
migration from revision 0001, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, func, insert, select, text

from ancrage.notices.model import Notice
from ancrage.settings import Settings
from ancrage.watch import db as watch_db
from ancrage.watch import outbox as outbox_module
from ancrage.watch.db import notice_versions, outbox
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.matching import Locator, NoticeMatch, ProfileIndex
from ancrage.watch.outbox import alerts_of, enqueue, send_due
from ancrage.watch.profiles import add_profile, get_profile, list_profiles
from ancrage.watch.render import UNEXPLAINED
from ancrage.watch.runner import open_notices, run_watch

from .test_watch import NOW, profiles

BENCH_NOW = datetime(2026, 1, 22, tzinfo=UTC)


def _world(bench: ModuleType, engine: Engine) -> tuple[list[Notice], Any]:
    """300 synthetic profiles (every third without e-mail) in the database, 100 notices."""
    rng = random.Random(5)
    world = bench.World(bench.CPV_FILE)
    synthetic = bench.make_profiles(300, rng, world)
    notices: list[Notice] = bench.make_notices(100, rng, world)
    for i, p in enumerate(synthetic):
        p.id = None
        p.email = None if i % 3 == 0 else f"{p.name}@example.fr"
        add_profile(engine, p)
    return notices, world


def _matches(engine: Engine, locator: Locator, notices: list[Notice], now: datetime
             ) -> list[NoticeMatch]:
    return ProfileIndex(list_profiles(engine, active_only=True), locator).match(notices, now)


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as con:
        return con.execute(select(outbox).order_by(outbox.c.id)).all()


def test_bulk_enqueue_once_per_key(
    engine: Engine, bench: ModuleType, locator: Locator
) -> None:
    notices, _ = _world(bench, engine)
    found = _matches(engine, locator, notices, BENCH_NOW)
    by_id = {n.id: n for n in notices}
    assert len(found) > 100
    assert enqueue(engine, found, by_id, BENCH_NOW) == len(found)
    assert enqueue(engine, found, by_id, BENCH_NOW) == 0  # same notices again: nothing
    rows = _rows(engine)
    assert len(rows) == len(found)
    assert len({(r.profile_id, r.notice_id, r.version) for r in rows}) == len(rows)
    emails = {p.id: p.email for p in list_profiles(engine)}
    assert all(r.state == ("pending" if emails[r.profile_id] else "skipped") for r in rows)
    assert all(r.kind == "new" and r.payload == {} and r.attempts == 0 for r in rows)
    assert {(r.profile_id, r.notice_id, r.score) for r in rows} == {
        (m.profile_id, m.notice_id, m.score) for m in found
    }
    assert {r.matched_at for r in rows} == {BENCH_NOW.replace(tzinfo=None)}
    with engine.connect() as con:
        snapshots = con.execute(select(func.count()).select_from(notice_versions)).scalar_one()
    assert snapshots == len({m.notice_id for m in found})


def test_enqueue_crash_between_chunks_loses_and_duplicates_nothing(
    engine: Engine, bench: ModuleType, locator: Locator, monkeypatch: pytest.MonkeyPatch
) -> None:
    notices, _ = _world(bench, engine)
    found = _matches(engine, locator, notices, BENCH_NOW)
    by_id = {n.id: n for n in notices}
    monkeypatch.setattr(outbox_module, "CHUNK_NOTICES", 5)
    real = outbox_module._enqueue_chunk
    calls = []

    def crash_on_third(*args: Any) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("crash while queueing")
        return real(*args)

    monkeypatch.setattr(outbox_module, "_enqueue_chunk", crash_on_third)
    with pytest.raises(RuntimeError):
        enqueue(engine, found, by_id, BENCH_NOW)
    first = len(_rows(engine))
    assert 0 < first < len(found)  # two chunks committed, the third rolled back
    monkeypatch.setattr(outbox_module, "_enqueue_chunk", real)
    assert enqueue(engine, found, by_id, BENCH_NOW) == len(found) - first
    rows = _rows(engine)
    assert len(rows) == len({(r.profile_id, r.notice_id, r.version) for r in rows}) == len(found)


def test_corrigendum_pending_superseded_sent_updated(
    engine: Engine, bench: ModuleType, locator: Locator
) -> None:
    notices, _ = _world(bench, engine)
    day1 = _matches(engine, locator, notices, BENCH_NOW)
    enqueue(engine, day1, {n.id: n for n in notices}, BENCH_NOW)
    matched = {m.notice_id for m in day1}
    moved, kept = [n for n in notices if n.id in matched][:2]  # two notices with alerts
    targets = [m for m in day1 if m.notice_id in (moved.id, kept.id)]
    assert {m.notice_id for m in targets} == {moved.id, kept.id}
    with engine.begin() as con:  # the first notice's alerts went out, the second's did not
        con.execute(outbox.update().where(outbox.c.notice_id == moved.id).values(state="sent"))
    old = moved.deadline
    assert old is not None and kept.deadline is not None
    moved.deadline = old + timedelta(days=7)
    kept.deadline = kept.deadline + timedelta(days=3)
    day2 = _matches(engine, locator, notices, BENCH_NOW + timedelta(days=1))
    expected = sum(1 for m in day2 if m.notice_id in (moved.id, kept.id))
    assert enqueue(engine, day2, {n.id: n for n in notices}, BENCH_NOW + timedelta(days=1)
                   ) == expected
    rows = _rows(engine)
    new_moved = [r for r in rows if r.notice_id == moved.id and r.state != "sent"]
    assert new_moved and all(r.kind == "update" for r in new_moved)
    assert all(r.payload == {"old_deadline": old.isoformat()} for r in new_moved)
    old_kept = [r for r in rows if r.notice_id == kept.id and r.matched_at.day == 22]
    assert old_kept and all(r.state in ("superseded", "skipped") for r in old_kept)
    new_kept = [r for r in rows if r.notice_id == kept.id and r.matched_at.day == 23]
    assert new_kept and all(r.kind == "new" for r in new_kept)  # never sent: not an update


def test_rendered_at_send_time_as_the_run_explained(
    engine: Engine, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    for p in profiles():
        add_profile(engine, p)
    report = run_watch(home, engine, now=NOW, smtp=None, locator=locator)
    explained = {(m.profile_name, m.notice_id): m.explanation for m in report.matches}
    for r in _rows(engine):
        assert r.payload == {}  # nothing but facts queued
    traiteur = get_profile(engine, "traiteur-normandie")
    (alert,) = alerts_of(engine, traiteur, locator)  # rendered for the feed, not stored
    assert alert["explanation"] == explained[("traiteur-normandie", "boamp:26-7308")]
    assert alert["title"] == "Prestations traiteurs pour l'URSSAF Normandie"
    assert alert["deadline"] == "2026-02-27T12:00:00+01:00"
    assert alert["lots"] == ["1", "2", "3", "4", "5"]  # 6 and 7: Saint-Lô (50), Alençon (61)
    box, port = smtp_server
    sent = send_due(engine, SmtpConfig(host="127.0.0.1", port=port), NOW, locator=locator)
    assert sent.messages == 2
    stored = {r.notice_id: r.payload for r in _rows(engine)}
    assert stored["boamp:26-7308"]["explanation"] == alert["explanation"]
    mail = next(m for m in box.messages if m["To"] == "traiteur@example.fr")  # type: ignore[attr-defined]
    body = mail.get_body(("plain",))
    assert body is not None
    assert "Pourquoi : CPV 55520000 traiteur = votre métier ; dans votre zone" in (
        body.get_content().replace("\n   ", " ")
    )


def test_render_without_snapshot_or_match_keeps_message_whole(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    for p in profiles():
        add_profile(engine, p)
    run_watch(home, engine, now=NOW, smtp=None, locator=locator)
    traiteur = get_profile(engine, "traiteur-normandie")
    traiteur.departements = ["2A"]  # edited since: the notice no longer matches
    (alert,) = alerts_of(engine, traiteur, locator)
    assert alert["explanation"] == UNEXPLAINED
    assert alert["title"] == "Prestations traiteurs pour l'URSSAF Normandie"
    with engine.begin() as con:
        con.execute(notice_versions.delete())
    (alert,) = alerts_of(engine, traiteur, locator)
    assert alert["title"] == "boamp:26-7308" and alert["buyer"] is None


# ---------------------------------------------------------------- migration 0001 -> 0002


def _config(connection: Any) -> Config:
    from importlib import resources

    config = Config()
    location = resources.files("ancrage.watch").joinpath("migrations")
    config.set_main_option("script_location", str(location))
    config.attributes["connection"] = connection
    return config


def test_upgrade_from_0001_keeps_queued_alerts(
    app_url: str | None, home: Settings, locator: Locator, smtp_server: tuple[object, int]
) -> None:
    old_url = watch_db.db_url(home, app_url)  # not migrated yet
    legacy = watch_db.create_engine(old_url)
    with legacy.begin() as con:
        command.upgrade(_config(con), "0001")
    engine = watch_db.open_db(home, old_url)  # migrates to the latest revision
    with engine.connect() as con:
        version = con.execute(text(f"SELECT version_num FROM {watch_db.VERSION_TABLE}"))
        assert version.scalar_one() == "0003"
    traiteur = add_profile(engine, profiles()[2])
    notice = next(n for n in open_notices(home) if n.id == "boamp:26-7308")
    payload = {  # an alert queued by revision 0001: full payload, no snapshot, no match time
        "notice_id": notice.id, "title": "Ancien titre", "buyer": "URSSAF", "url": None,
        "deadline": "2026-02-20T12:00:00+01:00", "deadline_utc": "2026-02-20T11:00:00Z",
        "explanation": "texte d'avant", "lots": [], "score": 0.5,
    }
    with engine.begin() as con:
        con.execute(insert(outbox).values(
            profile_id=traiteur.id, notice_id=notice.id, version="0ld", kind="new", state="sent",
            attempts=1, next_try=NOW.replace(tzinfo=None), score=0.5, payload=payload,
            created_at=NOW.replace(tzinfo=None),
        ))
    (alert,) = alerts_of(engine, traiteur, locator)
    assert alert["explanation"] == "texte d'avant" and alert["title"] == "Ancien titre"
    _box, port = smtp_server
    report = run_watch(home, engine, now=NOW, locator=locator,
                       smtp=SmtpConfig(host="127.0.0.1", port=port))
    assert report.enqueued == 1 and report.sent is not None and report.sent.alerts == 1
    (update,) = [r for r in _rows(engine) if r.profile_id == traiteur.id and r.version != "0ld"]
    assert update.kind == "update"
    assert update.payload["old_deadline"] == "2026-02-20T12:00:00+01:00"  # from the old payload
    assert update.payload["explanation"].startswith("CPV 55520000 traiteur = votre métier")
    engine.dispose()
    legacy.dispose()

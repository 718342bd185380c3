"""BOAMP on the mirror: days of publication, cursor, département facet, changed format."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson

from ancrage.fetch.manifest import Manifest
from ancrage.geo.territory import parse_territory
from ancrage.notices.ingest import load_notices
from ancrage.settings import Settings
from tests.fetch.conftest import TODAY
from tests.fetch.mirror import RECORDED_DAY, Mirror, boamp_records
from tests.fetch.replay import Replay, Reply

RECORDS = "/boamp/api/explore/v2.1/catalog/datasets/boamp/records"


def test_a_recorded_day_is_fetched_whole_and_loads(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    mirror.boamp(boamp_records(shared_data))
    [report] = run_fetch(["boamp"], since=RECORDED_DAY, today=RECORDED_DAY)
    assert report.error is None
    [f] = report.files
    assert f.path == home.home / "downloads/boamp/france/boamp-2026-01-21.json"
    data = orjson.loads(f.path.read_bytes())
    assert data["total_count"] == 5
    assert [r["idweb"] for r in data["results"]] == [
        "26-7109", "26-7113", "26-7298", "26-7308", "26-7319",
    ]  # fmt: skip
    recorded = {r["idweb"]: r for r in boamp_records(shared_data)}
    assert all(r == recorded[r["idweb"]] for r in data["results"])  # records as served
    [request] = replay.requests_to(RECORDS)
    # no filter on nature or etat: corrigenda, awards and cancellations come with the calls
    assert sorted(request.query) == ["limit", "offset", "order_by", "where"]
    assert request.arg("where") == "dateparution = date'2026-01-21'"
    assert (request.arg("order_by"), request.arg("limit"), request.arg("offset")) == (
        "idweb", "100", "0",
    )  # fmt: skip
    [loaded] = load_notices(home, [f.path])
    assert (loaded.read, loaded.loaded, loaded.error) == (5, 5, None)
    assert Manifest(home).cursors["boamp"] == {"scope": "france", "day": "2026-01-21"}


def test_the_cursor_makes_the_next_run_start_at_the_last_day(
    mirror: Mirror, replay: Replay, run_fetch: Any, shared_data: Path
) -> None:
    mirror.boamp(boamp_records(shared_data, day=TODAY))
    [first] = run_fetch(["boamp"])  # no cursor: the last 30 days, one file per day with notices
    assert len(replay.requests_to(RECORDS)) == 31
    assert [f.path.name for f in first.files] == ["boamp-2026-12-07.json"]
    replay.log.clear()
    [second] = run_fetch(["boamp"], today=date(2026, 12, 8))
    assert [(f.path.name, f.status) for f in second.files] == [
        ("boamp-2026-12-07.json", "unchanged")
    ]
    assert [r.arg("where") for r in replay.requests_to(RECORDS)] == [
        "dateparution = date'2026-12-07'",
        "dateparution = date'2026-12-08'",
    ]


def test_a_departement_uses_the_facet_in_both_spellings(
    mirror: Mirror, replay: Replay, run_fetch: Any, shared_data: Path
) -> None:
    mirror.boamp(boamp_records(shared_data, day=TODAY))
    [report] = run_fetch(["boamp"], territory=parse_territory("dep:02"), since=TODAY)
    [f] = report.files
    assert f.path.parent.name == "dep-02"
    assert [r["idweb"] for r in orjson.loads(f.path.read_bytes())["results"]] == ["26-7113"]
    refines = [r.arg("refine") for r in replay.requests_to(RECORDS)]
    assert refines == ["code_departement:2", "code_departement:02"]


def test_a_day_beyond_the_records_window_is_read_from_the_export(
    mirror: Mirror, replay: Replay, run_fetch: Any, shared_data: Path
) -> None:
    records = boamp_records(shared_data, day=TODAY)
    replay.route(RECORDS, lambda _r: Reply.json({"total_count": 12_345, "results": records}))
    mirror.boamp(records)
    [report] = run_fetch(["boamp"], since=TODAY)
    assert orjson.loads(report.files[0].path.read_bytes())["total_count"] == 5
    assert len(replay.requests_to(RECORDS.replace("records", "exports/json"))) == 1


def test_a_changed_answer_stops_at_that_day_and_writes_nothing_for_it(
    replay: Replay, home: Settings, run_fetch: Any
) -> None:
    replay.route(RECORDS, lambda _r: Reply.json({"total_count": 1, "records": []}))
    [report] = run_fetch(["boamp"], since=TODAY)
    assert report.error is not None
    assert report.error.one_line() == (
        "l'API BOAMP (Opendatasoft) a répondu sans liste results (2026-12-07). L'API BOAMP a "
        "peut-être changé ; rien n'a été écrit pour ce jour. Signalez-le."
    )
    assert not (home.home / "downloads" / "boamp").exists()
    assert "boamp" not in Manifest(home).cursors or Manifest(home).cursors["boamp"] == {}


def test_an_http_error_is_reported_after_the_retries(
    replay: Replay, run_fetch: Any, sleeps: list[float]
) -> None:
    replay.route(RECORDS, lambda _r: Reply(502, b"Bad Gateway"))
    [report] = run_fetch(["boamp"], since=TODAY)
    assert report.error is not None
    assert report.error.one_line().startswith(
        "l'API BOAMP (Opendatasoft) a encore répondu HTTP 502 après 4 tentatives (127.0.0.1:"
    )
    assert sleeps == [2.0, 4.0, 8.0]

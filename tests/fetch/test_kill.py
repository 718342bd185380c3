"""The kill test: ``ancrage update`` killed (SIGKILL) at random points never leaves an inconsistent
warehouse, notice store or manifest; the next run finishes the job, with the figures of a clean
run.

Every source is served by a local replay server (small data: the Nord's 191 DECP rows, a day of
BOAMP and TED, a 500-row SIRENE stock, La Poste's base), so that a run lasts a few seconds. Runs
are chained on one data home (killed anywhere in a fresh run, then killed again while it
resumes, up to :data:`CHAIN` times, within the time resumed runs take) until it is let finish;
then a fresh home, until at least :data:`KILLS` processes were really killed mid-run. The test
prints how many homes and kills.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from ancrage.errors import WarehouseError
from ancrage.fetch.manifest import Manifest
from ancrage.model import TABLES
from ancrage.notices.store import store_path
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
from ancrage.watch.db import outbox
from tests.fetch.mirror import Mirror, prepare_home

KILLS = 20
CHAIN = 5  # kills in a row on one home before it is let finish
SOURCES = ("cog", "laposte", "decp", "sirene", "boamp", "ted")
ENRICHED = ("establishments", "contracts_enriched", "contract_suppliers_enriched")


def command(home: Path) -> list[str]:
    args = [sys.executable, "-m", "ancrage", "update", "--home", str(home)]
    args += ["--territory", "dep:59", "--no-api", "--no-mail", "--format", "json"]
    for source in SOURCES:
        args += ["--source", source]
    return args


def start(home: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with (home.parent / f"{home.name}.log").open("ab") as log:  # the child keeps its own copy
        return subprocess.Popen(command(home), env=env, stdout=log, stderr=log)


def digest(rows: list[Any]) -> str:
    return hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()


def check_consistent(home: Path) -> None:
    """What a reader finds after a kill: every store opens and reads whole."""
    settings = Settings.resolve(home)
    manifest = Manifest(settings)  # parses (atomic replace)
    for key, entry in manifest.files.items():
        assert manifest.absolute(key).is_file(), f"manifest lists a missing file {key}"
        del entry
    warehouse = Warehouse(settings)
    if warehouse.exists():
        try:
            con = warehouse.connect()
        except WarehouseError as exc:  # killed while the very first load set it up
            assert exc.message == "l'entrepôt est vide"
            return
        try:
            for table in TABLES:
                con.execute(f"SELECT count(*) FROM {table}").fetchone()
            orphans = con.execute(
                "SELECT count(*) FROM contracts WHERE file_id NOT IN "
                "(SELECT file_id FROM loaded_files)"
            ).fetchone()
            assert orphans == (0,), "contracts of a file the warehouse does not know"
            for table in ENRICHED:
                if warehouse.enriched_path(table).is_file():
                    con.execute(f"SELECT count(*) FROM {table}").fetchone()
        finally:
            con.close()
    path = store_path(settings)
    if path.is_file():
        con2 = sqlite3.connect(path)
        try:
            assert con2.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            con2.execute("SELECT count(*) FROM notices").fetchone()
        finally:
            con2.close()


def figures(home: Path) -> dict[str, Any]:
    settings = Settings.resolve(home)
    out: dict[str, Any] = {}
    warehouse = Warehouse(settings)
    con = warehouse.connect()
    try:
        for table in TABLES:
            columns = [c for c in TABLES[table].names if c not in ("file_id", "loaded_at")]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            out[table] = (len(rows), digest(rows))
        for table in ENRICHED:
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = (len(rows), digest(rows))
    finally:
        con.close()
    with sqlite3.connect(store_path(settings)) as notices:
        rows = notices.execute("SELECT id, status, kind, doc FROM notices").fetchall()
        out["notices"] = (len(rows), digest(rows))
    engine = create_engine(f"sqlite:///{home / 'app.sqlite'}")
    with engine.connect() as app:
        query = select(outbox.c.profile_id, outbox.c.notice_id, outbox.c.version, outbox.c.kind)
        rows = app.execute(query).all()
        out["outbox"] = (len(rows), digest([tuple(r) for r in rows]))
    engine.dispose()
    manifest = Manifest(settings)
    out["files"] = sorted((k, e.sha256) for k, e in manifest.files.items())
    return out


@pytest.mark.slow
def test_update_killed_anywhere_is_finished_by_the_next_run(world: Mirror, tmp_path: Path) -> None:
    env = {**os.environ, **world.env()}
    env.pop("ANCRAGE_HOME", None)
    clean = tmp_path / "home"  # prepared by the ``world`` fixture
    started = time.monotonic()
    assert subprocess.run(command(clean), env=env, capture_output=True).returncode == 0
    duration = time.monotonic() - started
    expected = figures(clean)
    assert expected["contracts"][0] == 123 and expected["outbox"][0] == 1

    rng = random.Random(20261207)
    kills, homes = 0, 0
    resumed = duration / 2  # how long a resumed run lasts: learnt from the finishing runs
    while kills < KILLS:
        home = tmp_path / f"kill-{homes}"
        homes += 1
        prepare_home(home)
        for attempt in range(CHAIN):
            # a fresh run is killed anywhere in it; a resumed one within what such runs last
            process = start(home, env)
            try:
                process.wait(timeout=rng.uniform(0.3, duration if attempt == 0 else resumed))
                break  # it finished before the kill: nothing left to interrupt on this home
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
            check_consistent(home)
        started = time.monotonic()
        finish = start(home, env)
        assert finish.wait(timeout=600) == 0, (home.parent / f"{home.name}.log").read_text()
        resumed = max(1.0, 0.9 * (time.monotonic() - started))
        check_consistent(home)
        assert figures(home) == expected, f"{home.name}: figures differ from a clean run's"
    print(f"{kills} kills on {homes} homes; a clean run takes {duration:.1f} s")
    assert kills >= KILLS

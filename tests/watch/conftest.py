"""Fixtures: notice samples in a tmp home, app databases (SQLite and PostgreSQL), SMTP server."""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine, text

from ancrage.errors import AncrageError
from ancrage.geo.radius import Locator
from ancrage.notices.ingest import load_notices
from ancrage.settings import Settings
from ancrage.watch import db as watch_db
from tests.watch.sink import Sink, smtp_sink

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "watch.py"


@pytest.fixture(scope="session")
def bench() -> ModuleType:
    """The watch benchmark's module: its generators of synthetic profiles and notices."""
    spec = importlib.util.spec_from_file_location("bench_watch", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def locator(shared_data: Path) -> Locator:
    return Locator.with_postal_base(shared_data / "geo" / "laposte_hexasmal_2022.csv")


@pytest.fixture
def home(tmp_path: Path, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path / "home")
    reports = load_notices(
        settings, [shared_data / "notices"], eforms_dir=shared_data / "nomenclatures" / "eforms"
    )
    assert all(r.error is None for r in reports)
    return settings


def _pg_url() -> str | None:
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3
                        ).close()
    except Exception:
        return None
    return PG_BASE


@pytest.fixture(params=["sqlite", "postgresql"])
def app_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """An empty app database: None for the home's default SQLite, else a fresh PostgreSQL
    schema (dropped afterwards)."""
    if request.param == "sqlite":
        yield None
        return
    base = _pg_url()
    if base is None:
        pytest.skip("PostgreSQL injoignable sur 127.0.0.1:5432 (base test, utilisateur postgres)")
    schema = f"watch_{uuid.uuid4().hex[:10]}"
    admin = watch_db.create_engine(base)
    with admin.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as con:
            con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(app_url: str | None, home: Settings) -> Iterator[Engine]:
    eng = watch_db.open_db(home, app_url)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def smtp_server() -> Iterator[tuple[Sink, int]]:
    """A local SMTP server accepting every message (:mod:`tests.watch.sink`)."""
    with smtp_sink() as server:
        yield server


def refused_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, read: Callable[[], object]
) -> str:
    """The one-line French error of ``read()`` once the setting ``name`` is ``value``."""
    monkeypatch.setenv(name, value)
    with pytest.raises(AncrageError) as bad:
        read()
    return bad.value.one_line()

"""The observatory's reports: computed once per warehouse generation and scope, read from disk
by every other server process, computed again after an update for the scopes asked before."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ancrage.geo.territory import default_geography
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
from ancrage.web import observatory
from ancrage.web.observatory import ReportCache, ScopeArgs
from ancrage.web.reportstore import ReportStore, warehouse_generation, warm

VIENNE = ScopeArgs(territory="dep:86")


@pytest.fixture
def home(web_home: Settings, tmp_path: Path) -> Settings:
    """A copy of the samples' warehouse (its files' times are changed here)."""
    settings = Settings.resolve(tmp_path / "home")
    shutil.copytree(web_home.warehouse_dir, settings.warehouse_dir)
    return settings


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[ScopeArgs]:
    """The scopes whose report was computed (not read from memory or disk)."""
    calls: list[ScopeArgs] = []
    real = observatory.compute_report

    def counting(settings: Settings, args: ScopeArgs, postal_base: Any = None) -> Any:
        calls.append(args)
        return real(settings, args, postal_base)

    monkeypatch.setattr(observatory, "compute_report", counting)
    return calls


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_a_report_is_computed_once_for_every_process(
    home: Settings, computed: list[ScopeArgs]
) -> None:
    first = ReportCache(home).get(VIENNE)
    assert computed == [VIENNE]
    assert ReportCache(home).get(VIENNE) is not None  # another process: from disk
    again = ReportCache(home).get(VIENNE)
    assert computed == [VIENNE]
    assert again.title == first.title and again.data == first.data
    generation = warehouse_generation(home)
    assert [p.name for p in ReportStore(home).generations()] == [generation]
    # the territory's geography is stored as a reference to the process's own, not the COG
    assert ReportStore(home).path(generation, VIENNE).stat().st_size < 200_000
    assert again.data.scope.territory is not None
    assert again.data.scope.territory.geography is default_geography()


def test_a_new_warehouse_generation_computes_again(
    home: Settings, computed: list[ScopeArgs], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(observatory, "GENERATION_TTL_S", 0.0)  # else seen within a second
    cache = ReportCache(home)
    cache.get(VIENNE)
    before = warehouse_generation(home)
    _touch(home.warehouse_dir / "ancrage.duckdb")  # a load committed
    assert warehouse_generation(home) != before
    cache.get(VIENNE)
    assert computed == [VIENNE, VIENNE]
    current = Warehouse(home).enriched_generation()
    assert current is not None
    _touch(next(current.glob("*.parquet")))  # a table of the enrichment's replaced
    cache.get(VIENNE)
    assert len(computed) == 3
    _touch(home.warehouse_dir / "enriched" / "current")  # the enrichment switched
    cache.get(VIENNE)
    assert len(computed) == 4


def test_after_an_update_the_scopes_asked_before_are_computed_again(
    home: Settings, computed: list[ScopeArgs]
) -> None:
    asked = [VIENNE, ScopeArgs(territory="dep:86", years="2024")]
    for args in asked:
        ReportCache(home).get(args)
    old = warehouse_generation(home)
    _touch(home.warehouse_dir / "ancrage.duckdb")
    computed.clear()
    assert warm(home, ReportCache(home, size=1).get) == 2
    assert sorted(computed, key=repr) == sorted(asked, key=repr)
    store = ReportStore(home)
    assert [p.name for p in store.generations()] == [warehouse_generation(home)] != [old]
    computed.clear()
    for args in asked:  # the first visitors after the update: nothing to compute
        ReportCache(home).get(args)
    assert computed == []


def test_an_unreadable_file_is_computed_again(home: Settings, computed: list[ScopeArgs]) -> None:
    ReportCache(home).get(VIENNE)
    path = ReportStore(home).path(warehouse_generation(home), VIENNE)
    path.write_bytes(b"half-written")
    assert ReportCache(home).get(VIENNE).title
    assert computed == [VIENNE, VIENNE]

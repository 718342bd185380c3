"""Fixtures of the connector tests: a local replay server, the mirror of every source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.http import Http
from ancrage.fetch.run import SourceReport, fetch_sources
from ancrage.settings import Settings
from tests.fetch.mirror import TODAY, Mirror
from tests.fetch.replay import Replay

__all__ = ["TODAY"]


@pytest.fixture
def replay() -> Iterator[Replay]:
    server = Replay().start()
    yield server
    server.stop()


@pytest.fixture
def mirror(replay: Replay, shared_data: Path) -> Mirror:
    return Mirror(replay, shared_data)


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    return Settings.resolve(tmp_path / "home")


class Sleeps(list[float]):
    """Records the pauses instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def http(sleeps: Sleeps) -> Iterator[Http]:
    client = Http(min_interval=0.0, sleep=sleeps, timeout=5.0)
    yield client
    client.close()


@pytest.fixture
def endpoints(mirror: Mirror) -> Endpoints:
    return mirror.endpoints()


@pytest.fixture
def run_fetch(home: Settings, mirror: Mirror, http: Http) -> Any:
    """Fetch sources from the mirror into ``home``: ``run_fetch(["decp"], territory=…)``."""

    def run(sources: list[str], **kw: Any) -> list[SourceReport]:
        kw.setdefault("today", TODAY)
        return fetch_sources(home, sources, http=http, endpoints=mirror.endpoints(), **kw)

    return run


@pytest.fixture
def world(mirror: Mirror, tmp_path: Path) -> Mirror:
    """The mirror serving every source; ``home`` prepared (eForms table, one profile)."""
    from tests.fetch.mirror import prepare_home, serve_everything
    from tests.fetch.test_sirene import establishments, legal_units, parquet

    stock = {
        "StockEtablissement_utf8": parquet(establishments(500)),
        "StockUniteLegale_utf8": parquet(legal_units(500)),
    }
    serve_everything(mirror, tmp_path, stock)
    prepare_home(tmp_path / "home")
    return mirror

"""The fast ranking paths (FTS5 top-k, selective filter, semi-join) give exactly the full
ranking, on the real samples."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ancrage.notices import search as search_module
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import Filters, query_stems, ranked
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings

NOW = datetime(2026, 1, 15, tzinfo=UTC)
QUERIES = [
    "travaux",
    "marché",
    "lot",
    "services",
    "fourniture",
    "entretien",
    "travaux lot",
    "commune",
    "bâtiment",
    "menuiserie",
    "nettoyage",
    "maintenance",
    "électricité",
]
FILTERS = [
    Filters(),
    Filters(cpv="45"),
    Filters(cpv="4"),
    Filters(deps=("13",)),
    Filters(deps=("76", "91", "05")),
    Filters(deps=("13", "999")),  # a code outside the bitmap
    Filters(open_only=True),
    Filters(deadline_after=date(2026, 2, 1)),
    Filters(cpv="7", open_only=True),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, notices_dir: Path, eforms_dir: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("home"))
    load_notices(settings, [notices_dir], eforms_dir=eforms_dir)
    return settings


@pytest.mark.parametrize("selective", [20_000, 1])  # 1: no filter is selective (semi-join)
@pytest.mark.parametrize("filters", FILTERS)
def test_fast_paths_equal_full_ranking(
    home: Settings, filters: Filters, selective: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "SELECTIVE", selective)
    found = 0
    with NoticeStore(home).reading() as con:
        for query in QUERIES:
            stems = query_stems(query)
            for limit in (1, 2, 3, 5, 20):
                full = ranked(con, stems, filters, now=NOW, limit=limit, plan="full")
                assert ranked(con, stems, filters, now=NOW, limit=limit) == full, (query, limit)
                found += len(full)
    assert found > 0


def test_departement_shortcut_agrees_with_the_geography() -> None:
    from ancrage.geo import parse_territory
    from ancrage.notices.search import territory_departements
    from ancrage.notices.store import DEP_CODES

    for code in DEP_CODES:
        place = parse_territory(f"dep:{code}")
        assert (place.kind, place.code) == ("dep", code)
        assert territory_departements(f"dep:{code}") == [code]
    assert territory_departements("dep:2a") == ["2A"]

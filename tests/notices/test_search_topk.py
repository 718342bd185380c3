"""The top-k ranking (tantivy's best by score, ties fetched and ordered) gives exactly the full
ranking, and the filters as tantivy queries keep exactly what the SQL filters keep, on the real
samples."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from ancrage.notices.analysis import query_terms
from ancrage.notices.index import searcher
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import TIE_MARGIN, Filters, ranked
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
    "menuiseries bois",  # no notice has both words: the best with one
    "travaux nettoyage locaux",
    "services entretien maintenance nettoyage",
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


@pytest.mark.parametrize("filters", FILTERS)
def test_top_k_equals_full_ranking(home: Settings, filters: Filters) -> None:
    found = 0
    with NoticeStore(home).reading() as con:
        index = searcher(home, con)
        for query in QUERIES:
            terms = query_terms(query)
            for limit in (1, 2, 3, 5, 20):
                full = ranked(index, terms, filters, now=NOW, limit=limit, plan="full")
                assert ranked(index, terms, filters, now=NOW, limit=limit) == full, (query, limit)
                found += len(full)
    assert found > 0


@pytest.mark.parametrize("filters", FILTERS)
def test_index_filters_keep_what_sql_filters_keep(home: Settings, filters: Filters) -> None:
    with NoticeStore(home).reading() as con:
        index = searcher(home, con)
        where, params = filters.sql(NOW)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        kept = {r for (r,) in con.execute(f"SELECT rowid FROM notice_filter f {clause}", params)}
        assert kept
        for query in QUERIES:
            terms = query_terms(query)
            every = ranked(index, terms, Filters(), now=NOW, limit=1000, plan="full")
            filtered = ranked(index, terms, filters, now=NOW, limit=1000, plan="full")
            assert filtered == [r for r in every if r.rowid in kept], query


def test_ties_are_ordered_by_latest_deadline_then_rowid(home: Settings) -> None:
    with NoticeStore(home).reading() as con:
        index = searcher(home, con)
        deadlines = dict(con.execute("SELECT rowid, deadline_utc FROM notices"))
        hits = ranked(index, query_terms("services"), Filters(), now=NOW, limit=1000, plan="full")
    ties = 0
    for (r1, s1, _), (r2, s2, _) in itertools.pairwise(
        (h.rowid, h.score, h.matched) for h in hits
    ):
        assert s1 >= s2
        if s1 == s2:
            ties += 1
            d1, d2 = deadlines[r1], deadlines[r2]
            assert (d1 is None, d2 is None) != (True, False)
            if d1 is not None and d2 is not None:
                assert (d1, -r1) >= (d2, -r2)
    assert ties > 0


def test_departement_shortcut_agrees_with_the_geography() -> None:
    from ancrage.geo import parse_territory
    from ancrage.notices.facets import DEP_CODES
    from ancrage.notices.search import territory_departements

    for code in DEP_CODES:
        place = parse_territory(f"dep:{code}")
        assert (place.kind, place.code) == ("dep", code)
        assert territory_departements(f"dep:{code}") == [code]
    assert territory_departements("dep:2a") == ["2A"]


def test_all_words_first_then_most_words(home: Settings) -> None:
    """The full ranking: by number of words found, then score, never an empty page when some
    words match."""
    with NoticeStore(home).reading() as con:
        index = searcher(home, con)
        terms = query_terms("services entretien maintenance nettoyage")
        hits = ranked(index, terms, Filters(), now=NOW, limit=1000, plan="full")
    assert [h.matched for h in hits] == sorted((h.matched for h in hits), reverse=True)
    assert hits[0].matched > hits[-1].matched
    for a, b in itertools.pairwise(hits):
        assert a.matched > b.matched or a.score >= b.score


class _Counting:
    """A searcher that counts the searches asked of tantivy."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.searches = 0

    def search(self, *args: Any, **kwargs: Any) -> Any:
        self.searches += 1
        return self.inner.search(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_ties_at_the_end_of_the_page_cost_no_second_search(home: Settings) -> None:
    """A page ending inside a group of equal scores is answered with one tantivy search (the
    hits beyond the page are asked for at once), in the same order as the full ranking."""
    with NoticeStore(home).reading() as con:
        index = searcher(home, con)
        terms = query_terms("services")
        full = ranked(index, terms, Filters(), now=NOW, limit=1000, plan="full")
        cut = next(
            i + 1
            for i in range(len(full) - 1)
            if full[i].score == full[i + 1].score
            and sum(h.score == full[i].score for h in full) < TIE_MARGIN
        )
        counting = _Counting(index)
        found = ranked(counting, terms, Filters(), now=NOW, limit=cut)  # type: ignore[arg-type]
    assert found == full[:cut]
    assert counting.searches == 1

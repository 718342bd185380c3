"""Property tests of the French analyser and of query parsing: arbitrary text never crashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.notices.analysis import analyse, query_stems, words
from ancrage.notices.errors import NoticeSearchError
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import search
from ancrage.settings import Settings
from ancrage.text import fold

texts = st.text(max_size=200)
punctuation = st.text(alphabet=st.sampled_from(list("!?.,;:'\"()[]{}*-+/\\«»—–…&%$#@^~`|<>= ")))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, notices_dir: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("home"))
    ods = notices_dir / "boamp" / "ods_api_v2_1" / "boamp-where-date_2026-01-21_fnsimple.json"
    (report,) = load_notices(settings, [ods])
    assert report.loaded == 5
    return settings


@given(texts)
def test_analyse_never_crashes_and_keeps_one_stem_per_word(text: str) -> None:
    stems = analyse(text).split(" ") if analyse(text) else []
    assert len(stems) == len(words(text))
    assert all(s and not re.search(r"\s", s) for s in stems)


@given(texts)
def test_query_stems_are_indexed_stems(text: str) -> None:
    """Whatever the query, its stems are the ones the same text gets in the index."""
    stems = query_stems(text)
    assert len(stems) == len(set(stems))
    assert set(stems) <= set(analyse(text).split())


@given(texts)
def test_fold_is_lower_case_without_accents(text: str) -> None:
    folded = fold(text)
    assert folded == folded.lower() or not folded.isascii()
    assert fold("Électricité Œuvre") == "electricite oeuvre"


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts)
def test_search_never_fails_otherwise(home: Settings, text: str) -> None:
    """Any query gives hits or a NoticeSearchError with a message, never another exception
    (FTS5 syntax errors, SQL errors)."""
    try:
        hits = search(home, text)
    except NoticeSearchError as exc:
        assert exc.one_line().startswith(f"la recherche « {text} »")
        return
    assert len(hits) <= 20


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(punctuation)
def test_punctuation_only_query(home: Settings, text: str) -> None:
    if not text.strip():
        assert len(search(home, text)) == 5  # no words: every notice, latest deadline first
        return
    with pytest.raises(NoticeSearchError) as err:
        search(home, text)
    assert err.value.one_line() == (
        f"la recherche « {text} » ne contient aucun mot. Donnez au moins un mot "
        "(ex. « menuiserie »), sans ponctuation seule."
    )


def test_punctuation_with_a_filter_is_a_filter_only_search(home: Settings) -> None:
    assert [h.id for h in search(home, "?!", cpv="45")] == [
        h.id for h in search(home, "", cpv="45")
    ]
    assert search(home, "", cpv="45") != []


def test_underscore_separates_words(home: Settings) -> None:
    """« Relance_Lot 2_FINITIONS et Lot 5_MENUISERIE_Travaux » (BOAMP 26-7319): the words
    joined by underscores are found; « _ » alone is punctuation, not a word."""
    with pytest.raises(NoticeSearchError, match="ne contient aucun mot"):
        search(home, "_")
    assert words("Lot 5_MENUISERIE_Travaux") == ["lot", "5", "menuiserie", "travaux"]
    hits = search(home, "menuiserie travaux accessibilite")
    assert hits[0].id == "boamp:26-7319"
    assert hits[0].snippet is not None and "5_MENUISERIE_Travaux" in hits[0].snippet

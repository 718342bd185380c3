"""Full-text search over the real samples: French stemming, accents, filters."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ancrage.notices.analysis import analyse
from ancrage.notices.errors import NoticeSearchError
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import search
from ancrage.settings import Settings


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, notices_dir: Path, eforms_dir: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("home"))
    load_notices(settings, [notices_dir], eforms_dir=eforms_dir)
    return settings


def _ids(settings: Settings, query: str, **kw: object) -> list[str]:
    return [h.id for h in search(settings, query, **kw)]  # type: ignore[arg-type]


def test_analyser_folds_and_stems() -> None:
    assert analyse("Menuiseries") == analyse("menuiserie")
    assert analyse("électricité") == analyse("ELECTRICITE")
    assert analyse("peintures") == analyse("peinture")


@pytest.mark.parametrize("query", ["menuiserie", "menuiseries", "MENUISERIE"])
def test_plural_and_case(home: Settings, query: str) -> None:
    assert _ids(home, query) == ["boamp:26-7319", "boamp:26-7113"]


def test_accents(home: Settings) -> None:
    assert _ids(home, "electricite") == _ids(home, "électricité") != []
    assert _ids(home, "peintures") == ["boamp:26-7113", "boamp:26-7298", "boamp:26-7319"]


def test_snippet_shows_the_original_words(home: Settings) -> None:
    (hit, *_) = search(home, "menuiseries")
    assert hit.snippet is not None
    assert hit.snippet.startswith("Relance_Lot 2_FINITIONS et Lot [5_MENUISERIE_Travaux] de mise")
    assert hit.score > 0


def test_cpv_prefix(home: Settings) -> None:
    ids = _ids(home, "travaux", cpv="45")
    assert "boamp:26-7298" in ids
    from ancrage.notices.model import cpv_codes
    from ancrage.notices.store import NoticeStore

    for hit in search(home, "travaux", cpv="45"):  # a CPV of the notice or of one of its lots
        assert any(c.startswith("45") for c in cpv_codes(NoticeStore(home).get(hit.id)))
    assert len(_ids(home, "travaux", limit=100)) > len(_ids(home, "travaux", cpv="45", limit=100))
    assert _ids(home, "menuiserie", cpv="79") == []


def test_territory(home: Settings) -> None:
    assert _ids(home, "travaux", territory="dep:59") == ["boamp:26-7298"]
    assert _ids(home, "menuiserie", territory="dep:86") == []


def test_open_and_deadline_filters(home: Settings) -> None:
    now = datetime(2026, 2, 15, tzinfo=UTC)
    assert _ids(home, "peinture", open_only=True, now=now) == ["boamp:26-7113", "boamp:26-7298"]
    assert _ids(home, "peinture", deadline_after=date(2026, 2, 17)) == ["boamp:26-7113"]
    # closed by its award notice: never "open"
    assert "ted:da4d46e9-490b-41ff-a2ae-8166d356a619-01" not in _ids(
        home, "espaces verts", open_only=True, now=datetime(2019, 1, 1, tzinfo=UTC)
    )
    assert "ted:da4d46e9-490b-41ff-a2ae-8166d356a619-01" in _ids(home, "espaces verts")


def test_bad_cpv(home: Settings) -> None:
    with pytest.raises(NoticeSearchError) as err:
        search(home, "x", cpv="4a")
    assert err.value.one_line() == (
        "code CPV « 4a » invalide. Donnez 1 à 8 chiffres, début d'un code CPV "
        "(ex. --cpv 45 pour les travaux)."
    )


def test_the_c_stemmer_stems_like_the_python_one(shared_data: Path, notices_dir: Path) -> None:
    """PyStemmer (C, used by ``snowballstemmer`` when installed: 50 times faster) gives the
    Snowball French stems of the pure Python one, on every word of the French CPV labels and
    of the notice samples."""
    import csv
    import re

    import Stemmer  # type: ignore[import-not-found]
    from snowballstemmer.french_stemmer import FrenchStemmer  # type: ignore[import-untyped]

    from ancrage.notices.analysis import _stemmer, words

    assert isinstance(_stemmer(), Stemmer.Stemmer)
    found: set[str] = set()
    cpv = shared_data / "nomenclatures" / "cpv" / "cpv_2008_fr.csv"
    with cpv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            found.update(words(row["FR"]))
    for path in notices_dir.rglob("*"):
        if path.suffix in (".json", ".xml"):
            found.update(words(re.sub(r"<[^>]+>", " ", path.read_text("utf-8", errors="replace"))))
    assert len(found) > 10_000
    c, python = Stemmer.Stemmer("french"), FrenchStemmer()
    assert [w for w in sorted(found) if c.stemWord(w) != python.stemWord(w)] == []

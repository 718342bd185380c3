"""The rankings kept per process: the same search again is answered from them with exactly the
same hits; a load (a new index snapshot), ``open_only`` and a memo of size 0 are never answered
from them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ancrage.errors import ConfigError
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import RANKINGS, search
from ancrage.settings import SEARCH_MEMO_ENV, Settings

NOW = datetime(2026, 1, 15, tzinfo=UTC)


def test_the_same_search_again_is_answered_from_the_kept_ranking(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    home = Settings.resolve(tmp_path / "home")
    load_notices(home, [notices_dir / "boamp"], eforms_dir=eforms_dir)
    RANKINGS.clear()
    first = search(home, "travaux", limit=5, now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (0, 1)
    again = search(home, "travaux", limit=5, now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 1)
    assert again == first and len(first) == 5
    search(home, "travaux", limit=5, offset=5, now=NOW)  # another page: another ranking
    search(home, "travaux", limit=5, territory="dep:13", now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 3)

    load_notices(home, [notices_dir / "ted_eforms"], eforms_dir=eforms_dir)  # a new snapshot
    after = search(home, "travaux", limit=1000, now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 4)
    unkept = search(Settings(home=home.home, search_memo=0), "travaux", limit=1000, now=NOW)
    assert after == unkept and len(after) > len(first)
    assert any(h.id.startswith("ted:") for h in after)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 4)

    search(home, "travaux", open_only=True, now=NOW)
    search(home, "travaux", open_only=True, now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 4)

    two = Settings(home=home.home, search_memo=2)  # the least recently used leaves first
    RANKINGS.clear()
    for query in ("travaux", "services", "travaux", "nettoyage", "services", "travaux"):
        search(two, query, now=NOW)
    assert (RANKINGS.hits, RANKINGS.misses) == (1, 5)


def test_the_number_of_kept_rankings_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Settings.resolve(tmp_path).search_memo == 512
    monkeypatch.setenv(SEARCH_MEMO_ENV, "0")
    assert Settings.resolve(tmp_path).search_memo == 0
    monkeypatch.setenv(SEARCH_MEMO_ENV, "beaucoup")
    with pytest.raises(ConfigError) as caught:
        Settings.resolve(tmp_path)
    assert caught.value.message == "nombre de recherches gardées illisible : 'beaucoup'"
    assert caught.value.hint == (
        "Donnez à ANCRAGE_SEARCH_MEMO un nombre de 0 (aucune) à 100000, ex. 512."
    )

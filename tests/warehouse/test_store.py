"""The warehouse's writing connection: bounded memory, spilling to the data home."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ancrage.errors import ConfigError
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import DEFAULT_MEMORY_LIMIT, MEMORY_ENV, Settings
from ancrage.warehouse import Warehouse

SAMPLE = "decp/v1_2019/data.gouv.fr_aife.json"
TABLE_SUMMARY = {
    "contracts": "SELECT count(*), round(sum(amount), 2), count(DISTINCT buyer_id) FROM contracts",
    "contract_suppliers": "SELECT count(*), round(sum(amount_share), 2) FROM contract_suppliers",
    "modifications": "SELECT count(*), round(sum(amount), 2) FROM modifications",
    "repairs": "SELECT count(*), count(DISTINCT rule) FROM repairs",
}


def _summary(settings: Settings) -> dict[str, tuple[object, ...]]:
    con = Warehouse(settings).connect()
    try:
        return {t: tuple(con.execute(q).fetchone() or ()) for t, q in TABLE_SUMMARY.items()}
    finally:
        con.close()


def test_the_writing_connection_has_a_memory_limit(tmp_path: Path) -> None:
    settings = Settings.resolve(tmp_path)
    assert settings.memory_limit == DEFAULT_MEMORY_LIMIT
    wh = Warehouse(settings)
    with wh.writing() as con:
        row = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert row is not None
    limit, temp = row
    # DuckDB reports the limit in its own unit (1GB -> "953.6 MiB")
    assert limit == "953.6 MiB"
    assert Path(temp) == wh.root / "tmp"


def test_a_tiny_memory_limit_spills_and_gives_the_same_tables(
    tmp_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = dt.date(2026, 11, 23)
    roomy = Settings.resolve(tmp_path / "roomy")
    assert load_paths(roomy, [shared_data / SAMPLE], today=today).errors == []
    monkeypatch.setenv(MEMORY_ENV, "24MB")
    tight = Settings.resolve(tmp_path / "tight")
    assert tight.memory_limit == "24MB"
    assert load_paths(tight, [shared_data / SAMPLE], today=today).errors == []
    assert _summary(tight) == _summary(roomy)
    # the sample really loaded (4,530 read: 1 quarantined, 249 duplicates)
    assert _summary(roomy)["contracts"][0] == 4280


@pytest.mark.parametrize("value", ["beaucoup", "512", "-1GB", "2 Go"])
def test_an_unreadable_memory_limit_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(MEMORY_ENV, value)
    with pytest.raises(ConfigError) as info:
        Settings.resolve(tmp_path)
    assert info.value.one_line() == (
        f"limite de mémoire illisible : {value!r}."
        f" Donnez à {MEMORY_ENV} une taille comme 512MB ou 2GB."
    )

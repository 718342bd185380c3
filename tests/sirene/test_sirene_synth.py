"""Synthetic stock: real column names and codes, deterministic, readable by the stock path."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from ancrage.sirene.errors import SireneError
from ancrage.sirene.model import records_from_arrow
from ancrage.sirene.stock import StockFiles, lookup_stock
from ancrage.sirene.synth import SynthStock, write_synthetic_stock
from ancrage.sirene.tables import headcount_bands


@pytest.fixture(scope="module")
def stock(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SynthStock]:
    return write_synthetic_stock(
        tmp_path_factory.mktemp("synth"), 3000, 1000, seed=7, formats=("parquet", "csv")
    )


def _values(path: Path, column: str) -> set[object]:
    reader = f"read_csv('{path}', all_varchar = true)" if path.suffix == ".csv" else f"'{path}'"
    return {row[0] for row in duckdb.sql(f"SELECT DISTINCT {column} FROM {reader}").fetchall()}


def test_counts_and_codes(stock: dict[str, SynthStock]) -> None:
    et, ul = stock["parquet"].establishments, stock["parquet"].legal_units
    assert pq.ParquetFile(et).metadata.num_rows == 3000
    assert pq.ParquetFile(ul).metadata.num_rows == 1000
    assert _values(ul, "trancheEffectifsUniteLegale") <= set(headcount_bands())
    assert _values(ul, "categorieEntreprise") <= {"PME", "ETI", "GE", None}
    assert _values(ul, "economieSocialeSolidaireUniteLegale") == {"O", "N", None}
    assert _values(et, "etatAdministratifEtablissement") == {"A", "F"}
    assert _values(et, "etablissementSiege") == {True, False}
    assert all(
        len(v) == 6 and v[:4].isdigit() and v[4:].isalpha()
        for v in _values(et, "activitePrincipaleRegistreMetiersEtablissement") - {None}
    )
    assert "43.22A" in _values(et, "activitePrincipaleEtablissement")
    assert len(_values(et, "siret")) == 3000
    metadata = pq.ParquetFile(et).schema_arrow.metadata or {}
    assert metadata.get(b"ancrage_synthetic") == b"true"


def test_same_seed_same_content(stock: dict[str, SynthStock], tmp_path: Path) -> None:
    again = write_synthetic_stock(tmp_path, 3000, 1000, seed=7)["parquet"]
    other = write_synthetic_stock(tmp_path / "other", 3000, 1000, seed=8)["parquet"]
    first = pq.read_table(stock["parquet"].establishments).sort_by("siret")
    assert pq.read_table(again.establishments).sort_by("siret").equals(first)
    assert not pq.read_table(other.establishments).sort_by("siret").equals(first)


def test_csv_and_parquet_lookups_agree(stock: dict[str, SynthStock]) -> None:
    sirets = [
        row[0]
        for row in duckdb.sql(
            f"SELECT siret FROM '{stock['parquet'].establishments}' ORDER BY siret LIMIT 50"
        ).fetchall()
    ]
    results = {
        fmt: lookup_stock(sirets, StockFiles(s.establishments, s.legal_units))
        for fmt, s in stock.items()
    }
    assert results["csv"].equals(results["parquet"])
    records = records_from_arrow(results["parquet"])
    assert len(records) == 50
    for record in records:
        assert record.head_office == record.siret.endswith("00001")
        assert record.denomination in (None, f"ENTREPRISE FICTIVE {record.siren}")


def test_bad_sizes() -> None:
    with pytest.raises(SireneError) as err:
        write_synthetic_stock(Path("/nonexistent"), 5, 10)
    assert err.value.one_line() == (
        "un stock synthétique demande au moins une unité légale et un établissement par unité "
        "légale. Passez n_establishments >= n_legal_units >= 1."
    )


def test_planted_sirets_and_places(tmp_path: Path) -> None:
    # two establishments of one unit, one of another, and one of a SIREN the generator makes
    # (100323887, the first unit for seed 7: its 4 generated establishments give way)
    planted = ["12345678900017", "12345678900025", "98765432100011", "10032388700042"]
    places = [("86194", "86000"), ("2A004", "20000")]
    stock = write_synthetic_stock(tmp_path, 3000, 1000, seed=7, planted=planted, places=places)
    et, ul = stock["parquet"].establishments, stock["parquet"].legal_units
    found = records_from_arrow(lookup_stock(planted, StockFiles(et, ul)))
    assert [r.siret for r in found] == sorted(planted)
    assert [r.head_office for r in found] == [True, True, False, True]  # first SIRET of a unit
    assert all(r.denomination in (None, f"ENTREPRISE FICTIVE {r.siren}") for r in found)
    sirets = [r[0] for r in duckdb.sql(f"SELECT siret FROM '{et}'").fetchall()]
    sirens = [r[0] for r in duckdb.sql(f"SELECT siren FROM '{ul}'").fetchall()]
    assert len(sirets) == len(set(sirets)) == (3000 - 4) - 4 + 4
    assert len(sirens) == len(set(sirens)) == (1000 - 3) - 1 + 3
    assert {s for s in sirets if s.startswith("100323887")} == {"10032388700042"}
    assert _values(et, "codeCommuneEtablissement") == {"86194", "2A004", None}  # None: abroad


def test_bad_planted_siret() -> None:
    with pytest.raises(SireneError) as err:
        write_synthetic_stock(Path("/nonexistent"), 5, 1, planted=["1234"])
    assert err.value.one_line() == "le SIRET à implanter « 1234 » n'a pas 14 chiffres"
    with pytest.raises(SireneError) as err:
        write_synthetic_stock(Path("/nonexistent"), 5, 1, places=[("86194", "860")])
    assert err.value.one_line() == (
        "lieu invalide ('86194', '860') : attendu (code commune, code postal), 5 caractères chacun"
    )

"""Stock path on a small hand-made stock, Parquet and CSV, hand-checked."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from sirene_stock_fixture import MENUISERIE_AGENCY, MENUISERIE_HEAD_OFFICE, write_stock

from ancrage.sirene.errors import SireneError
from ancrage.sirene.model import ARROW_SCHEMA, SireneRecord, records_from_arrow
from ancrage.sirene.stock import StockFiles, lookup_stock


@pytest.fixture(scope="module")
def stocks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StockFiles]:
    return write_stock(tmp_path_factory.mktemp("stock"))


WANTED = [
    "91234567800029",
    "91234567800011",
    "80000000100015",
    "07700000200019",
    "30000000300012",
    "91234567800037",
    "99999999900000",  # not in the stock
    "91234567800029",  # duplicate
]

EXPECTED = {
    "07700000200019": SireneRecord(
        "07700000200019",
        "077000002",
        None,
        None,
        "70.22Z",
        True,
        True,
        None,
        "99109",
        "HOLDING FICTIVE",
        "5710",
        "ETI",
        2022,
        "32",
        2022,
        None,
    ),
    "30000000300012": SireneRecord(
        "30000000300012",
        "300000003",
        "49007",
        "49000",
        "88.99B",
        True,
        True,
        None,
        None,
        "ASSOCIATION FICTIVE",
        "9220",
        None,
        None,
        "21",
        2023,
        True,
    ),
    "80000000100015": SireneRecord(
        "80000000100015",
        "800000001",
        "33063",
        "33000",
        "96.02A",
        True,
        True,
        "9602AA",
        None,
        None,
        "1000",
        "PME",
        2022,
        "NN",
        None,
        False,
    ),
    "91234567800011": MENUISERIE_HEAD_OFFICE,
    "91234567800029": MENUISERIE_AGENCY,
    "91234567800037": SireneRecord(
        "91234567800037",
        "912345678",
        "75108",
        "75008",
        "43.32A",
        False,
        False,
        None,
        None,
        "MENUISERIE FICTIVE DU CLAIN",
        "5499",
        "PME",
        2022,
        "02",
        2022,
        False,
    ),
}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_lookup_hand_checked(stocks: dict[str, StockFiles], fmt: str) -> None:
    table = lookup_stock(WANTED, stocks[fmt])
    assert table.schema == ARROW_SCHEMA
    records = records_from_arrow(table)
    assert [r.siret for r in records] == sorted(EXPECTED)
    for record in records:
        assert record == EXPECTED[record.siret]


def test_establishment_commune_not_head_office(stocks: dict[str, StockFiles]) -> None:
    (record,) = records_from_arrow(lookup_stock(["91234567800029"], stocks["parquet"]))
    assert record.commune == "86062"  # the agency, not the head office in Poitiers (86194)
    assert record.artisan is False


def test_personal_names_never_read(stocks: dict[str, StockFiles]) -> None:
    table = lookup_stock(["80000000100015"], stocks["csv"])
    values = [str(v) for col in table.columns for v in col.to_pylist()]
    assert not any("DUPONT" in v or "JEANNE" in v for v in values)
    assert not {"nomUniteLegale", "prenom1UniteLegale"} & set(table.column_names)


def test_arrow_input(stocks: dict[str, StockFiles]) -> None:
    table = lookup_stock(pa.table({"siret": ["30000000300012"]}), stocks["parquet"])
    assert table.column("siret").to_pylist() == ["30000000300012"]


def test_bad_siret_message(stocks: dict[str, StockFiles]) -> None:
    with pytest.raises(SireneError) as err:
        lookup_stock(["9123456780002"], stocks["csv"])
    assert err.value.one_line() == (
        "champ siret: SIRET invalide (14 chiffres attendus). Reçu « 9123456780002 » ; classez "
        "les identifiants avec ancrage.sirene.ids.parse_party_id et ne passez que des SIRET."
    )


def test_missing_file_message(tmp_path: Path) -> None:
    files = StockFiles(tmp_path / "StockEtablissement.parquet", tmp_path / "StockUL.parquet")
    with pytest.raises(SireneError) as err:
        lookup_stock(["91234567800029"], files)
    assert err.value.one_line() == (
        f"{tmp_path / 'StockEtablissement.parquet'}: fichier stock SIRENE introuvable. "
        "Téléchargez StockEtablissement et StockUniteLegale (Parquet ou CSV) sur data.gouv.fr, "
        "jeu de données « Base Sirene des entreprises et de leurs établissements (SIREN, SIRET) »."
    )


def test_missing_column_message(tmp_path: Path, stocks: dict[str, StockFiles]) -> None:
    bad = tmp_path / "StockEtablissement.csv"
    bad.write_text("siret,codeCommuneEtablissement\n91234567800029,86062\n", encoding="utf-8")
    with pytest.raises(SireneError) as err:
        lookup_stock(["91234567800029"], StockFiles(bad, stocks["csv"].legal_units))
    assert err.value.one_line().startswith(
        f"{bad}: pas un fichier stock SIRENE : la colonne codePostalEtablissement manque."
    )

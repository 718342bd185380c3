"""Enrichment of real samples: fallbacks without SIRENE, a small stock, the API, idempotence."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ancrage.enrich import enrich, enrichment_status
from ancrage.enrich.facts import facts_dir
from ancrage.errors import WarehouseError
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.sirene.errors import SireneError
from ancrage.sirene.model import SireneRecord
from ancrage.status import warehouse_status
from ancrage.warehouse import Warehouse

SAMPLES = (
    "tabular/decp_2024H2_travaux_cpv4521_filtered.csv",
    "v1_2019/data.gouv.fr_pes.json",
    "v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json",
)
BUYER_74 = "20006258600157"  # SIREN 200062586 = commune of Fillière (74282)
SUPPLIER_73 = "42199758600035"
DUNKERQUE_BUYER = "20002715900017"  # SIREN 200027159 = commune of Dunkerque (59183)

# A hand-made stock (real column names, fictitious facts) for two SIRETs of the tabular sample.
STOCK_ET = f"""\
siret,codeCommuneEtablissement,codePostalEtablissement,activitePrincipaleEtablissement,etablissementSiege,etatAdministratifEtablissement,activitePrincipaleRegistreMetiersEtablissement,codePaysEtrangerEtablissement
{BUYER_74},74282,74370,84.11Z,true,A,,
{SUPPLIER_73},73065,73000,4322A,true,A,4322AB,
"""
STOCK_UL = """\
siren,denominationUniteLegale,categorieJuridiqueUniteLegale,categorieEntreprise,anneeCategorieEntreprise,trancheEffectifsUniteLegale,anneeEffectifsUniteLegale,economieSocialeSolidaireUniteLegale
200062586,COMMUNE FICTIVE,7210,,,NN,,N
421997586,PLOMBERIE FICTIVE,5499,PME,2022,12,2022,N
"""


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    home = tmp_path_factory.mktemp("loaded")
    result = load_paths(Settings.resolve(home), [shared_data / "decp" / s for s in SAMPLES])
    assert not result.errors
    return home


def _copy(src: Path, dst: Path) -> Settings:
    shutil.copytree(src, dst)
    return Settings.resolve(dst)


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple[object, ...]:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, rows
    return tuple(rows[0])


@pytest.fixture(scope="module")
def offline(loaded_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _copy(loaded_home, tmp_path_factory.mktemp("offline") / "home")
    enrich(settings)
    return settings


def test_departements_only_give_the_region_ring(offline: Settings) -> None:
    con = Warehouse(offline).connect()
    row = _one(
        con,
        """SELECT c.buyer_departement, c.buyer_region, s.supplier_departement, s.supplier_region,
                  s.locality_ring, s.located_by, s.size_class
           FROM contract_suppliers_enriched s JOIN contracts_enriched c USING (contract_id)
           JOIN contracts k USING (contract_id)
           WHERE c.buyer_siret = ? AND s.supplier_siret = ? AND k.raw_id = '20241300104'""",
        BUYER_74,
        SUPPLIER_73,
    )
    assert row == ("74", "84", "73", "84", "region", "decp_departement", None)


def test_buyer_is_a_commune(offline: Settings) -> None:
    con = Warehouse(offline).connect()
    assert _one(
        con,
        "SELECT commune, epci, departement, region, buyer_kind, source, located_by"
        " FROM establishments WHERE siret = ?",
        DUNKERQUE_BUYER,
    ) == ("59183", "245900428", "59", "32", "commune", "cog", "cog_commune_siren")
    assert _one(con, "SELECT commune, source FROM establishments WHERE siret = ?", BUYER_74) == (
        "74282",
        "cog",
    )


def test_place_of_execution_and_cpv(offline: Settings) -> None:
    con = Warehouse(offline).connect()
    row = _one(
        con,
        """SELECT e.place_level, e.place_commune, e.place_departement, e.place_region,
                  e.cpv_division, e.cpv_group, e.cpv_class, e.purchase_type, e.segment_id,
                  e.buyer_commune, e.buyer_located, e.amount_band, c.amount
           FROM contracts_enriched e JOIN contracts c USING (contract_id)
           WHERE c.raw_id = '2018A30600' AND c.source_file = 'data.gouv.fr_pes.json'""",
    )
    assert row[:9] == (
        "commune",
        "59183",
        "59",
        "32",
        "45000000",
        "45300000",
        "45320000",
        "travaux",
        "travaux-batiment",
    )
    assert row[9:11] == ("59183", True)
    assert row[11] == "40–90k" and 40_000 <= float(row[12]) < 90_000  # type: ignore[arg-type]


def test_every_row_kept_and_counted(offline: Settings) -> None:
    con = Warehouse(offline).connect()
    counts = _one(
        con,
        """SELECT (SELECT count(*) FROM contracts), (SELECT count(*) FROM contracts_enriched),
                  (SELECT count(*) FROM contract_suppliers),
                  (SELECT count(*) FROM contract_suppliers_enriched),
                  (SELECT count(DISTINCT contract_id) FROM contracts_enriched)""",
    )
    assert counts == (5735, 5735, 6505, 6505, 5735)
    status = warehouse_status(offline)["enrichment"]
    assert status is not None
    assert status["supplier_rows"] == 6505
    assert sum(status["rings"].values()) == 6505
    assert status["supplier_rows_sized"] == 0  # no SIRENE: no size
    # hand-checked: the 4 foreign VAT numbers are abroad; so are the 2 HORS-UE suppliers of the
    # Ville de Lyon (PES 2018J144500 Columbia Artists Management, 2018J183300 Cie STT - Dorian
    # Rossel), country unknown
    abroad = con.execute(
        "SELECT id_type, supplier_country, located_by FROM contract_suppliers_enriched"
        " WHERE locality_ring = 'abroad' ORDER BY ALL"
    ).fetchall()
    assert abroad == [
        ("HORS-UE", None, "id_type"),
        ("HORS-UE", None, "id_type"),
        ("TVA", "DE", "id_country"),
        ("TVA", "ES", "id_country"),
        ("TVA", "IT", "id_country"),
        ("TVA", "IT", "id_country"),
    ]
    assert status["rings"]["abroad"] == 6


def test_status_without_enrichment(loaded_home: Path) -> None:
    assert warehouse_status(Settings.resolve(loaded_home))["enrichment"] is None
    con = Warehouse(Settings.resolve(loaded_home)).connect()
    assert enrichment_status(con) is None


def test_idempotent(loaded_home: Path, tmp_path: Path) -> None:
    settings = _copy(loaded_home, tmp_path / "home")
    first = enrich(settings)
    out = Warehouse(settings).enriched_generation()
    assert out is not None
    before = {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}
    second = enrich(settings)
    out = Warehouse(settings).enriched_generation()
    assert out is not None
    after = {p.name: p.read_bytes() for p in sorted(out.glob("*.parquet"))}
    assert sorted(before) == [
        "contract_suppliers_enriched.parquet",
        "contracts_enriched.parquet",
        "establishments.parquet",
    ]
    assert before == after
    assert first.coverage == second.coverage
    assert not list(out.glob("*.tmp"))


def _write_stock(folder: Path) -> Path:
    folder.mkdir()
    et, ul = folder / "et.csv", folder / "ul.csv"
    et.write_text(STOCK_ET, encoding="utf-8")
    ul.write_text(STOCK_UL, encoding="utf-8")
    con = duckdb.connect()
    for src, name in ((et, "StockEtablissement_test"), (ul, "StockUniteLegale_test")):
        con.execute(
            f"COPY (SELECT * FROM read_csv('{src}', all_varchar = true))"
            f" TO '{folder / name}.parquet' (FORMAT parquet)"
        )
        src.unlink()
    con.close()
    return folder


def test_with_stock_and_postal_base(loaded_home: Path, tmp_path: Path, shared_data: Path) -> None:
    settings = _copy(loaded_home, tmp_path / "home")
    stock = _write_stock(tmp_path / "stock")
    postal = shared_data / "geo" / "laposte_hexasmal_2022.csv"
    report = enrich(settings, stock_dir=stock, postal_base_dir=postal)
    assert report.facts_known == 2
    assert report.looked_up_stock == report.sirets
    con = Warehouse(settings).connect()
    assert _one(
        con,
        "SELECT commune, epci, departement, naf, artisan, artisan_nafa, size_class, size_year,"
        " size_basis, source, located_by FROM establishments WHERE siret = ?",
        SUPPLIER_73,
    ) == (
        "73065",
        "200069110",
        "73",
        "43.22A",
        True,
        "4322AB",
        "PME",
        2022,
        "categorieEntreprise 2022",
        "stock",
        "sirene_commune",
    )
    assert _one(con, "SELECT buyer_kind FROM establishments WHERE siret = ?", BUYER_74) == (
        "commune",
    )
    ring, distance, size = _one(
        con,
        """SELECT s.locality_ring, s.distance_km, s.size_class
           FROM contract_suppliers_enriched s JOIN contracts k USING (contract_id)
           WHERE k.buyer_siret = ? AND s.supplier_siret = ? AND k.raw_id = '20241300104'""",
        BUYER_74,
        SUPPLIER_73,
    )
    assert (ring, size) == ("region", "PME")
    assert distance == pytest.approx(54.18, abs=0.05)  # Fillière – Chambéry, La Poste 2022 points
    con.close()
    # the cache is persistent: a second run looks nothing up again
    assert (facts_dir(settings) / "facts.parquet").is_file()
    again = enrich(settings, stock_dir=stock, postal_base_dir=postal)
    assert again.looked_up_stock == 0 and again.facts_known == 2


class FakeApi:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def lookup_siret(self, siret: str) -> SireneRecord | None:
        self.calls.append(siret)
        if siret != SUPPLIER_73:
            return None
        return SireneRecord(
            siret=siret,
            siren=siret[:9],
            commune="73065",
            postal_code="73000",
            naf="43.22A",
            head_office=True,
            active=True,
            nafa=None,
            foreign_country=None,
            denomination="PLOMBERIE FICTIVE",
            legal_category="5499",
            category="GE",
            category_year=2022,
            headcount_band="53",
            headcount_year=2022,
            ess=None,
        )


def test_with_api(loaded_home: Path, tmp_path: Path) -> None:
    settings = _copy(loaded_home, tmp_path / "home")
    api = FakeApi()
    report = enrich(settings, use_api=True, api_client=api)
    assert report.looked_up_api == report.sirets == len(api.calls)
    con = Warehouse(settings).connect()
    assert _one(
        con, "SELECT size_class, source, artisan FROM establishments WHERE siret = ?", SUPPLIER_73
    ) == ("GE", "api", False)
    con.close()
    again = FakeApi()
    assert enrich(settings, use_api=True, api_client=again).looked_up_api == 0
    assert again.calls == []


def test_errors(tmp_path: Path, loaded_home: Path) -> None:
    with pytest.raises(WarehouseError) as empty:
        enrich(Settings.resolve(tmp_path / "empty"))
    assert empty.value.one_line() == (
        f"{tmp_path / 'empty' / 'warehouse'}: l'entrepôt est vide. Chargez d'abord des données :"
        " ancrage load FICHIER… (ou ancrage demo)."
    )
    settings = _copy(loaded_home, tmp_path / "home")
    (tmp_path / "nostock").mkdir()
    with pytest.raises(SireneError) as missing:
        enrich(settings, stock_dir=tmp_path / "nostock")
    assert missing.value.one_line() == (
        f"{tmp_path / 'nostock'}: aucun fichier StockEtablissement dans le dossier du stock "
        "SIRENE. Téléchargez StockEtablissement et StockUniteLegale (Parquet ou CSV) sur "
        "data.gouv.fr, jeu de données « Base Sirene des entreprises et de leurs établissements "
        "(SIREN, SIRET) », dans ce dossier (Parquet ou CSV)."
    )


class _KilledWhileWriting:
    """Progress that kills the enrichment once its first table is written."""

    def __init__(self) -> None:
        self.step = ""

    def start_step(self, name: str, total: int | None) -> None:
        self.step = name

    def advance(self, done: int) -> None:
        if self.step == "Écriture des tables enrichies":
            raise KeyboardInterrupt

    def end_step(self) -> None:
        pass


def _enriched_counts(settings: Settings) -> tuple[object, ...]:
    con = Warehouse(settings).connect()
    try:
        return _one(
            con,
            "SELECT (SELECT count(*) FROM establishments), (SELECT count(*) FROM"
            " contracts_enriched), (SELECT count(*) FROM contract_suppliers_enriched)",
        )
    finally:
        con.close()


def test_an_enrichment_killed_between_its_tables_leaves_the_previous_ones(
    loaded_home: Path, tmp_path: Path
) -> None:
    from ancrage.synth.decp import generate_decp

    settings = _copy(loaded_home, tmp_path / "home")
    enrich(settings)
    before = _enriched_counts(settings)
    [more] = generate_decp(tmp_path / "more", contracts=30, seed=4, formats=("decp-2019",))
    assert load_paths(settings, [more]).errors == []
    with pytest.raises(KeyboardInterrupt):
        enrich(settings, progress=_KilledWhileWriting())
    assert _enriched_counts(settings) == before  # all the old tables, none of the new
    enrich(settings)
    after = _enriched_counts(settings)
    assert all(a > b for a, b in zip(after, before, strict=True))  # type: ignore[operator]

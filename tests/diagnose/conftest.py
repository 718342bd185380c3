"""A warehouse of the tabular sample, with enriched tables built from its département codes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings

TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"


def write_enriched(settings: Settings) -> None:
    """contracts_enriched and contract_suppliers_enriched from buyer_department/department:
    ring ``departement`` when both are equal, ``france`` when both known and different."""
    wh = settings.warehouse_dir
    enriched = wh / "enriched"
    enriched.mkdir(parents=True, exist_ok=True)
    gen = sorted((wh / "tables").glob("gen-*"))[-1]
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW contracts AS SELECT * FROM '{gen}/contracts.parquet'")
        con.execute(f"CREATE VIEW cs AS SELECT * FROM '{gen}/contract_suppliers.parquet'")
        con.execute(
            f"""COPY (SELECT contract_id, buyer_siret, NULL::VARCHAR AS buyer_commune,
                NULL::VARCHAR AS buyer_epci, buyer_department AS buyer_departement,
                NULL::VARCHAR AS buyer_region, NULL::VARCHAR AS buyer_kind,
                buyer_department IS NOT NULL AS buyer_located,
                left(cpv, 2) AS cpv_division, left(cpv, 3) AS cpv_group,
                left(cpv, 4) AS cpv_class, 'travaux' AS purchase_type,
                'travaux-batiment' AS segment_id, 'Travaux de bâtiment' AS segment_label,
                NULL::VARCHAR AS place_level, NULL::VARCHAR AS place_commune,
                NULL::VARCHAR AS place_departement, NULL::VARCHAR AS place_region,
                CASE WHEN amount < 90000 THEN '40-90k' ELSE '90k+' END AS amount_band
            FROM contracts) TO '{enriched}/contracts_enriched.parquet'"""
        )
        con.execute(
            f"""COPY (SELECT s.contract_id, s.rank, s.id_type, s.supplier_id, s.supplier_siret,
                s.amount_share, NULL::VARCHAR AS supplier_commune,
                NULL::VARCHAR AS supplier_epci, s.department AS supplier_departement,
                NULL::VARCHAR AS supplier_region, 'FR' AS supplier_country,
                CASE WHEN s.department IS NULL OR c.buyer_department IS NULL THEN 'unknown'
                    WHEN s.department = c.buyer_department THEN 'departement'
                    ELSE 'france' END AS locality_ring,
                NULL::DOUBLE AS distance_km, NULL::VARCHAR AS size_class,
                NULL::INTEGER AS size_year, NULL::BOOLEAN AS artisan, NULL::BOOLEAN AS ess,
                NULL::VARCHAR AS naf, 'test' AS located_by
            FROM cs s JOIN contracts c USING (contract_id))
            TO '{enriched}/contract_suppliers_enriched.parquet'"""
        )
    finally:
        con.close()


@pytest.fixture(scope="session")
def tabular_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("tabular"))
    result = load_paths(settings, [shared_data / TABULAR])
    assert not result.errors
    write_enriched(settings)
    return settings


@pytest.fixture(scope="session")
def all_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    """Every DECP sample (2019, 2024, tabular), without enriched tables."""
    settings = Settings.resolve(tmp_path_factory.mktemp("all"))
    paths = sorted(
        p
        for p in (shared_data / "decp").rglob("*")
        if p.is_file() and p.suffix in (".json", ".csv", ".xml") and "schemas" not in p.parts
    )
    assert not load_paths(settings, paths).errors
    return settings


@pytest.fixture(scope="session")
def all_enriched(
    tmp_path_factory: pytest.TempPathFactory, all_home: Settings, shared_data: Path
) -> Settings:
    """Every DECP sample, enriched as a user without SIRENE would (COG and La Poste only)."""
    import shutil

    from ancrage.enrich import enrich

    settings = Settings.resolve(tmp_path_factory.mktemp("all-enriched") / "home")
    shutil.copytree(all_home.home, settings.home)
    enrich(settings, postal_base_dir=shared_data / "geo" / "laposte_hexasmal_2022.csv")
    return settings

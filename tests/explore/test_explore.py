"""Contracts, buyers and suppliers of the warehouse, on the real tabular sample (enriched with
the COG), checked against independent DuckDB queries of the canonical tables."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ancrage.diagnose import Scope, build_scope
from ancrage.enrich import enrich
from ancrage.explore import (
    ContractFilters,
    buyer_summary,
    contract_detail,
    list_contracts,
    search_parties,
    supplier_summary,
)
from ancrage.explore.contracts import ExploreError
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
EXAMPLE = "decp/v2_2024/official_examples/marches_avec_modifications.json"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("explore"))
    assert not load_paths(settings, [shared_data / TABULAR, shared_data / EXAMPLE]).errors
    enrich(settings, postal_base_dir=shared_data / "geo" / "laposte_hexasmal_2022.csv")
    return settings


def _tables(settings: Settings) -> duckdb.DuckDBPyConnection:
    gen = sorted((settings.warehouse_dir / "tables").glob("gen-*"))[-1]
    con = duckdb.connect()
    for name in ("contracts", "contract_suppliers"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM '{gen}/{name}.parquet'")
    return con


def test_list_sorted_paged_and_counted(home: Settings) -> None:
    con = _tables(home)
    total = con.execute("SELECT count(*) FROM contracts").fetchone()[0]  # type: ignore[index]
    top = [
        r[0]
        for r in con.execute(
            "SELECT contract_id FROM contracts ORDER BY amount DESC NULLS LAST, contract_id LIMIT 7"
        ).fetchall()
    ]
    page1 = list_contracts(home, Scope(), ContractFilters(sort="-amount"), limit=4)
    page2 = list_contracts(home, Scope(), ContractFilters(sort="-amount"), offset=4, limit=3)
    assert page1.total == page2.total == total
    assert [c.contract_id for c in page1.items + page2.items] == top


def test_filters(home: Settings) -> None:
    con = _tables(home)
    buyer, n = con.execute(
        "SELECT coalesce(buyer_siret, buyer_id), count(*) FROM contracts GROUP BY 1 "
        "ORDER BY 2 DESC, 1 LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    page = list_contracts(home, Scope(), ContractFilters(buyer=buyer), limit=200)
    assert page.total == n and {c.buyer_id for c in page.items} == {buyer}
    siren = list_contracts(home, Scope(), ContractFilters(buyer=buyer[:9]), limit=1)
    assert siren.total >= n
    dep = list_contracts(home, build_scope(territory="dep:86"), limit=200)
    assert (
        dep.total
        == con.execute("SELECT count(*) FROM contracts WHERE buyer_department = '86'").fetchone()[0]
    )  # type: ignore[index]
    word = list_contracts(home, Scope(), ContractFilters(text="JSON test"), limit=200)
    assert sorted(c.object or "" for c in word.items) == [
        "envoi pour Json test 1",
        "envoi pour Json test 2",
    ]
    enriched = Warehouse(home).enriched_path("contract_suppliers_enriched")
    for ring in ("departement", "france", "unknown"):
        expected = con.execute(
            f"SELECT count(DISTINCT s.contract_id) FROM contract_suppliers s LEFT JOIN "
            f"'{enriched}' e USING (contract_id, rank) "
            "WHERE coalesce(e.locality_ring, 'unknown') = ?",
            [ring],
        ).fetchone()[0]  # type: ignore[index]
        got = list_contracts(home, Scope(), ContractFilters(ring=ring), limit=1).total
        assert got == expected > 0, ring
    declared = con.execute(
        "SELECT count(*) FILTER (WHERE env_clause OR env_criterion), count(*) FILTER (WHERE "
        "env_reported AND NOT (coalesce(env_clause, false) OR coalesce(env_criterion, false))) "
        "FROM contracts"
    ).fetchone()
    with_env = list_contracts(home, Scope(), ContractFilters(environmental=True), limit=1)
    without = list_contracts(home, Scope(), ContractFilters(environmental=False), limit=1)
    assert (with_env.total, without.total) == declared


def test_bad_filters_are_refused_in_french(home: Settings) -> None:
    with pytest.raises(ExploreError) as err:
        list_contracts(home, Scope(), ContractFilters(ring="lune"))
    assert err.value.one_line() == (
        "cercle « lune » inconnu. commune, epci, departement, region, france, abroad, unknown."
    )
    with pytest.raises(ExploreError):
        list_contracts(home, Scope(), limit=0)
    with pytest.raises(ExploreError):
        list_contracts(home, Scope(), ContractFilters(buyer="x'; DROP TABLE contracts"))


def test_detail_with_modifications(home: Settings) -> None:
    con = _tables(home)
    cid = con.execute(
        "SELECT contract_id FROM contracts WHERE n_modifications > 0 LIMIT 1"
    ).fetchone()[0]  # type: ignore[index]
    c = contract_detail(home, cid)
    assert c["contract_id"] == cid and c["modifications"]
    assert c["suppliers"] and c["suppliers"][0]["rank"] is not None
    with pytest.raises(ExploreError) as err:
        contract_detail(home, "DC0000000000000000")
    assert err.value.one_line() == (
        "aucun contrat « DC0000000000000000 ». Cherchez-le dans la liste des marchés."
    )


def test_buyers_and_suppliers(home: Settings) -> None:
    con = _tables(home)
    buyer, name, n, amount = con.execute(
        "SELECT coalesce(buyer_siret, buyer_id), any_value(buyer_name), count(*), "
        "sum(amount) FILTER (WHERE amount_flag IS NULL) FROM contracts WHERE kind = 'marche' "
        "GROUP BY 1 ORDER BY 3 DESC, 1 LIMIT 1"
    ).fetchone()  # type: ignore[misc]
    b = buyer_summary(home, buyer)
    assert (b["contracts"], b["name"], b["enriched"]) == (n, name, True)
    assert b["amount_eur"] == pytest.approx(amount)
    assert sum(r["contracts"] for r in b["by_year"]) == n
    found = search_parties(home, "buyer", name.split()[0])
    assert buyer in [r["id"] for r in found]
    supplier = b["suppliers"][0]["id"]
    s = supplier_summary(home, supplier)
    assert (
        s["contracts"]
        == con.execute(
            "SELECT count(DISTINCT s.contract_id) FROM contract_suppliers s JOIN contracts c "
            "USING (contract_id) WHERE coalesce(s.supplier_siret, s.supplier_id) = ? "
            "AND c.kind = 'marche'",
            [supplier],
        ).fetchone()[0]
    )  # type: ignore[index]
    assert buyer in [r["id"] for r in s["buyers"]]

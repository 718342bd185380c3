"""Spend below the DECP threshold: a buyer's accounts, enriched and diagnosed like the DECP.

The buyer is Fillière (74, SIREN 200062586 = the commune, EPCI Grand Annecy 200066793), a buyer
of the tabular DECP sample. No SIRENE: suppliers are placed from the DECP départements and the
COG (commune / EPCI SIRENs), as for contracts.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.diagnose import build_scope, diagnose, indicator_tables
from ancrage.diagnose.model import SpendTotals
from ancrage.enrich import enrich
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.spend.pipeline import load_spend
from ancrage.status import warehouse_status
from ancrage.warehouse.store import Warehouse

TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
BUYER = "20006258600157"  # Fillière, commune 74282
# amounts and expected ring, by hand (buyer in commune 74282, EPCI 200066793, dep 74, région 84)
MANDATES = """\
Mandats émis - exercice 2024
Exercice;Date de mandatement;Tiers;N° SIRET;Imputation;Libellé;Montant HT
2024;15/01/2024;GRAND ANNECY;20006679300015;011-6064-020;Ramettes;1 000,00
2024;20/01/2024;TECTA;38143510600061;21-2313-213;Toiture école;3 000,00
2024;03/02/2024;GARAGE SAVOYARD;42199758600035;011-61551-020;Pneus;2 000,00
2024;04/02/2024;GARAGE SAVOYARD;42199758600035;011-61551-020;Avoir pneus;-500,00
2024;10/03/2024;VILLE DE DUNKERQUE;200027159;011-60612-020;Électricité;1 500,00
2024;11/03/2024;BOULANGERIE DU COIN;;011-60623-251;Pain cantine;500,00
2024;12/03/2024;ASSOCIATION SPORTIVE;;65-6574-025;Subvention;10 000,00
"""
RINGS = {
    "20006679300015": "epci",  # EPCI SIREN → same EPCI
    "38143510600061": "departement",  # département 74 in the DECP sample
    "42199758600035": "region",  # département 73 in the DECP sample, région 84
    None: "unknown",  # the bakery (name only); Dunkerque (SIREN only) is checked apart
}
TOTAL = 1000 + 3000 + 2000 - 500 + 1500 + 500  # the subsidy (6574) is not a purchase


@pytest.fixture(scope="module")
def decp_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    home = tmp_path_factory.mktemp("decp") / "home"
    assert not load_paths(Settings.resolve(home), [shared_data / TABULAR]).errors
    return home


@pytest.fixture(scope="module")
def spend_home(decp_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("spend") / "home"
    shutil.copytree(decp_home, home)
    settings = Settings.resolve(home)
    csv = home.parent / "mandats_2024.csv"
    csv.write_text(MANDATES, encoding="utf-8")
    report = load_spend(settings, csv, BUYER, today=dt.date(2026, 11, 1))
    assert (report.read, report.loaded, report.quarantined) == (7, 7, 0)
    enrich(settings)
    return settings


def _rows(settings: Settings, table: str) -> list[dict[str, Any]]:
    path = Warehouse(settings).enriched_path(table)
    cur = duckdb.connect().execute(f"SELECT * FROM '{path}'")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_spend_enriched_rows_and_rings(spend_home: Settings) -> None:
    rows = _rows(spend_home, "spend_enriched")
    assert len(rows) == 6  # in-scope lines only
    assert sum(r["amount_eur"] for r in rows) == pytest.approx(TOTAL)
    for r in rows:
        assert r["buyer_siret"] == BUYER
        assert (r["buyer_commune"], r["buyer_departement"]) == ("74282", "74")
        if r["supplier_siren"] == "200027159":
            assert r["supplier_siret"] is None
            assert (r["supplier_commune"], r["located_by"]) == ("59183", "cog_commune_siren")
            assert r["locality_ring"] == "france"
        else:
            assert r["locality_ring"] == RINGS[r["supplier_siret"]], r
    tecta = next(r for r in rows if r["supplier_siret"] == "38143510600061")
    assert (tecta["purchase_type"], tecta["segment_id"], tecta["year"]) == (
        "travaux",
        "travaux-batiment",
        2024,
    )
    assert tecta["located_by"] == "decp_departement"
    # spend suppliers and buyer are establishments too
    sirets = {r["siret"] for r in _rows(spend_home, "establishments")}
    assert {"20006679300015", "42199758600035", BUYER} <= sirets


def test_enrich_idempotent_and_without_spend(spend_home: Settings, decp_home: Path) -> None:
    before = Warehouse(spend_home).enriched_path("spend_enriched").read_bytes()
    enrich(spend_home)
    assert Warehouse(spend_home).enriched_path("spend_enriched").read_bytes() == before
    # a warehouse without spend: no spend table, the diagnostic has no spend key
    home = decp_home.parent / "nospend"
    shutil.copytree(decp_home, home)
    settings = Settings.resolve(home)
    enrich(settings)
    assert not Warehouse(settings).enriched_path("spend_enriched").exists()
    assert diagnose(settings, build_scope(buyers=BUYER)).spend is None


def test_diagnose_spend(spend_home: Settings) -> None:
    d = diagnose(spend_home, build_scope(buyers=BUYER))
    assert d.totals.contracts > 0  # the buyer's DECP contracts are there too
    spend = d.spend
    assert spend is not None
    assert spend.totals == SpendTotals(
        lines=6,
        amount_eur=pytest.approx(TOTAL),
        buyers=1,
        suppliers=5,  # GARAGE SAVOYARD twice; the bakery counted by its name
        credit_notes=1,
    )
    by_amount, by_count = spend.locality.by_amount, spend.locality.by_count
    assert by_amount.epci.value == pytest.approx(1000 / TOTAL)
    assert by_amount.departement.value == pytest.approx(3000 / TOTAL)
    assert by_amount.region.value == pytest.approx(1500 / TOTAL)
    assert by_amount.france.value == pytest.approx(1500 / TOTAL)
    assert by_amount.unknown.value == pytest.approx(500 / TOTAL)
    assert by_amount.commune.value == 0.0 and by_amount.abroad.value == 0.0
    assert by_count.region.value == pytest.approx(2 / 6)
    assert by_count.epci.value == pytest.approx(1 / 6)
    for shares in (by_amount, by_count):
        assert math.isclose(sum(s.value or 0.0 for _, s in shares.items()), 1.0)
        assert shares.epci.status == "base faible"  # 6 lines
    assert spend.supplier_size.by_count.unknown.value == pytest.approx(1.0)  # no SIRENE
    assert spend.supplier_size.by_amount.sme.value is None  # no size known: unknown, not 0
    segs = {s.segment_id: s for s in spend.segments}
    assert [s.segment_id for s in spend.segments] == [
        "travaux-batiment",
        "energie",
        "vehicules",
        "fournitures-bureau",
        "alimentation-restauration",
    ]
    assert segs["vehicules"].contracts == 2
    assert segs["vehicules"].amount_eur == pytest.approx(1500)
    assert segs["vehicules"].leaving_share.value == pytest.approx(1.0)  # région 84 is outside
    assert segs["travaux-batiment"].local_share.value == pytest.approx(1.0)
    # the bakery is not located: its segment's local and leaving shares are unknown, not 0
    bakery = segs["alimentation-restauration"]
    assert bakery.local_share.value is None and bakery.leaving_share.value is None
    assert bakery.local_share.status == "inconnu"
    assert "aucun titulaire localisé" in bakery.local_share.reason


def test_spend_scope_filters(spend_home: Settings) -> None:
    spend = diagnose(spend_home, build_scope(territory="dep:74", years="2024")).spend
    assert spend is not None and spend.totals.lines == 6
    assert diagnose(spend_home, build_scope(years="2023")).spend is None
    assert diagnose(spend_home, build_scope(territory="dep:73")).spend is None
    works = diagnose(spend_home, build_scope(buyers="200062586", purchase_type="travaux")).spend
    assert works is not None and works.totals.amount_eur == pytest.approx(3000)
    tables = indicator_tables(spend_home, build_scope(buyers=BUYER))
    assert {r["segment"]: r["lines"] for r in tables["spend_volume__by_segment"]}["vehicules"] == 2


def test_cli_diagnose_and_status_show_spend(spend_home: Settings) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["diagnose", "--buyers", BUYER, "--home", str(spend_home.home)])
    assert res.exit_code == 0, res.output
    assert "Dépenses (comptabilité de l'acheteur)" in res.stdout
    status = warehouse_status(spend_home)["spend"]
    assert status is not None
    assert status["totals"]["lines"] == 7  # every line loaded, the subsidy included
    res = runner.invoke(app, ["status", "--home", str(spend_home.home)])
    assert res.exit_code == 0, res.output
    assert "Dépenses (comptabilité)" in res.stdout
    line = next(x for x in res.stdout.splitlines() if BUYER in x)
    assert [c.strip() for c in line.split("│")[1:-1]][:3] == [BUYER, "2024", "7"]


def test_report_spend_section(spend_home: Settings) -> None:
    from ancrage.report import build_report
    from ancrage.report.render import render_html

    report = build_report(spend_home, build_scope(buyers=BUYER))
    fig = report.figures["spend_rings"]
    # 4 000 € of 7 500 € in the buyer's département or closer; Dunkerque (1 500 €) outside the
    # région; the bakery (500 €) unknown
    assert fig.text[0] == (
        "Dans la comptabilité des acheteurs, 6 lignes de dépenses d'achat totalisent 8\u00a0k€ "
        "sur l'exercice 2024, auprès de 5 fournisseurs : 53\u00a0% de ce montant va à des "
        "fournisseurs installés dans le territoire, 20\u00a0% part hors de la région ; lieu du "
        "fournisseur inconnu pour 7\u00a0%. Base faible (6 lignes) : à lire avec prudence."
    )
    assert "Répartition des dépenses par lieu du fournisseur" in fig.svg
    html = render_html(report)
    assert '<section id="depenses">' in html
    assert html.index('id="depenses"') < html.index('id="titulaires"')

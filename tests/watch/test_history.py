"""Golden test of the market history on a real warehouse (DECP 2024 H2, works, CPV 4521).

Hand-checked against ``decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv``: the call is a
hand-made notice of the commune of Fillière (SIRET 20006258600157, Haute-Savoie), CPV 45214200,
60 000 € → similar contracts are CPV class 4521 in the 74, between 20 000 and 180 000 €.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ancrage.enrich import enrich
from ancrage.ingest.pipeline import load_paths
from ancrage.notices.model import Buyer, Money, Notice, Place
from ancrage.settings import Settings
from ancrage.watch.history import history_section, market_history

CSV = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
FILLIERE = "20006258600157"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Any]:
    settings = Settings.resolve(tmp_path_factory.mktemp("history") / "home")
    result = load_paths(settings, [shared_data / CSV])
    assert not result.errors and result.reports[0].loaded == 5180
    enrich(settings)
    notice = Notice(
        id="test:fillière-1", source="test", source_id="fillière-1", kind="contract_notice",
        source_format="test", title="Réhabilitation de l'école", cpv_main="45214200",
        place=Place(departements=["74"]),
        buyer=Buyer(name="COMMUNE DE FILLIERE", siret=FILLIERE),
        estimated_value=Money(Decimal(60_000), "EUR"),
    )
    return market_history(settings, notice)


def test_criteria_and_latest_winners(history: dict[str, Any]) -> None:
    assert history["criteria"] == {
        "cpv_class": "4521", "departement": "74", "value_min": 20_000.0, "value_max": 180_000.0
    }
    assert history["enriched"] is True
    got = [
        (r["notification_date"], r["buyer_name"], r["winner"], r["winner_siret"], r["amount"],
         r["offers_received"], r["locality_ring"], r["local"])
        for r in history["similar"][:4]
    ]
    # CSV lines 2-4 (Fillière, 1 January 2025) and Taninges' bp2024012 (24 December 2024):
    # ELEC ET COMPAGNIE is in the 74 like the buyer, ALU CONCEPT HABITAT in the 73 (region).
    elec = ("2025-01-01", "COMMUNE DE FILLIERE (MAIRIE)", "ELEC ET COMPAGNIE (DURET SERVICES)",
            "83380264800026", 65_900.0, 1, "departement", True)
    assert got == [
        elec,
        elec,
        ("2025-01-01", "COMMUNE DE FILLIERE (MAIRIE)", "ALU CONCEPT HABITAT", "42199758600035",
         61_100.0, 1, "region", False),
        ("2024-12-24", "COMMUNE DE TANINGES (MAIRIE)", "AMTP ET FILS", "84054523000012",
         75_739.0, 6, "departement", True),
    ]
    assert len(history["similar"]) == 10
    assert all(r["cpv"].startswith("4521") for r in history["similar"])
    assert all(20_000 <= r["amount"] <= 180_000 for r in history["similar"])


def test_summary_and_buyer(history: dict[str, Any]) -> None:
    summary = history["summary"]
    # 92 distinct identifiers in the CSV for these criteria; the loader keeps 87 contracts
    # (re-published rows of one contract are merged). Median offers 2 in both.
    assert summary["contracts"] == 87
    assert summary["median_offers"] == 2.0
    assert summary["sme_share"] is None  # no SIRENE stock given: sizes unknown
    # Fillière: 7 CSV rows, 6 contracts (LOT8 published twice), 1 offer each; winners from the
    # 74 for 3 of them (ELEC ET COMPAGNIE ×3), the others from the 73 (×2) and the 38.
    assert history["buyer"] == {
        "siret": FILLIERE, "contracts": 6, "median_offers": 1.0, "local_share": 0.5,
        "sme_share": None,
    }


def test_section_in_french(history: dict[str, Any]) -> None:
    items = {i.label: i.value for i in history_section(history).items}
    assert items["Offres reçues (médiane)"] == "2"
    assert items["Cet acheteur"] == (
        "6 marchés ; offres (médiane) 1 ; part locale 50\u00a0% ; part PME inconnue"
    )
    assert items["ELEC ET COMPAGNIE (DURET SERVICES)"].startswith("65\u202f900\u00a0€, 2025-01-01")

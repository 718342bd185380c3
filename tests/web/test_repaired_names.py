"""Names whose accents were lost upstream (U+FFFD in the published data) are shown repaired
wherever users read them: buyer, supplier, contract and search pages (titles too), and the
names of the diagnostic (report tables, CSV/XLSX exports). The API and the warehouse keep the
published spelling."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ancrage.diagnose import buyer_names
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

CACEM = "24972006100103"  # « Communaut� d'Agglom�ration Centre Martinique CACEM »
SERVICAD = "51161702900034"  # « Servicad ing�nieurs conseils »
HOUILLES = "21780311300018"  # « ville de Houilles »
CHAUMONT = "50787185300010"  # « Domaine r�gional de Chaumont… », suppliers « V�g�tal Passion »…


def h1_and_title(html: str) -> tuple[str, str]:
    [h1] = re.findall(r"<h1>(.*?)</h1>", html)
    [title] = re.findall(r"<title>(.*?)</title>", html)
    return h1, title


def test_the_published_names_have_lost_letters(aife: Settings) -> None:
    con = Warehouse(aife).connect()
    try:
        [(buyer,)] = con.execute(
            "SELECT DISTINCT buyer_name FROM contracts WHERE buyer_id = ?", [CACEM]
        ).fetchall()
    finally:
        con.close()
    assert buyer == "Communaut\ufffd d'Agglom\ufffdration Centre Martinique CACEM"


def test_buyer_supplier_and_contract_pages_show_repaired_names(aife_client: TestClient) -> None:
    buyer = aife_client.get(f"/acheteurs/{CACEM}")
    assert buyer.status_code == 200
    h1, title = h1_and_title(buyer.text)
    assert h1 == "Communauté d&#39;Agglomération Centre Martinique CACEM"
    assert title.startswith("Communauté d&#39;Agglomération Centre Martinique CACEM")

    supplier = aife_client.get(f"/titulaires/{SERVICAD}")
    h1, title = h1_and_title(supplier.text)
    assert h1 == "Servicad ingénieurs conseils"
    assert title.startswith("Servicad ingénieurs conseils")
    chaumont = aife_client.get(f"/acheteurs/{CHAUMONT}").text
    assert h1_and_title(chaumont)[0] == "Domaine régional de Chaumont Sur Loire - EPCC"
    assert "Végétal Passion</a>" in chaumont and "Robinet Frères</a>" in chaumont

    listed = aife_client.get("/marches", params={"acheteur": CACEM}).text
    assert "Communauté d&#39;Agglomération Centre Martinique CACEM</a>" in listed
    link = re.search(r'href="/marches/([^"?]+)"', listed)
    assert link is not None
    contract = aife_client.get(f"/marches/{link.group(1)}").text
    assert "Communauté d&#39;Agglomération Centre Martinique CACEM</a>" in contract

    found = aife_client.get("/titulaires", params={"q": "Servicad"}).text
    assert "Servicad ingénieurs conseils</a>" in found


def test_the_diagnostic_names_are_repaired(aife: Settings) -> None:
    """The names beside the buyers of the report's tables and of the CSV/XLSX exports."""
    tables = {"concessions": [{"buyer": CACEM}], "obligation": [{"buyer": HOUILLES}]}
    assert buyer_names(aife, tables) == {
        CACEM: "Communauté d'Agglomération Centre Martinique CACEM",
        HOUILLES: "ville de Houilles",
    }


def test_the_api_keeps_the_published_spelling(aife_client: TestClient) -> None:
    found = aife_client.get("/api/v1/contracts", params={"buyer": CACEM, "limit": 1}).json()
    assert found["items"][0]["buyer"]["name"].startswith("Communaut\ufffd d'Agglom\ufffdration")

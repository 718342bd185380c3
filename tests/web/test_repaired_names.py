"""Names whose accents were lost upstream (U+FFFD in the published data) are shown repaired
wherever users read them: buyer, supplier, contract and search pages (titles too), and the
names of the diagnostic (report tables, CSV/XLSX exports). The API and the warehouse keep the
published spelling."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ancrage.diagnose import buyer_names
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
from ancrage.web.app import create_app
from ancrage.web.config import WebConfig

CACEM = "24972006100103"  # « Communaut� d'Agglom�ration Centre Martinique CACEM »
SERVICAD = "51161702900034"  # « Servicad ing�nieurs conseils »
HOUILLES = "21780311300018"  # « ville de Houilles »
CHAUMONT = "50787185300010"  # « Domaine r�gional de Chaumont… », suppliers « V�g�tal Passion »…


@pytest.fixture(scope="module")
def aife(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("aife"))
    sample = shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json"
    assert not load_paths(settings, [sample]).errors
    return settings


@pytest.fixture
def client(aife: Settings, tmp_path: Path) -> Iterator[TestClient]:
    base = WebConfig.resolve(aife, database_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    config = dataclasses.replace(base, secure_cookies=False, secret_key="clé de test")
    with TestClient(create_app(config)) as c:
        yield c


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


def test_buyer_supplier_and_contract_pages_show_repaired_names(client: TestClient) -> None:
    buyer = client.get(f"/acheteurs/{CACEM}")
    assert buyer.status_code == 200
    h1, title = h1_and_title(buyer.text)
    assert h1 == "Communauté d&#39;Agglomération Centre Martinique CACEM"
    assert title.startswith("Communauté d&#39;Agglomération Centre Martinique CACEM")

    supplier = client.get(f"/titulaires/{SERVICAD}")
    h1, title = h1_and_title(supplier.text)
    assert h1 == "Servicad ingénieurs conseils"
    assert title.startswith("Servicad ingénieurs conseils")
    chaumont = client.get(f"/acheteurs/{CHAUMONT}").text
    assert h1_and_title(chaumont)[0] == "Domaine régional de Chaumont Sur Loire - EPCC"
    assert "Végétal Passion</a>" in chaumont and "Robinet Frères</a>" in chaumont

    listed = client.get("/marches", params={"acheteur": CACEM}).text
    assert "Communauté d&#39;Agglomération Centre Martinique CACEM</a>" in listed
    link = re.search(r'href="/marches/([^"?]+)"', listed)
    assert link is not None
    contract = client.get(f"/marches/{link.group(1)}").text
    assert "Communauté d&#39;Agglomération Centre Martinique CACEM</a>" in contract

    found = client.get("/titulaires", params={"q": "Servicad"}).text
    assert "Servicad ingénieurs conseils</a>" in found


def test_the_diagnostic_names_are_repaired(aife: Settings) -> None:
    """The names beside the buyers of the report's tables and of the CSV/XLSX exports."""
    tables = {"concessions": [{"buyer": CACEM}], "obligation": [{"buyer": HOUILLES}]}
    assert buyer_names(aife, tables) == {
        CACEM: "Communauté d'Agglomération Centre Martinique CACEM",
        HOUILLES: "ville de Houilles",
    }


def test_the_api_keeps_the_published_spelling(client: TestClient) -> None:
    found = client.get("/api/v1/contracts", params={"buyer": CACEM, "limit": 1}).json()
    assert found["items"][0]["buyer"]["name"].startswith("Communaut\ufffd d'Agglom\ufffdration")

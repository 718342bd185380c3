"""A buyer page before any enrichment says that segments and places are not computed yet,
instead of one « Segment inconnu » row holding every contract and « lieu inconnu » for every
supplier (the CPV codes are there; only the enrichment was not run)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ancrage.explore import buyer_summary
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.web.app import create_app
from ancrage.web.config import WebConfig

CACEM = "24972006100103"
NOTE = (
    "Segments d'achat et lieux des titulaires pas encore calculés : ces marchés n'ont pas encore"
    " été enrichis (commande « ancrage enrich », ou la mise à jour quotidienne)."
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("aife"))
    sample = shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json"
    assert not load_paths(settings, [sample]).errors
    return settings


@pytest.fixture
def client(loaded: Settings, tmp_path: Path) -> Iterator[TestClient]:
    base = WebConfig.resolve(loaded, database_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    config = dataclasses.replace(base, secure_cookies=False, secret_key="clé de test")
    with TestClient(create_app(config)) as c:
        yield c


def test_buyer_page_before_enrichment(client: TestClient, loaded: Settings) -> None:
    assert buyer_summary(loaded, CACEM)["enriched"] is False
    html = client.get(f"/acheteurs/{CACEM}").text
    text = re.sub(r"<[^>]+>", "", html).replace("&#39;", "'")
    assert NOTE in text
    assert "Segment inconnu" not in text and "lieu inconnu" not in text
    assert html.count("<td>non calculé</td>") == 15  # the 15 suppliers listed

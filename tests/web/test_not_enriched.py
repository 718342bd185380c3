"""A buyer page before any enrichment says that segments and places are not computed yet,
instead of one « Segment inconnu » row holding every contract and « lieu inconnu » for every
supplier (the CPV codes are there; only the enrichment was not run)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from ancrage.explore import buyer_summary
from ancrage.settings import Settings

CACEM = "24972006100103"
NOTE = (
    "Segments d'achat et lieux des titulaires pas encore calculés : ces marchés n'ont pas encore"
    " été enrichis (commande « ancrage enrich », ou la mise à jour quotidienne)."
)


def test_buyer_page_before_enrichment(aife_client: TestClient, aife: Settings) -> None:
    assert buyer_summary(aife, CACEM)["enriched"] is False
    html = aife_client.get(f"/acheteurs/{CACEM}").text
    text = re.sub(r"<[^>]+>", "", html).replace("&#39;", "'")
    assert NOTE in text
    assert "Segment inconnu" not in text and "lieu inconnu" not in text
    assert html.count("<td>non calculé</td>") == 15  # the 15 suppliers listed

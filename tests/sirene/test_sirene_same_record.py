"""Stock path and API path give the same record for the same company."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sirene_stock_fixture import write_stock

from ancrage.sirene.api import RechercheEntreprisesClient
from ancrage.sirene.model import records_from_arrow
from ancrage.sirene.stock import lookup_stock

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(
    ("siret", "q", "fixture"),
    [
        ("91234567800029", "91234567800029", "search_91234567800029.json"),
        ("91234567800011", "912345678", "search_912345678.json"),
    ],
)
def test_same_record(tmp_path: Path, fmt: str, siret: str, q: str, fixture: str) -> None:
    (from_stock,) = records_from_arrow(lookup_stock([siret], write_stock(tmp_path)[fmt]))

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.params["q"] == q
        return httpx.Response(200, content=(FIXTURES / fixture).read_bytes())

    with RechercheEntreprisesClient(
        tmp_path / "cache", transport=httpx.MockTransport(handler), sleep=lambda s: None
    ) as client:
        from_api = client.lookup_siret(siret) if len(q) == 14 else client.lookup_siren(q)
    assert from_api == from_stock

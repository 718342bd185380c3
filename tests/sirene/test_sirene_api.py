"""API path on recorded responses through httpx.MockTransport (never the network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sirene_stock_fixture import MENUISERIE_AGENCY, MENUISERIE_HEAD_OFFICE

from ancrage.sirene.api import RechercheEntreprisesClient, record_from_result
from ancrage.sirene.errors import SireneApiError
from ancrage.sirene.model import SireneRecord

FIXTURES = Path(__file__).parent / "fixtures"


def _body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 4))
        self.now += seconds


def _client(
    tmp_path: Path, handler: Callable[[httpx.Request], httpx.Response], fake: FakeTime
) -> RechercheEntreprisesClient:
    return RechercheEntreprisesClient(
        tmp_path / "cache",
        transport=httpx.MockTransport(handler),
        sleep=fake.sleep,
        clock=fake.clock,
    )


def _serve(files: dict[str, bytes], calls: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "recherche-entreprises.api.gouv.fr"
        assert request.url.path == "/search"
        q = request.url.params["q"]
        calls.append(q)
        if q in files:
            return httpx.Response(200, content=files[q])
        return httpx.Response(
            200,
            json={"results": [], "total_results": 0, "page": 1, "per_page": 10, "total_pages": 0},
        )

    return handler


SECONDARY = MENUISERIE_AGENCY
HEAD_OFFICE = MENUISERIE_HEAD_OFFICE


def test_lookup_siret_secondary_establishment(tmp_path: Path) -> None:
    calls: list[str] = []
    files = {"91234567800029": _body("search_91234567800029.json")}
    with _client(tmp_path, _serve(files, calls), FakeTime()) as client:
        assert client.lookup_siret("91234567800029") == SECONDARY
    assert calls == ["91234567800029"]


def test_lookup_siren_head_office(tmp_path: Path) -> None:
    calls: list[str] = []
    files = {"912345678": _body("search_912345678.json")}
    with _client(tmp_path, _serve(files, calls), FakeTime()) as client:
        assert client.lookup_siren("912345678") == HEAD_OFFICE
        assert client.lookup_siret("91234567800011") is None  # unknown query → no result


def test_unknown_siret_is_none(tmp_path: Path) -> None:
    with _client(tmp_path, _serve({}, []), FakeTime()) as client:
        assert client.lookup_siret("99999999900000") is None


def test_cache_hit_makes_no_request(tmp_path: Path) -> None:
    calls: list[str] = []
    files = {"91234567800029": _body("search_91234567800029.json")}
    with _client(tmp_path, _serve(files, calls), FakeTime()) as client:
        client.lookup_siret("91234567800029")

    def offline(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected on a cache hit")

    with _client(tmp_path, offline, FakeTime()) as client:
        assert client.lookup_siret("91234567800029") == SECONDARY
        assert client.requests_made == 0
    assert calls == ["91234567800029"]


def test_cache_keeps_no_personal_data(tmp_path: Path) -> None:
    files = {"91234567800029": _body("search_91234567800029.json")}
    with _client(tmp_path, _serve(files, []), FakeTime()) as client:
        client.lookup_siret("91234567800029")
    raw = (tmp_path / "cache" / "recherche_entreprises.sqlite").read_bytes()
    assert b"FICTIF" not in raw and b"dirigeants" not in raw and b"nom_complet" not in raw
    assert b"MENUISERIE FICTIVE DU CLAIN" in raw


def test_429_then_success(tmp_path: Path) -> None:
    answers = [
        httpx.Response(429, json={"erreur": "Trop de requêtes"}),
        httpx.Response(503),
        httpx.Response(200, content=_body("search_91234567800029.json")),
    ]
    fake = FakeTime()

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    with _client(tmp_path, handler, fake) as client:
        assert client.lookup_siret("91234567800029") == SECONDARY
        assert client.requests_made == 3
    assert fake.sleeps == [0.5, 1.0]  # exponential back-off 0.5 s, 1 s


def test_retry_after_header_is_honoured(tmp_path: Path) -> None:
    answers = [
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, content=_body("search_912345678.json")),
    ]
    fake = FakeTime()
    with _client(tmp_path, lambda r: answers.pop(0), fake) as client:
        assert client.lookup_siren("912345678") == HEAD_OFFICE
    assert fake.sleeps == [3.0]


def test_gives_up_after_max_attempts(tmp_path: Path) -> None:
    fake = FakeTime()
    with _client(tmp_path, lambda r: httpx.Response(502), fake) as client:
        with pytest.raises(SireneApiError) as err:
            client.lookup_siret("91234567800029")
        assert client.requests_made == 5
    assert fake.sleeps == [0.5, 1.0, 2.0, 4.0]
    assert err.value.one_line() == (
        "enregistrement 91234567800029: recherche-entreprises.api.gouv.fr a encore répondu"
        " HTTP 502 après 5 tentatives. L'API est surchargée ou indisponible ; réessayez plus"
        " tard ou utilisez les fichiers stock SIRENE (ancrage enrich --sirene-stock DOSSIER)."
    )


def test_offline_message(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution")

    with _client(tmp_path, handler, FakeTime()) as client, pytest.raises(SireneApiError) as err:
        client.lookup_siret("91234567800029")
    assert err.value.one_line() == (
        "hors ligne : l'API Recherche d'entreprises (recherche-entreprises.api.gouv.fr) ne "
        "répond pas (ConnectError). Les réponses déjà reçues sont gardées en cache : relancez "
        "une fois en ligne. Sans réseau, enrichissez avec les fichiers stock SIRENE : ancrage "
        "enrich --sirene-stock DOSSIER (StockEtablissement et StockUniteLegale, data.gouv.fr)."
    )


def test_rate_limit_spaces_requests(tmp_path: Path) -> None:
    fake = FakeTime()
    with _client(tmp_path, _serve({}, []), fake) as client:
        for siren in ("100000001", "100000002", "100000003"):
            client.lookup_siren(siren)
    assert fake.sleeps == [round(1 / 7, 4)] * 2


def test_http_400_is_an_error(tmp_path: Path) -> None:
    with (
        _client(tmp_path, lambda r: httpx.Response(400), FakeTime()) as client,
        pytest.raises(SireneApiError) as err,
    ):
        client.lookup_siren("100000001")
    assert err.value.one_line() == (
        "enregistrement 100000001: recherche-entreprises.api.gouv.fr a répondu HTTP 400. "
        "Vérifiez l'identifiant ; signalez-le si cela persiste."
    )


# --- golden mapping on the real recorded answers (shared/data/sirene/recherche_entreprises) ---

REAL = {
    "search_400461356_restaurants_du_coeur.json": SireneRecord(
        "40046135600133",
        "400461356",
        "49007",
        "49000",
        "88.99B",
        True,
        True,
        None,
        None,
        "LES RESTAURANTS DU COEUR",
        "9220",
        "PME",
        2023,
        "21",
        2023,
        True,
    ),
}


@pytest.mark.parametrize(
    ("name", "siren", "expected"),
    [
        (
            "search_400461356_restaurants_du_coeur.json",
            "400461356",
            ("40046135600133", "49007", "PME", 2023, "21", True, "9220"),
        ),
        ("search_130025265_dinum.json", "130025265", (None, None, "ETI", None, "32", None, "7120")),
        (
            "search_198100125_lycee_jean_jaures.json",
            "198100125",
            (None, None, "PME", None, "22", None, "7331"),
        ),
        (
            "search_784410607_ce_journal_le_monde.json",
            "784410607",
            (None, None, "PME", None, "02", None, "8310"),
        ),
    ],
)
def test_real_recorded_answers(
    shared_data: Path,
    tmp_path: Path,
    name: str,
    siren: str,
    expected: tuple[str | None, str | None, str, int | None, str, bool | None, str],
) -> None:
    body = (shared_data / "sirene" / "recherche_entreprises" / name).read_bytes()
    with _client(tmp_path, _serve({siren: body}, []), FakeTime()) as client:
        record = client.lookup_siren(siren)
    assert record is not None
    assert record.siren == siren and record.head_office is True
    siret, commune, category, category_year, band, ess, legal = expected
    assert (record.category, record.headcount_band, record.legal_category) == (
        category,
        band,
        legal,
    )
    if siret is not None:
        assert record == REAL[name]
        assert (record.siret, record.commune, record.category_year, record.ess) == (
            siret,
            commune,
            category_year,
            ess,
        )
    raw = json.loads(body)["results"][0]
    assert record_from_result(raw) == record  # raw and pruned answers map alike

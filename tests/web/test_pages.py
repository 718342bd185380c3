"""Every page as each kind of user would open it: it answers, in French, with the layout,
its CSRF-protected forms, and the errors a user can cause explained on the page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ancrage.web.app import create_app
from tests.web.conftest import NOW, PASSWORD, Lookup, People

PUBLIC = [
    "/",
    "/accessibilite",
    "/observatoire",
    "/observatoire?territoire=Vienne&annees=2024",
    "/observatoire?acheteurs=21860194500014",
    "/marches",
    "/marches?territoire=dep:86&cercle=france&tri=-amount",
    "/acheteurs",
    "/acheteurs?q=commune",
    "/titulaires?q=a",
    "/avis",
    "/avis?q=menuiserie&ouverts=1",
    "/avis/boamp:26-7319",
    "/avis/boamp:26-7319/historique",
    "/avis/boamp:26-7319/historique?lot=2",
    "/connexion",
    "/inscription",
]


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found is not None
    return found[1]


def sign_in_page(client: TestClient, email: str) -> str:
    csrf = _csrf(client.get("/connexion").text)
    r = client.post(
        "/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return str(r.headers["location"])


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[-500:]
    assert '<html lang="fr">' in r.text and 'href="#contenu"' in r.text
    assert "Traceback" not in r.text and "None" not in re.sub(r"<[^>]+>", "", r.text)


def test_contract_buyer_supplier_pages(client: TestClient) -> None:
    listing = client.get("/marches?tri=-amount").text
    contract = re.search(r'href="/marches/(DC[0-9a-f]+)"', listing)
    assert contract is not None
    page = client.get(f"/marches/{contract[1]}").text
    buyer = re.search(r'href="/acheteurs/([^"]+)"', page)
    supplier = re.search(r'href="/titulaires/([^"]+)"', page)
    assert buyer is not None and supplier is not None
    assert "Ce qu'il achète" in client.get(f"/acheteurs/{buyer[1]}").text
    assert "Pour qui" in client.get(f"/titulaires/{supplier[1]}").text


def test_errors_are_pages_in_french(client: TestClient) -> None:
    r = client.get("/marches/DC0000000000000000")
    assert r.status_code == 404 and "Aucun contrat « DC0000000000000000 »" in r.text
    r = client.get("/observatoire?territoire=Atlantide")
    assert r.status_code == 400 and 'role="alert"' in r.text
    r = client.get("/veille")
    assert r.status_code == 401 and "Se connecter" in r.text
    r = client.get("/page-inconnue")
    assert r.status_code == 404 and "Cette adresse ne correspond à aucune page" in r.text


def test_forms_need_the_csrf_token(client: TestClient, people: People) -> None:
    r = client.post("/connexion", data={"email": people.firm_a.email, "password": PASSWORD})
    assert r.status_code == 422 or r.status_code == 400
    client.get("/connexion")
    r = client.post(
        "/connexion",
        data={"email": people.firm_a.email, "password": PASSWORD, "csrf_token": "0" * 64},
    )
    assert r.status_code == 403 and "CSRF" in r.text


def test_each_role_lands_on_its_pages(client: TestClient, people: People) -> None:
    assert sign_in_page(client, people.firm_a.email) == "/veille"
    assert "Ma veille" in client.get("/veille").text
    assert client.get("/conseiller").status_code == 403
    assert client.get("/admin").status_code == 403
    account = client.get("/compte").text
    r = client.post("/compte/jetons", data={"name": "export", "csrf_token": _csrf(account)})
    assert "Nouveau jeton" in r.text and re.search(r"anc_[A-Za-z0-9_-]{20,}", r.text)
    client.cookies.clear()
    assert sign_in_page(client, people.advisor.email) == "/conseiller"
    assert "Plomberie C" in client.get("/conseiller").text
    client.cookies.clear()
    assert sign_in_page(client, people.admin.email) == "/admin"
    admin = client.get("/admin").text
    assert people.advisor.email in admin
    made = client.post(
        "/admin/comptes",
        data={
            "email": "nouveau@cma-a.fr",
            "password": PASSWORD,
            "role": "advisor",
            "organisation": "CMA A",
            "csrf_token": _csrf(admin),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert "nouveau@cma-a.fr" in client.get("/admin").text
    client.cookies.clear()
    assert sign_in_page(client, people.buyer.email) == "/observatoire"


def test_unsubscribe_link_of_the_alert_emails(client: TestClient, people: People) -> None:
    from ancrage.watch.model import Profile
    from ancrage.web import desk

    owned = desk.create_profile(
        people.engine,
        people.firm_a.organisation_id,
        Profile(name="p", denomination="Menuiserie A", cpv=["45"], email="a@menuiserie-a.fr"),
    )
    p = owned.profile
    bad = client.get("/veille/desabonnement", params={"profil": p.name, "jeton": "faux"})
    assert bad.status_code == 404
    ok = client.get(
        "/veille/desabonnement", params={"profil": p.name, "jeton": p.unsubscribe_token}
    )
    assert ok.status_code == 200 and "ne recevra plus d'e-mails" in ok.text
    assert desk.profile_for(people.engine, people.firm_a, p.id or 0).profile.email is None


def test_profile_form_creates_and_edits(client: TestClient, people: People) -> None:
    sign_in_page(client, people.firm_a.email)
    csrf = _csrf(client.get("/veille").text)
    form = {
        "csrf_token": csrf,
        "name": "Menuiserie A",
        "siret": "12345678900011",
        "cpv": "4542, 4422",
        "radius_km": "30",
        "frequency": "immediate",
    }
    made = client.post("/veille/profils", data=form, follow_redirects=False)
    assert made.status_code == 303
    pid = int(made.headers["location"].rsplit("/", 1)[1])
    from ancrage.web import desk

    p = desk.profile_for(people.engine, people.firm_a, pid).profile
    assert (p.cpv, p.radius_km, p.commune, p.frequency) == (
        ["4542", "4422"],
        30.0,
        "86194",
        "immediate",
    )
    form["commune"] = "86194"  # the edit form shows the commune SIRENE gave
    bad = client.post(f"/veille/profils/{pid}", data={**form, "radius_km": "trente"})
    assert bad.status_code == 400 and "Nombre illisible : « trente »" in bad.text
    ok = client.post(f"/veille/profils/{pid}", data={**form, "frequency": "daily"})
    assert ok.status_code == 200  # the redirect followed to the profile page
    assert desk.profile_for(people.engine, people.firm_a, pid).profile.frequency == "daily"


def test_open_calls_follow_the_clock(config: Any) -> None:
    """The web's open calls are those still open at the application's clock, not at the time
    the store was read: a call whose deadline has passed since is left out."""
    moment = {"now": NOW}
    ctx = create_app(config, clock=lambda: moment["now"], siret_lookup=Lookup()).state.ctx
    before = {n.id for n in ctx.open_notices()}
    assert "boamp:26-7319" in before  # deadline 11 February 2026
    moment["now"] = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    after = {n.id for n in ctx.open_notices()}
    assert "boamp:26-7319" not in after and after < before


def test_every_answer_has_its_request_id_security_headers_and_log_line(
    client: TestClient, app: Any
) -> None:
    """Plain ASGI middleware (no ``BaseHTTPMiddleware``: a second task and memory streams per
    request): pages, errors and API answers keep the request id, the security headers and
    their log line."""
    import logging

    from starlette.middleware.base import BaseHTTPMiddleware

    from ancrage.web.logs import LOGGER

    assert not any(issubclass(m.cls, BaseHTTPMiddleware) for m in app.user_middleware)
    lines: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record)

    handler = Keep()
    logger = logging.getLogger(LOGGER)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        answers = {
            "/avis": client.get("/avis"),
            "/nulle-part": client.get("/nulle-part"),
            "/api/v1/health": client.get("/api/v1/health", headers={"X-Request-Id": "abc123"}),
        }
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    for path, r in answers.items():
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert re.fullmatch(r"[0-9a-f]{16}|abc123", r.headers["X-Request-Id"])
    assert answers["/api/v1/health"].headers["X-Request-Id"] == "abc123"
    logged = [(x.getMessage(), x.fields["path"], x.fields["status"]) for x in lines]  # type: ignore[attr-defined]
    assert logged == [
        ("request", "/avis", 200),
        ("request", "/nulle-part", 404),
        ("request", "/api/v1/health", 200),
    ]
    assert client.get("/api/v1/docs").headers.get("Content-Security-Policy") is None


def test_trade_list_of_the_search_form_is_rendered_once_per_trade(client: TestClient) -> None:
    from ancrage.web import render
    from ancrage.web.notices import trades

    render._kept_trade_options.cache_clear()
    first = client.get("/avis", params={"metier": "menuiserie-bois-pvc"}).text
    again = client.get("/avis", params={"metier": "menuiserie-bois-pvc", "q": "bois"}).text
    info = render._kept_trade_options.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    for page in (first, again):
        options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', page)
        assert [o[0] for o in options] == ["", *trades()]
        assert [o[0] for o in options if o[1]] == ["menuiserie-bois-pvc"]
        assert ("menuiserie-bois-pvc", " selected", "menuiserie bois pvc") in options
    stranger = client.get("/avis", params={"metier": "<astronaute>"})
    assert stranger.status_code == 400
    assert "Métier « &lt;astronaute&gt; » inconnu" in stranger.text
    assert " selected>" not in stranger.text.split('id="f-metier"')[1].split("</select>")[0]
    assert render._kept_trade_options.cache_info().currsize == 1


def test_the_last_search_page_says_to_refine_instead_of_linking_further(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ancrage.web import notices as web_notices
    from ancrage.web import pages

    query = {"date_limite_apres": "2000-01-01"}  # every notice with a deadline
    first = client.get("/avis", params=query).text
    assert "20 avis sur cette page (il y en a d'autres)," in first
    assert 'rel="next"' in first
    assert '<ol class="results" start="1">' in first
    second = client.get("/avis", params={**query, "page": 2}).text
    assert '<ol class="results" start="21">' in second  # numbered 21 to 40, not 1 to 20 again
    monkeypatch.setattr(pages, "NOTICE_PAGES", 1)  # the last page: the first, here
    monkeypatch.setattr(web_notices, "MAX_RESULTS", 20)
    last = client.get("/avis", params=query).text
    assert (
        "20 avis sur cette page (il y en a d'autres au-delà des 20 premiers : précisez la "
        "recherche pour les voir), la date limite la plus lointaine d'abord."
    ) in last
    assert 'rel="next"' not in last

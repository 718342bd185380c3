"""Every API endpoint, on the real samples: answers, French problem details, pagination."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, People, queued_mails, sign_in, token_for

PROBLEM = "application/problem+json"


def test_health_ready_and_openapi(client: TestClient) -> None:
    assert client.get("/api/v1/health").json()["status"] == "ok"
    ready = client.get("/api/v1/ready").json()
    assert ready == {
        "status": "ok",
        "checks": {"database": "ok", "warehouse": "ok", "notices": "ok"},
    }
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert all(p.startswith("/api/v1/") for p in doc["paths"])
    assert "/api/v1/diagnostics" in doc["paths"]


def test_problem_details_in_french(client: TestClient) -> None:
    r = client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    assert r.json() == {
        "type": "about:blank",
        "title": "Introuvable",
        "status": 404,
        "detail": "Cette adresse ne correspond à aucune page ni ressource",
        "instance": "/api/v1/nope",
    }
    r = client.get("/api/v1/contracts", params={"limit": 0})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "limit", "message": "valeur trop petite"}]
    r = client.get("/api/v1/diagnostics", params={"years": "2024-2020"})
    assert r.status_code == 400
    body = r.json()
    assert body["detail"] == "Années invalides « 2024-2020 »"
    assert body["hint"] == "Donnez une année (2024) ou une période (2022-2024)."


def test_territories(client: TestClient) -> None:
    found = client.get("/api/v1/territories", params={"q": "Grand Poit"}).json()
    assert found[0]["id"] == "epci:200069854"
    assert found[0]["label"] == "CU du Grand Poitiers (intercommunalité)"


def test_diagnostic_observatory_report_and_exports(client: TestClient) -> None:
    d = client.get("/api/v1/diagnostics", params={"territory": "dep:86"}).json()
    assert d["schema_version"] >= 1
    assert d["scope"]["territory"] == {
        "kind": "dep",
        "code": "86",
        "nom": "Vienne",
        "label": "dep:86",
    }
    total = client.get("/api/v1/contracts", params={"territory": "dep:86", "limit": 1}).json()
    assert d["totals"]["contracts"] == total["total"]
    o = client.get("/api/v1/observatory", params={"territory": "dep:86"}).json()
    assert o["title"] == "Commande publique : Vienne (dep:86)"
    assert o["key_figures"][0]["label"] == "contrats"
    html = client.get("/api/v1/diagnostics/report.html", params={"territory": "dep:86"})
    assert html.status_code == 200
    assert "Vienne" in html.text and html.headers["content-disposition"].endswith('.html"')
    xlsx = client.get("/api/v1/diagnostics/export.xlsx", params={"territory": "dep:86"})
    assert xlsx.content[:2] == b"PK" and xlsx.headers["content-type"].endswith(".sheet")
    csv = client.get("/api/v1/diagnostics/export.csv", params={"territory": "dep:86"})
    names = zipfile.ZipFile(io.BytesIO(csv.content)).namelist()
    assert "volume.csv" in names


def test_report_pdf(client: TestClient) -> None:
    r = client.get("/api/v1/diagnostics/report.pdf", params={"territory": "dep:86"})
    assert r.status_code == 200
    assert r.content[:5] == b"%PDF-"


def test_contracts_buyers_suppliers(client: TestClient) -> None:
    page = client.get("/api/v1/contracts", params={"limit": 5, "sort": "-amount"}).json()
    assert page["total"] > 100 and len(page["items"]) == 5
    amounts = [c["amount_eur"] for c in page["items"]]
    assert amounts == sorted(amounts, reverse=True)
    first = page["items"][0]
    detail = client.get(f"/api/v1/contracts/{first['id']}").json()
    assert detail["contract_id"] == first["id"]
    assert detail["amount"] == first["amount_eur"]
    buyer_id = first["buyer"]["id"]
    b = client.get(f"/api/v1/buyers/{buyer_id}").json()
    assert b["id"] == buyer_id and b["contracts"] >= 1
    mine = client.get("/api/v1/contracts", params={"buyer": buyer_id, "limit": 200}).json()
    assert b["contracts"] == sum(1 for c in mine["items"] if c["kind"] == "marche")
    assert client.get("/api/v1/buyers", params={"q": buyer_id[:9]}).json()[0]["id"] == buyer_id
    supplier = detail["suppliers"][0]["id"]
    s = client.get(f"/api/v1/suppliers/{supplier}").json()
    assert s["id"] == supplier and s["buyers"]
    assert client.get("/api/v1/suppliers", params={"q": supplier}).json()[0]["id"] == supplier
    missing = client.get("/api/v1/contracts/DC0000000000000000")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Aucun contrat « DC0000000000000000 »"


def test_contract_filters_follow_the_figures(client: TestClient) -> None:
    rings = client.get("/api/v1/diagnostics", params={"territory": "dep:86"}).json()
    for ring in ("departement", "france", "unknown"):
        page = client.get(
            "/api/v1/contracts", params={"territory": "dep:86", "ring": ring, "limit": 1}
        ).json()
        share = rings["locality"]["by_count"][ring]["value"]
        assert (page["total"] > 0) == (share > 0), ring


def test_notices(client: TestClient) -> None:
    r = client.get("/api/v1/notices", params={"q": "travaux", "limit": 3}).json()
    assert len(r["items"]) == 3 and r["more"] is True
    nid = r["items"][0]["id"]
    second = client.get("/api/v1/notices", params={"q": "travaux", "limit": 2, "offset": 1})
    assert second.json()["items"][0]["id"] == r["items"][1]["id"]
    notice = client.get(f"/api/v1/notices/{nid}").json()
    assert notice["id"] == nid and "lots" in notice
    sheet = client.get(f"/api/v1/notices/{nid}/sheet").json()
    assert sheet["id"] == nid and sheet["sections"]
    history = client.get(f"/api/v1/notices/{nid}/history").json()
    assert set(history) >= {"criteria", "similar"}
    lots = client.get("/api/v1/notices/boamp:26-7319/history", params={"lot": 99})
    assert lots.status_code == 400 and lots.json()["detail"].startswith("Lot 99 inexistant")
    trades = client.get("/api/v1/notices/trades").json()
    assert trades["menuiserie-bois-pvc"] == "4542"
    by_trade = client.get("/api/v1/notices", params={"trade": "menuiserie-bois-pvc"}).json()
    assert all(h["state"] for h in by_trade["items"])
    bad = client.get("/api/v1/notices", params={"trade": "astronaute"})
    assert bad.status_code == 400 and bad.json()["detail"] == "Métier « astronaute » inconnu"
    assert client.get("/api/v1/notices/boamp:nope").status_code == 404


def test_signup_confirm_signin_tokens(client: TestClient, people: People) -> None:
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "Nouveau@Artisan.fr", "password": PASSWORD, "organisation": "Artisan"},
    )
    assert r.status_code == 201
    assert r.json()["user"]["email"] == "nouveau@artisan.fr"
    denied = client.post(
        "/api/v1/auth/signin", json={"email": "nouveau@artisan.fr", "password": PASSWORD}
    )
    assert denied.status_code == 401
    assert denied.json()["detail"] == "Adresse e-mail pas encore confirmée"
    mail = queued_mails(people.engine)[-1]
    assert mail.recipient == "nouveau@artisan.fr" and mail.subject.startswith("Ancrage : confirmez")
    token = mail.body.split("/confirmer/")[1].split()[0]
    assert client.post(f"/api/v1/auth/confirm/{token}").json()["confirmed"] is True
    assert client.post(f"/api/v1/auth/confirm/{token}").status_code == 404
    csrf = sign_in(client, "nouveau@artisan.fr")
    assert client.get("/api/v1/me").json()["organisation"]["name"] == "Artisan"
    made = client.post("/api/v1/tokens", json={"name": "export"}, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    secret = made.json()["token"]
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["export"]
    bearer = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 200
    gone = client.delete(f"/api/v1/tokens/{made.json()['id']}", headers={"X-CSRF-Token": csrf})
    assert gone.status_code == 204
    revoked = client.get("/api/v1/me", headers=bearer)
    assert revoked.status_code == 401
    assert revoked.json()["detail"] == "Jeton d'API inconnu ou révoqué"
    assert client.post("/api/v1/auth/signout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_cookie_requests_need_csrf(client: TestClient, people: People) -> None:
    sign_in(client, people.firm_a.email)
    r = client.post("/api/v1/tokens", json={"name": "x"})
    assert r.status_code == 403
    assert r.json()["detail"] == "Jeton anti-falsification (CSRF) manquant ou invalide"
    r = client.post("/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": "faux"})
    assert r.status_code == 403


def test_signin_rate_limit(client: TestClient, people: People) -> None:
    for _ in range(5):
        r = client.post(
            "/api/v1/auth/signin", json={"email": people.firm_a.email, "password": "mauvais"}
        )
        assert r.status_code == 401
        assert r.json()["detail"] == "Adresse e-mail ou mot de passe incorrect"
    r = client.post(
        "/api/v1/auth/signin", json={"email": people.firm_a.email, "password": PASSWORD}
    )
    assert r.status_code == 429
    assert r.headers["retry-after"] == "900"
    assert r.json()["detail"] == "Trop de tentatives de connexion échouées"


def test_watch_profiles_matches_feeds_follows(client: TestClient, people: People) -> None:
    auth = token_for(client, people.firm_a.email)
    made = client.post(
        "/api/v1/profiles",
        headers=auth,
        json={"name": "Menuiserie A", "siret": "12345678900011", "email": "a@menuiserie-a.fr"},
    )
    assert made.status_code == 201, made.text
    p = made.json()
    assert p["naf"] == "43.32A" and p["commune"] == "86194" and p["departement"] == "86"
    assert p["cpv"], "CPV suggested from the NAF code"
    pid = p["id"]
    assert [x["id"] for x in client.get("/api/v1/profiles", headers=auth).json()] == [pid]
    edited = client.patch(
        f"/api/v1/profiles/{pid}",
        headers=auth,
        json={"name": "Menuiserie A", "cpv": ["45"], "departements": []},
    ).json()
    assert edited["cpv"] == ["45"]
    found = client.get(f"/api/v1/profiles/{pid}/matches", headers=auth).json()
    assert found and all(m["explanation"] for m in found)
    assert client.get(f"/api/v1/profiles/{pid}/alerts", headers=auth).json() == []
    atom = client.get(f"/api/v1/profiles/{pid}/feed.atom", headers=auth)
    assert atom.headers["content-type"] == "application/atom+xml"
    assert found[0]["notice_id"] in atom.text
    ics = client.get(f"/api/v1/profiles/{pid}/feed.ics", headers=auth)
    assert ics.text.startswith("BEGIN:VCALENDAR")
    nid = found[0]["notice_id"]
    assert client.put(f"/api/v1/follows/{nid}", headers=auth).status_code == 204
    assert [n["id"] for n in client.get("/api/v1/follows", headers=auth).json()] == [nid]
    cal = client.get("/api/v1/follows.ics", headers=auth)
    assert "Date limite" in cal.text
    assert client.delete(f"/api/v1/follows/{nid}", headers=auth).status_code == 204
    assert client.get("/api/v1/follows", headers=auth).json() == []
    assert client.delete(f"/api/v1/profiles/{pid}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/profiles/{pid}", headers=auth).status_code == 404


def test_advisor_desk(client: TestClient, people: People) -> None:
    auth = token_for(client, people.advisor.email)
    firms = client.get("/api/v1/advisor/firms", headers=auth).json()
    assert [f["name"] for f in firms] == ["Plomberie C"]
    made = client.post(
        "/api/v1/advisor/firms",
        headers=auth,
        json={
            "name": "Menuiserie E",
            "profile": {"name": "Menuiserie E", "cpv": ["45"], "email": "e@menuiserie-e.fr"},
        },
    ).json()
    org = made["id"]
    assert made["chamber_id"] == people.advisor.organisation_id
    assert [p["organisation_id"] for p in client.get("/api/v1/profiles", headers=auth).json()] == [
        org
    ]
    digest = client.get(f"/api/v1/advisor/firms/{org}/digest", headers=auth).json()
    assert digest["recipients"] == ["e@menuiserie-e.fr"]
    assert digest["profiles"][0]["matches"]
    sent = client.post(f"/api/v1/advisor/firms/{org}/digest", headers=auth).json()
    assert sent == {"queued": 1}
    mail = queued_mails(people.engine)[-1]
    assert mail.recipient == "e@menuiserie-e.fr" and "pourquoi :" in mail.body
    area = client.get("/api/v1/advisor/buyers", headers=auth, params={"territory": "dep:59"})
    assert "COMMUNE DE LA MADELEINE" in [r["buyer"] for r in area.json()]
    other = token_for(client, people.advisor2.email)
    assert [f["name"] for f in client.get("/api/v1/advisor/firms", headers=other).json()] == [
        "Peinture D"
    ]


def test_roles_refused(client: TestClient, people: People) -> None:
    firm = token_for(client, people.firm_a.email)
    r = client.get("/api/v1/advisor/firms", headers=firm)
    assert r.status_code == 403
    assert r.json()["detail"] == "Réservé aux comptes : advisor"
    assert client.get("/api/v1/admin/users", headers=firm).status_code == 403
    buyer = token_for(client, people.buyer.email)
    assert client.post("/api/v1/profiles", headers=buyer, json={"name": "x"}).status_code == 403
    assert client.get("/api/v1/profiles").status_code == 401


def test_admin(client: TestClient, people: People) -> None:
    auth = token_for(client, people.admin.email)
    emails = [u["email"] for u in client.get("/api/v1/admin/users", headers=auth).json()]
    assert people.advisor.email in emails
    made = client.post(
        "/api/v1/admin/users",
        headers=auth,
        json={
            "email": "c2@cma-a.fr",
            "password": PASSWORD,
            "role": "advisor",
            "organisation_id": people.advisor.organisation_id,
        },
    )
    assert made.status_code == 201 and made.json()["confirmed"] is True
    orgs = client.get("/api/v1/admin/organisations", headers=auth).json()
    assert {"CMA A", "Plomberie C"} <= {o["name"] for o in orgs}
    org = client.post(
        "/api/v1/admin/organisations",
        headers=auth,
        json={
            "name": "Boulangerie F",
            "kind": "firm",
            "chamber_id": people.advisor.organisation_id,
        },
    )
    assert org.status_code == 201
    dup = client.post(
        "/api/v1/admin/users",
        headers=auth,
        json={
            "email": "c2@cma-a.fr",
            "password": PASSWORD,
            "role": "advisor",
            "organisation_id": people.advisor.organisation_id,
        },
    )
    assert (
        dup.status_code == 409 and dup.json()["detail"] == "Un compte existe déjà pour c2@cma-a.fr"
    )


def test_notice_pages_are_slices_of_one_ranking(client: TestClient) -> None:
    """A page is the same hits, in the same order and with the same ranks, as that part of
    the whole ranking; the last page allowed (hits 981–1000) is answered, not refused."""
    whole = client.get("/api/v1/notices", params={"q": "travaux", "limit": 100}).json()["items"]
    assert len(whole) > 10
    for offset in (0, 3, 5, 10):
        page = client.get(
            "/api/v1/notices", params={"q": "travaux", "limit": 5, "offset": offset}
        ).json()
        assert page["items"] == whole[offset : offset + 5], offset
        assert [h["rank"] for h in page["items"]] == [h["rank"] for h in whole[offset : offset + 5]]
        assert page["more"] == (len(whole) > offset + 5)
    last = client.get("/api/v1/notices", params={"q": "travaux", "limit": 20, "offset": 980})
    assert last.status_code == 200, last.json()
    assert client.get("/avis", params={"q": "travaux", "page": 50}).status_code == 200

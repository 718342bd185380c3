"""The authorisation matrix: every endpoint that takes the id of an organisation's object
refuses every user of another organisation (and the owner gets it). A route with an id that
the matrix does not list fails the last test, so a new endpoint cannot be forgotten."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, People, token_for

OWNER_OK = {200, 201, 204, 303}
REFUSED = {403, 404}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # with {profile}, {org}, {token} to fill
    owner: str  # "firm_a" (its own objects) or "advisor" (a firm its chamber follows)
    body: dict[str, Any] | None = None
    form: bool = False  # a page form (session + CSRF) rather than the API (token)


CASES = [
    Case("GET", "/api/v1/profiles/{profile}", "firm_a"),
    Case("PATCH", "/api/v1/profiles/{profile}", "firm_a", {"name": "Menuiserie A"}),
    Case("GET", "/api/v1/profiles/{profile}/matches", "firm_a"),
    Case("GET", "/api/v1/profiles/{profile}/alerts", "firm_a"),
    Case("GET", "/api/v1/profiles/{profile}/feed.atom", "firm_a"),
    Case("GET", "/api/v1/profiles/{profile}/feed.ics", "firm_a"),
    Case("GET", "/api/v1/organisations/{org}", "firm_a"),
    Case("GET", "/api/v1/profiles/{profile}", "advisor"),
    Case("GET", "/api/v1/organisations/{org}", "advisor"),
    Case("POST", "/api/v1/profiles?organisation_id={org}", "advisor",
         {"name": "Nouvelle", "cpv": ["45"]}),
    Case("GET", "/api/v1/advisor/firms/{org}/digest", "advisor"),
    Case("POST", "/api/v1/advisor/firms/{org}/digest", "advisor"),
    Case("DELETE", "/api/v1/tokens/{token}", "firm_a"),
    Case("DELETE", "/api/v1/profiles/{profile}", "firm_a"),
    Case("GET", "/veille/profils/{profile}", "firm_a", form=True),
    Case("POST", "/veille/profils/{profile}", "firm_a", {"name": "Menuiserie A", "cpv": "45"},
         form=True),
    Case("GET", "/veille/profils/{profile}/alertes.atom", "firm_a", form=True),
    Case("GET", "/veille/profils/{profile}/echeances.ics", "firm_a", form=True),
    Case(
        "POST",
        "/veille/profils",
        "advisor",
        {"name": "Nouvelle", "organisation_id": "{org}", "cpv": "45"},
        form=True,
    ),
    Case("GET", "/conseiller/entreprises/{org}", "advisor", form=True),
    Case("POST", "/conseiller/entreprises/{org}/resume", "advisor", form=True),
    Case("POST", "/compte/jetons/{token}/revoquer", "firm_a", form=True),
]
OTHERS = ["firm_b", "advisor2", "buyer", "admin"]


def _objects(client: TestClient, people: People, owner: str) -> dict[str, str]:
    """A profile, its organisation and an API token of ``owner``."""
    user = getattr(people, owner)
    auth = token_for(client, user.email)
    org = user.organisation_id if owner == "firm_a" else people.firm_c.id
    query = "" if owner == "firm_a" else f"?organisation_id={org}"
    made = client.post(
        f"/api/v1/profiles{query}",
        headers=auth,
        json={"name": "Cible", "cpv": ["45"], "email": "cible@exemple.fr"},
    )
    assert made.status_code == 201, made.text
    token = client.post("/api/v1/tokens", headers=auth, json={"name": "cible"}).json()["id"]
    return {"profile": str(made.json()["id"]), "org": str(org), "token": str(token)}


def _call(client: TestClient, case: Case, email: str, ids: dict[str, str]) -> Any:
    path = case.path.format(**ids)
    body = {k: v.format(**ids) if isinstance(v, str) else v for k, v in (case.body or {}).items()}
    client.cookies.clear()
    if not case.form:
        auth = token_for(client, email)
        return client.request(case.method, path, headers=auth, json=body if case.body else None)
    client.get("/connexion")  # the CSRF cookie
    csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/connexion").text)
    assert csrf is not None
    signin = client.post(
        "/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf[1]},
        follow_redirects=False,
    )
    assert signin.status_code == 303
    if case.method == "GET":
        return client.get(path, follow_redirects=False)
    return client.post(path, data={**body, "csrf_token": csrf[1]}, follow_redirects=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
def test_other_organisations_are_refused(client: TestClient, people: People, case: Case) -> None:
    ids = _objects(client, people, case.owner)
    for other in OTHERS:
        r = _call(client, case, getattr(people, other).email, ids)
        assert r.status_code in REFUSED, (other, r.status_code, r.text[:300])
        assert "Cible" not in r.text and "cible@exemple.fr" not in r.text
    owner = _call(client, case, getattr(people, case.owner).email, ids)
    assert owner.status_code in OWNER_OK, owner.text[:300]


def test_every_object_route_is_in_the_matrix(app: Any) -> None:
    covered = {(c.method, c.path.split("?")[0]) for c in CASES}
    public = {"{notice_id}", "{contract_id}", "{buyer_id}", "{supplier_id}", "{token}", "{fmt}"}
    missing = []
    for route in app.routes:
        path = getattr(route, "path", "")
        params = set(re.findall(r"\{[^}]+\}", path))
        if not params or params <= public:
            continue
        templated = re.sub(
            r"\{(profile_id|organisation_id|token_id)\}",
            lambda m: {
                "profile_id": "{profile}",
                "organisation_id": "{org}",
                "token_id": "{token}",
            }[m[1]],
            path,
        ).replace("{fmt}", "atom")
        for method in getattr(route, "methods", set()) - {"HEAD"}:
            if (method, templated) in covered or (
                method,
                templated.replace("atom", "ics"),
            ) in covered:
                continue
            missing.append(f"{method} {path}")
    assert missing == []

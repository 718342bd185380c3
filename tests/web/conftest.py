"""A data home with real samples (tabular DECP + an official 2024 example, enriched with the
COG and La Poste's base; every sample notice), and an app with its own database per test."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ancrage.enrich import enrich
from ancrage.ingest.pipeline import load_paths
from ancrage.notices.ingest import load_notices
from ancrage.settings import Settings
from ancrage.web import accounts
from ancrage.web.app import create_app
from ancrage.web.config import WebConfig
from ancrage.web.db import open_app_db, outbox
from tests.watch.conftest import smtp_server  # noqa: F401  (the local SMTP sink fixture)

NOW = datetime(2026, 2, 1, 9, 0, tzinfo=UTC)  # some sample calls are still open then
PASSWORD = "un mot de passe solide"
TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
EXAMPLE = "decp/v2_2024/official_examples/marches_avec_modifications.json"


@pytest.fixture(autouse=True, scope="session")
def _cheap_hashes() -> Iterator[None]:
    """Cheaper argon2 parameters in tests (hundreds of sign-ins); the product keeps the
    library's defaults."""
    accounts.HASH_COST.update(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._dummy_hash.cache_clear()
    yield
    accounts.HASH_COST.clear()
    accounts._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("web-home"))
    result = load_paths(settings, [shared_data / TABULAR, shared_data / EXAMPLE])
    assert not result.errors
    enrich(settings, postal_base_dir=shared_data / "geo" / "laposte_hexasmal_2022.csv")
    reports = load_notices(
        settings, [shared_data / "notices"], eforms_dir=shared_data / "nomenclatures" / "eforms"
    )
    assert all(r.error is None for r in reports)
    return settings


@pytest.fixture
def config(web_home: Settings, tmp_path: Path) -> WebConfig:
    base = WebConfig.resolve(web_home, database_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    return dataclasses.replace(base, secure_cookies=False, secret_key="clé de test")


class Lookup:
    """SIRENE stand-in (no network in tests): one known joinery in Poitiers."""

    def lookup_siret(self, siret: str) -> Any:
        from ancrage.sirene.model import SireneRecord

        if siret != "12345678900011":
            return None
        values: dict[str, Any] = {f.name: None for f in dataclasses.fields(SireneRecord)}
        values.update(
            siret=siret,
            siren=siret[:9],
            denomination="MENUISERIE DU CLAIN",
            naf="43.32A",
            nafa="4332AA",
            commune="86194",
            headcount_band="02",
            headcount_year=2024,
        )
        return SireneRecord(**values)


@pytest.fixture
def app(config: WebConfig) -> Any:
    return create_app(config, clock=lambda: NOW, siret_lookup=Lookup())


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@dataclasses.dataclass
class People:
    """One organisation of each kind, with a signed-in client per user."""

    engine: Any
    admin: accounts.User
    firm_a: accounts.User
    firm_b: accounts.User
    advisor: accounts.User  # chamber 1, follows firm_c
    advisor2: accounts.User  # chamber 2, follows firm_d
    buyer: accounts.User
    firm_c: accounts.Organisation
    firm_d: accounts.Organisation


def make_user(engine: Any, email: str, role: str, org_name: str, **org: Any) -> accounts.User:
    kind = accounts.ROLE_ORG_KIND[role]
    o = accounts.create_organisation(engine, org_name, kind, **org)
    return accounts.create_user(
        engine, email, PASSWORD, role=role, organisation_id=o.id, confirmed=True
    )


@pytest.fixture
def people(config: WebConfig) -> People:
    engine = open_app_db(config)
    advisor = make_user(engine, "conseil@cma-a.fr", "advisor", "CMA A")
    advisor2 = make_user(engine, "conseil@cma-b.fr", "advisor", "CMA B")
    firm_c = accounts.create_organisation(
        engine, "Plomberie C", "firm", chamber_id=advisor.organisation_id
    )
    firm_d = accounts.create_organisation(
        engine, "Peinture D", "firm", chamber_id=advisor2.organisation_id
    )
    return People(
        engine=engine,
        admin=make_user(engine, "admin@exemple.fr", "admin", "Administration"),
        firm_a=make_user(engine, "a@menuiserie-a.fr", "firm", "Menuiserie A"),
        firm_b=make_user(engine, "b@couverture-b.fr", "firm", "Couverture B"),
        advisor=advisor,
        advisor2=advisor2,
        buyer=make_user(engine, "achats@ville.fr", "buyer", "Ville"),
        firm_c=firm_c,
        firm_d=firm_d,
    )


def token_for(client: TestClient, email: str) -> dict[str, str]:
    """Authorization header of a new API token for this user."""
    r = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def sign_in(client: TestClient, email: str) -> str:
    """Sign the client in (session cookie); returns the CSRF token for unsafe calls."""
    r = client.post("/api/v1/auth/signin", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def queued_mails(engine: Any) -> list[Any]:
    with engine.connect() as con:
        return list(con.execute(select(outbox).order_by(outbox.c.id)))


@pytest.fixture(scope="session")
def aife(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    """The real 2019 sample of data.gouv.fr (AIFE) loaded, not enriched (names with lost
    accents, no segments nor places)."""
    settings = Settings.resolve(tmp_path_factory.mktemp("aife"))
    sample = shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json"
    assert not load_paths(settings, [sample]).errors
    return settings


@pytest.fixture
def aife_client(aife: Settings, tmp_path: Path) -> Iterator[TestClient]:
    base = WebConfig.resolve(aife, database_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    config = dataclasses.replace(base, secure_cookies=False, secret_key="clé de test")
    with TestClient(create_app(config)) as c:
        yield c

"""Every connector, one failure at a time: an HTTP error, a timeout, a transfer cut and resumed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ancrage.fetch.http import Http
from ancrage.fetch.run import fetch_sources
from ancrage.settings import Settings
from tests.fetch.conftest import TODAY, Sleeps
from tests.fetch.mirror import Mirror, cog_tarball
from tests.fetch.replay import Fault, Replay

# source -> (the first request it makes, what its error names)
FIRST: dict[str, tuple[str, str]] = {
    "decp": (
        "/datagouv/api/2/datasets/resources/11cea8e8-df3e-4ed1-932b-781e2635e432/",
        "l'API de data.gouv.fr",
    ),
    "decp-officiel": (
        "/datagouv/api/1/datasets/5cd57bf68b4c4179299eb0e9/",
        "l'API de data.gouv.fr",
    ),
    "boamp": (
        "/boamp/api/explore/v2.1/catalog/datasets/boamp/records",
        "l'API BOAMP (Opendatasoft)",
    ),
    "ted": ("/ted_api/v3/notices/search", "l'API de recherche de TED"),
    "sirene": (
        "/datagouv/api/2/datasets/resources/a29c1297-1f92-4e2a-8f6b-8c902ce96c5f/",
        "l'API de data.gouv.fr",
    ),
    "cog": (
        "/npm/@etalab/decoupage-administratif/latest",
        "le registre npm (COG, @etalab/decoupage-administratif)",
    ),
    "laposte": (
        "/datagouv/api/1/datasets/base-officielle-des-codes-postaux/",
        "l'API de data.gouv.fr",
    ),
}
# source -> a file it downloads (cut in the middle, then resumed)
FILES = {
    "decp": "/static/resources/11cea8e8-df3e-4ed1-932b-781e2635e432/decp.parquet",
    "decp-officiel": "/static/resources/off-0/decp-2026-11.json",
    "ted": "/ted_web/en/notice/41387-2024/xml",
    "cog": "/npm/tarballs/decoupage-administratif-6.1.0.tgz",
    "laposte": "/static/resources/laposte-1/laposte_hexasmal.csv",
}


@pytest.fixture
def served(world: Mirror, shared_data: Path) -> Mirror:
    example = shared_data / "decp/v2_2024/official_examples/marches_avec_modifications.json"
    world.decp_official({"decp-2026-11.json": example.read_bytes()})
    world.npm("6.1.0", cog_tarball(shared_data, "6.1.0"))
    return world


def fetch(home: Settings, mirror: Mirror, source: str, http: Http) -> Any:
    since = TODAY if source in ("boamp", "ted") else None  # the day served (else 30 days)
    [report] = fetch_sources(
        home, [source], http=http, endpoints=mirror.endpoints(), today=TODAY, since=since
    )
    return report


FAULTS = {
    # an HTTP error that persists through the four attempts
    "http": ([Fault(status=500)] * 4, 4.0,
             "{what} a encore répondu HTTP 500 après 4 tentatives ({host}). Le service est "
             "indisponible ou limite le débit ; réessayez plus tard."),
    # no answer within the timeout, twice
    "timeout": ([Fault(delay=1.5)] * 2, 1.0,
                "{what} ne répond pas ({host} : plus de 1 s d'attente, 2 tentatives). Le "
                "service est lent ou surchargé."),
}  # fmt: skip


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("source", sorted(FIRST))
def test_an_http_error_or_a_timeout_is_one_line_and_writes_nothing(
    served: Mirror, replay: Replay, home: Settings, source: str, fault: str, sleeps: Sleeps
) -> None:
    path, what = FIRST[source]
    faults, timeout, message = FAULTS[fault]
    replay.fault(path, *faults)
    with Http(min_interval=0.0, sleep=sleeps, timeout=timeout, max_attempts=len(faults)) as http:
        report = fetch(home, served, source, http)
    assert report.error is not None
    assert report.error.one_line() == (
        message.format(what=what, host=replay.url[7:])
        + " Relancez la même commande : les téléchargements reprennent où ils se sont arrêtés."
    )
    assert report.files == []
    assert not (home.home / "downloads").exists() or not any((home.home / "downloads").rglob("*.*"))


@pytest.mark.parametrize("source", sorted(FILES))
def test_a_transfer_cut_then_resumed_by_the_next_run(
    served: Mirror, replay: Replay, home: Settings, source: str, sleeps: Sleeps, http: Http
) -> None:
    path = FILES[source]
    size = len(replay.files[path])
    replay.fault(path, Fault(cut_after=size // 2))
    with Http(min_interval=0.0, sleep=sleeps, max_attempts=1) as once:
        failed = fetch(home, served, source, once)
    assert failed.error is not None
    assert "téléchargement interrompu" in failed.error.one_line()
    report = fetch(home, served, source, http)
    assert report.error is None, report.error
    last = replay.requests_to(path)[-1]
    assert last.headers["range"] == f"bytes={size // 2}-"
    assert any(f.resumed_from == size // 2 for f in report.files)
    assert list(home.home.rglob("*.part*")) == []

"""TED on the mirror: expert query, iteration token, notice XML, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ancrage.fetch.ted import LIMIT, query_for
from ancrage.geo.territory import parse_territory
from ancrage.notices.ingest import load_notices
from ancrage.settings import Settings
from tests.fetch.conftest import TODAY
from tests.fetch.mirror import FRENCH_TED, Mirror, publication_number
from tests.fetch.replay import Replay, Reply

SEARCH = "/ted_api/v3/notices/search"


def samples(shared: Path) -> list[Path]:
    return [shared / "notices/ted_eforms/real" / name for name in FRENCH_TED]


def test_the_day_search_then_each_notice_xml(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    mirror.ted(TODAY, samples(shared_data))
    [report] = run_fetch(["ted"], since=TODAY, territory=parse_territory("dep:86"))
    assert report.error is None
    names = sorted(f.path.name for f in report.files)
    assert names == ["129266-2024.xml", "219998-2024.xml", "41387-2024.xml"]
    assert {f.path.parent.name for f in report.files} == {"2026-12-07"}
    for f in report.files:
        source = next(p for p in samples(shared_data) if publication_number(p.name) in f.path.name)
        assert f.path.read_bytes() == source.read_bytes()
    [search] = replay.requests_to(SEARCH)
    body = search.json()
    assert body["query"] == query_for(TODAY)
    assert body["query"] == (
        "(buyer-country IN (FRA) OR place-of-performance-country-proc IN (FRA) OR "
        "place-of-performance-country-lot IN (FRA)) AND publication-date = 20261207"
    )
    assert (body["paginationMode"], body["limit"], body["fields"]) == (
        "ITERATION", LIMIT, ["publication-number", "publication-date"],
    )  # fmt: skip
    assert report.notes == [
        "TED : avis de toute la France (TED ne filtre pas par département) ; la veille retient "
        "ensuite ceux du territoire."
    ]
    loaded = load_notices(home, [f.path for f in report.files])  # the shipped eForms table
    assert [(r.loaded, r.error) for r in loaded] == [(1, None)] * 3
    [again] = run_fetch(["ted"], since=TODAY)
    assert again.files == []  # notices already here are not asked again


def test_the_iteration_token_is_followed(
    mirror: Mirror, replay: Replay, run_fetch: Any, shared_data: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr("ancrage.fetch.ted.LIMIT", 2)
    mirror.ted(TODAY, samples(shared_data))
    [report] = run_fetch(["ted"], since=TODAY)
    assert len(report.files) == 3
    first, second = (r.json() for r in replay.requests_to(SEARCH))
    assert "iterationNextToken" not in first
    assert isinstance(second["iterationNextToken"], str)


def test_an_invalid_token_answers_500_and_is_reported(
    replay: Replay, run_fetch: Any, sleeps: list[float]
) -> None:
    notice = {"publication-number": "41387-2024", "publication-date": "2026-12-07+01:00"}
    first = {"notices": [notice], "totalNoticeCount": 9, "iterationNextToken": "périmé"}
    answers = iter(
        [Reply.json(first), *[Reply.json({"message": "Internal Server Error"}, 500)] * 4]
    )
    replay.route(SEARCH, lambda _r: next(answers))
    [report] = run_fetch(["ted"], since=TODAY)
    assert report.error is not None
    assert report.error.one_line() == (
        f"l'API de recherche de TED a encore répondu HTTP 500 après 4 tentatives "
        f"({replay.url.split('/')[2]}). Le service est indisponible ou limite le débit ; "
        "réessayez plus tard. Relancez la même commande : les téléchargements reprennent où ils "
        "se sont arrêtés."
    )
    assert [r.json().get("iterationNextToken") for r in replay.requests_to(SEARCH)] == [
        None, "périmé", "périmé", "périmé", "périmé",
    ]  # fmt: skip


def test_a_timed_out_search_and_a_changed_answer(replay: Replay, run_fetch: Any) -> None:
    replay.route(SEARCH, lambda _r: Reply.json({"notices": [], "timedOut": True}))
    [report] = run_fetch(["ted"], since=TODAY)
    assert report.error is not None
    assert report.error.one_line() == (
        "l'API de recherche de TED a interrompu la recherche (timedOut) pour le 2026-12-07. "
        "TED est surchargé ; relancez plus tard, le jour sera repris."
    )
    replay.route(SEARCH, lambda _r: Reply.json({"results": []}))
    [report] = run_fetch(["ted"], since=TODAY)
    assert report.error is not None
    assert report.error.one_line() == (
        "l'API de recherche de TED a répondu sans liste notices (2026-12-07). L'API de TED a "
        "peut-être changé ; rien n'a été écrit pour ce jour. Signalez-le."
    )


def test_a_notice_address_that_serves_html_is_refused(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    mirror.ted(TODAY, samples(shared_data)[:1])
    number = publication_number(FRENCH_TED[0])
    replay.file(f"/ted_web/en/notice/{number}/xml", b"<!DOCTYPE html><html>Nouveau site</html>")
    [report] = run_fetch(["ted"], since=TODAY)
    assert report.error is not None
    target = home.home / "downloads" / "ted" / "2026-12-07" / f"{number}.xml"
    assert report.error.one_line() == (
        f"{target}: TED a servi autre chose qu'un avis eForms (XML UBL). L'adresse des avis XML "
        "a peut-être changé ; rien n'a été gardé. Signalez-le."
    )
    assert not target.parent.exists() or list(target.parent.iterdir()) == []
    assert (
        orjson.loads((home.home / "fetch" / "manifest.json").read_bytes())["cursors"]["ted"] == {}
    )

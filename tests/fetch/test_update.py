"""``ancrage update`` as a library function: the steps, what the next run finds, forgetting."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime
from typing import Any

import pytest

from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.errors import OfflineError
from ancrage.fetch.http import Http
from ancrage.fetch.manifest import Manifest
from ancrage.fetch.update import UpdateReport, forget_files, run_update
from ancrage.geo.territory import parse_territory
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse
from tests.conftest import SHARED_DATA
from tests.fetch.conftest import TODAY
from tests.fetch.mirror import Mirror, tabular_rows
from tests.fetch.replay import Replay
from tests.warehouse.notes import WHEN

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
DEP59 = [r for r in tabular_rows(SHARED_DATA) if r["acheteur_departement_code"] == "59"]


def update(home: Settings, mirror: Mirror, http: Http, **kw: Any) -> UpdateReport:
    kw.setdefault("territory", parse_territory("dep:59"))
    kw.setdefault("use_api", False)
    return run_update(home, http=http, endpoints=mirror.endpoints(), today=TODAY, now=NOW, **kw)


def contracts(home: Settings) -> list[str]:
    con = Warehouse(home).connect()
    try:
        return [
            r[0] for r in con.execute("SELECT contract_id FROM contracts ORDER BY 1").fetchall()
        ]
    finally:
        con.close()


def test_an_update_from_nothing_then_one_with_nothing_new(
    world: Mirror, home: Settings, http: Http
) -> None:
    first = update(home, world, http)
    assert first.errors == []
    assert first.steps == {
        "fetch": "fait", "load": "fait", "enrich": "fait", "notices": "fait", "watch": "fait",
    }  # fmt: skip
    assert [r.source for r in first.fetch] == ["cog", "laposte", "decp", "boamp", "ted"]
    assert len(contracts(home)) == len({r["uid"] for r in DEP59}) == 123
    assert Warehouse(home).enriched_path("establishments").is_file()
    assert first.notices_loaded == 4  # BOAMP 26-7298 (Nord) and the three TED notices
    assert first.alerts_queued == 1  # works in the Nord for the profile btp-nord
    assert Manifest(home).update["finished_at"] == first.finished_at
    second = update(home, world, http)
    assert second.resumed is False
    assert second.steps == {
        "fetch": "fait", "load": "rien à faire", "enrich": "rien à faire",
        "notices": "rien à faire", "watch": "fait",
    }  # fmt: skip
    assert (second.decp_loaded, second.notices_loaded, second.alerts_queued) == (0, 0, 0)


def test_work_fetched_but_not_done_is_done_by_the_next_update(
    world: Mirror, home: Settings, http: Http, run_fetch: Any
) -> None:
    run_fetch(["decp", "boamp"], territory=parse_territory("dep:59"))  # fetched, not loaded
    report = update(home, world, http, sources=())
    assert report.fetch == []
    assert (report.steps["load"], report.steps["notices"]) == ("fait", "fait")
    assert len(contracts(home)) == 123


def test_a_replaced_version_is_forgotten_by_the_warehouse(
    world: Mirror, home: Settings, http: Http
) -> None:
    update(home, world, http, sources=["decp"])
    kept = [r for r in tabular_rows(world.shared) if r["uid"] not in {DEP59[0]["uid"]}]
    world.decp_tabular(kept, version="2026-12-08T05:15:00.000000+00:00")
    report = update(home, world, http, sources=["decp"])
    assert report.forgotten == 1
    assert len(contracts(home)) == 122
    con = Warehouse(home).connect()
    try:
        assert con.execute("SELECT count(*) FROM loaded_files").fetchone() == (1,)
    finally:
        con.close()
    assert all(e.replaced is None for e in Manifest(home).files.values())


def test_forgetting_killed_before_the_rebuild_is_finished_by_the_next_write(
    world: Mirror, home: Settings, http: Http, monkeypatch: pytest.MonkeyPatch, run_fetch: Any
) -> None:
    update(home, world, http, sources=["decp"])
    [old] = [f[:20] for f in Manifest(home).files.values() if f.kind == "decp" for f in [f.sha256]]
    before = contracts(home)

    def killed(self: Warehouse, con: Any) -> None:
        raise KeyboardInterrupt  # the process dies between the removal and the rebuild

    monkeypatch.setattr(Warehouse, "materialise", killed)
    with pytest.raises(KeyboardInterrupt):
        forget_files(home, [old])
    monkeypatch.undo()
    assert contracts(home) == before  # readers still see the last complete tables
    with Warehouse(home).writing() as con:  # any next write rebuilds them
        assert con.execute("SELECT count(*) FROM loaded_files").fetchone() == (0,)
    assert contracts(home) == []


def test_a_forgetting_finished_by_the_next_one_is_a_note(
    world: Mirror, home: Settings, http: Http, monkeypatch: pytest.MonkeyPatch, run_fetch: Any
) -> None:
    update(home, world, http, sources=["decp"])
    [old] = [f.sha256[:20] for f in Manifest(home).files.values() if f.kind == "decp"]

    def killed(self: Warehouse, con: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Warehouse, "materialise", killed)
    with pytest.raises(KeyboardInterrupt):
        forget_files(home, [old])
    monkeypatch.undo()
    notes: list[str] = []
    assert forget_files(home, [old], notes) == 0  # the removal was finished on the way in
    [note] = notes
    pattern = rf"retrait de 1 fichier\(s\) interrompu \(processus \d+ « .+ », {WHEN}\) : terminé"
    assert re.fullmatch(pattern, note), note


def test_with_the_api_the_sirets_the_stock_does_not_know_are_asked_once(
    world: Mirror, replay: Replay, home: Settings, http: Http
) -> None:
    world.decp_tabular(DEP59[:6])
    first = update(home, world, http, sources=["decp"], use_api=True)
    asked = len(replay.requests_to("/recherche_entreprises/search"))
    sirets = {r[k] for r in DEP59[:6] for k in ("acheteur_id", "titulaire_id")}
    assert first.steps["enrich"] == "fait"
    assert asked == len({s for s in sirets if s and len(s) == 14})
    update(home, world, http, sources=["decp"], use_api=True)
    assert len(replay.requests_to("/recherche_entreprises/search")) == asked


def test_offline_stops_at_once_and_changes_nothing(home: Settings, http: Http) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    nowhere = Endpoints(**dict.fromkeys(Endpoints.__dataclass_fields__, base))
    with pytest.raises(OfflineError) as err:
        run_update(home, http=http, endpoints=nowhere, today=TODAY, use_api=False)
    assert err.value.one_line() == (
        f"hors ligne : impossible de joindre 127.0.0.1:{port} (ConnectError). Vérifiez la "
        "connexion internet (et le proxy HTTPS_PROXY s'il y en a un). Relancez la même "
        "commande : les téléchargements reprennent où ils se sont arrêtés."
    )
    assert not Warehouse(home).exists()
    assert Manifest(home).update["finished_at"] is None
    assert not (home.home / "notices").exists()


def test_a_first_load_killed_before_its_tables_reads_as_empty_and_is_finished(
    world: Mirror, home: Settings, http: Http
) -> None:
    import duckdb

    from ancrage.errors import WarehouseError
    from ancrage.warehouse.store import _SCHEMA_SQL

    Warehouse(home).root.mkdir(parents=True)
    con = duckdb.connect(str(Warehouse(home).db_path))  # the first load's very first statement
    con.execute(_SCHEMA_SQL)
    con.close()
    with pytest.raises(WarehouseError) as err:
        Warehouse(home).connect()
    assert err.value.one_line() == (
        f"{Warehouse(home).root}: l'entrepôt est vide. Chargez d'abord des données : ancrage "
        "load FICHIER… (ou ancrage demo)."
    )
    report = update(home, world, http, sources=["decp"])
    assert report.errors == []
    assert len(contracts(home)) == 123


def test_notice_files_not_stored_are_tried_again_by_the_next_update(
    world: Mirror, home: Settings, http: Http
) -> None:
    from ancrage.notices.lock import writer_lock

    (home.home / "notices").mkdir(parents=True, exist_ok=True)
    with writer_lock(home.home / "notices"):  # another load holds the notice store
        first = update(home, world, http, sources=["ted"])
    assert first.steps["notices"] == "erreur"
    [error] = first.errors
    assert error.message.startswith("la base des avis est occupée par un autre chargement")
    second = update(home, world, http, sources=())
    assert (second.steps["notices"], second.notices_loaded) == ("fait", 3)


def test_notice_errors_alike_are_said_once_with_how_many() -> None:
    from ancrage.errors import InputFileError
    from ancrage.fetch.update import _grouped

    errors = [InputFileError("illisible", file=f"f{i}.xml") for i in range(3)]
    notes: list[str] = []
    kept = _grouped([*errors, InputFileError("autre", file="g.xml")], notes)
    assert [e.one_line() for e in kept] == ["f0.xml: illisible", "g.xml: autre"]
    assert notes == [
        "Avis : 3 fichiers n'ont pas pu être chargés pour la même raison (illisible) ; ils "
        "seront repris à la prochaine mise à jour."
    ]

"""DECP connectors on the mirror: national file, territory export, official files, profiles."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ancrage.fetch.manifest import Manifest
from ancrage.geo.territory import parse_territory
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.sources.registry import detect
from tests.fetch.mirror import Mirror, tabular_parquet, tabular_rows
from tests.fetch.replay import Replay

STATIC_PARQUET = "/static/resources/11cea8e8-df3e-4ed1-932b-781e2635e432/decp.parquet"


def test_the_national_file_is_downloaded_once_then_only_when_it_changes(
    mirror: Mirror,
    replay: Replay,
    home: Settings,
    run_fetch: Any,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    parquet = tabular_parquet(shared_data, tmp_path)
    mirror.decp_national(parquet)
    [report] = run_fetch(["decp"])
    assert report.error is None
    [f] = report.files
    assert (f.status, f.kind, f.path.name, f.size) == ("new", "decp", "decp.parquet", len(parquet))
    assert f.path.read_bytes() == parquet
    assert detect(f.path).name == "decp-tabular"
    entry = Manifest(home).entry(f.path)
    assert entry is not None and entry.version == "2026-12-01T05:15:00.000000+00:00"
    first_sha = entry.sha256

    [again] = run_fetch(["decp"])
    assert [x.status for x in again.files] == ["unchanged"]
    assert len(replay.requests_to(STATIC_PARQUET)) == 1  # same version: the file is not asked

    # a new publication date with the same bytes: asked again, found identical
    mirror.decp_national(parquet, version="2026-12-02T05:15:00.000000+00:00")
    [third] = run_fetch(["decp"])
    assert [x.status for x in third.files] == ["unchanged"]  # identical bytes: nothing replaced
    entry = Manifest(home).entry(f.path)
    assert entry is not None and entry.replaced is None and entry.sha256 == first_sha


def test_a_new_version_replaces_the_file_and_remembers_the_old_one(
    mirror: Mirror, home: Settings, run_fetch: Any, shared_data: Path, tmp_path: Path
) -> None:
    mirror.decp_tabular(tabular_rows(shared_data))
    dep74 = parse_territory("dep:74")
    [first] = run_fetch(["decp"], territory=dep74)
    old = Manifest(home).entry(first.files[0].path)
    assert old is not None
    rows = tabular_rows(shared_data)
    mirror.decp_tabular(rows[:-50], version="2026-12-02T05:15:00.000000+00:00")
    [second] = run_fetch(["decp"], territory=dep74)
    assert [f.status for f in second.files] == ["updated"]
    new = Manifest(home).entry(second.files[0].path)
    assert new is not None and new.replaced == [old.sha256]


def test_a_territory_gets_its_buyers_rows_through_the_tabular_api(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    rows = tabular_rows(shared_data)
    mirror.decp_tabular(rows)
    [report] = run_fetch(["decp"], territory=parse_territory("dep:74"))
    assert report.error is None, report.error
    [f] = report.files
    assert f.path.name == "decp-dep-74.csv"
    with f.path.open(encoding="utf-8", newline="") as fh:
        written = list(csv.DictReader(fh))
    expected = [r for r in rows if r["acheteur_departement_code"] == "74"]
    assert len(written) == len(expected) == 393
    assert "__id" not in written[0]
    assert written[0]["uid"] == expected[0]["uid"]
    assert report.notes == ["decp-dep-74.csv : 393 lignes contrat × titulaire."]
    pages = replay.requests_to("/tabular/api/resources/22847056-61df-452d-837d-8b8ceadbfc52/data/")
    assert [p.arg("page") for p in pages] == ["1", "2"]
    assert {p.arg("acheteur_departement_code__exact") for p in pages} == {"74"}
    result = load_paths(home, [f.path])
    assert result.errors == []
    assert result.reports[0].detected_format == "decp-tabular"
    assert result.reports[0].loaded == len({r["uid"] for r in expected})


def test_a_region_is_fetched_departement_by_departement_and_a_year_by_dates(
    mirror: Mirror, replay: Replay, run_fetch: Any, shared_data: Path
) -> None:
    mirror.decp_tabular(tabular_rows(shared_data))
    [report] = run_fetch(["decp"], territory=parse_territory("reg:84"), year=2024)
    names = [f.path.name for f in report.files]
    assert len(names) == 12  # the 12 départements of Auvergne-Rhône-Alpes
    assert "decp-dep-74-depuis-2024-01-01-jusqua-2024-12-31.csv" in names
    pages = replay.requests_to("/tabular/api/resources/22847056-61df-452d-837d-8b8ceadbfc52/data/")
    assert {p.arg("dateNotification__greater") for p in pages} == {"2024-01-01"}
    assert {p.arg("dateNotification__less") for p in pages} == {"2024-12-31"}


def test_a_changed_tabular_format_is_refused_and_nothing_is_written(
    mirror: Mirror, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    rows = [{k: v for k, v in r.items() if k != "titulaire_id"} for r in tabular_rows(shared_data)]
    mirror.decp_tabular(rows)
    [report] = run_fetch(["decp"], territory=parse_territory("dep:74"))
    assert report.error is not None
    assert report.error.one_line().startswith(mirror.url + "/tabular/api/resources/")
    assert report.error.one_line().endswith(
        "l'API tabulaire de data.gouv.fr a répondu sans la colonne titulaire_id (colonnes : uid, "
        "id, type, codeCPV, acheteur_id, acheteur_nom, titulaire_nom, montant…). Le format "
        "tabulaire des DECP a peut-être changé ; rien n'a été écrit."
    )
    folder = home.home / "downloads" / "decp"
    assert sorted(p.name for p in folder.iterdir()) == []


def official(shared: Path, name: str) -> bytes:
    return (shared / "decp" / "v2_2024" / "official_examples" / name).read_bytes()


def test_official_publications_are_chosen_by_year(
    mirror: Mirror, run_fetch: Any, shared_data: Path
) -> None:
    mirror.decp_official(
        {
            "decp-2019.json": official(shared_data, "marches_concessions.json"),
            "decp-2025-03.json": official(shared_data, "marches_avec_modifications.json"),
            "decp-2026-11.json": official(shared_data, "concessions.json"),
            "decp-2026-11.ocds.json": b"{}",
            "documentation.pdf": b"%PDF",
        }
    )
    [default] = run_fetch(["decp-officiel"])  # today 2026-12-07: this year and the last
    assert sorted(f.path.name for f in default.files) == ["decp-2025-03.json", "decp-2026-11.json"]
    [one] = run_fetch(["decp-officiel"], year=2019)
    assert [(f.path.name, f.status) for f in one.files] == [("decp-2019.json", "new")]
    assert {detect(f.path).name for f in default.files} == {"decp-2024"}


def test_an_official_file_that_is_not_decp_is_not_kept(
    mirror: Mirror, home: Settings, run_fetch: Any
) -> None:
    mirror.decp_official({"decp-2026-11.json": b"<!doctype html><html>maintenance</html>"})
    [report] = run_fetch(["decp-officiel"])
    assert report.error is not None
    target = home.home / "downloads" / "decp-officiel" / "decp-2026-11.json"
    assert report.error.one_line() == (
        f"{target}: le fichier téléchargé n'est pas au format DECP attendu (page HTML qui n'est "
        "pas au format DECP (élément <html>)). La source a peut-être changé de format ; rien n'a "
        "été gardé. Signalez-le."
    )
    assert list(target.parent.iterdir()) == []


def test_a_buyer_profile_file_is_remembered_and_asked_again_conditionally(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    data = shared_data / "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json"
    url = replay.file("/profil/decp-59920013600241.json", data.read_bytes())
    [first] = run_fetch(["decp"], urls=[url])
    [f] = first.files
    assert f.status == "new"
    assert f.path.parent.name == url.split("/")[2].replace(":", "_")
    mirror.decp_tabular(tabular_rows(shared_data)[:10])
    [second] = run_fetch(["decp"], territory=parse_territory("dep:74"))
    assert [x.status for x in second.files] == ["new", "unchanged"]
    last = replay.requests_to("/profil/decp-59920013600241.json")[-1]
    assert last.headers["if-none-match"] == replay.file_tags["/profil/decp-59920013600241.json"]

"""COG and La Poste: refreshed when their publisher releases a new version."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

from ancrage.fetch.cog import shipped_version
from ancrage.geo import Geography
from ancrage.geo.build import OUTPUT_FILES, installed_dir
from ancrage.geo.geography import shipped_data_dir
from ancrage.settings import Settings
from tests.fetch.mirror import Mirror, cog_tarball
from tests.fetch.replay import Replay

LAPOSTE = "geo/laposte_hexasmal_2022.csv"


def test_the_cog_in_use_is_up_to_date(mirror: Mirror, replay: Replay, run_fetch: Any) -> None:
    assert shipped_version() == "6.0.0"
    mirror.npm("6.0.0")
    [report] = run_fetch(["cog"])
    assert (report.files, report.error) == ([], None)
    assert report.notes == ["COG : à jour (version 6.0.0 du paquet)."]
    assert replay.requests_to("/npm/tarballs/decoupage-administratif-6.0.0.tgz") == []


def test_a_newer_cog_is_built_and_used(
    mirror: Mirror, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    mirror.npm("6.1.0", cog_tarball(shared_data, "6.1.0"))
    [report] = run_fetch(["cog"])
    assert report.error is None
    [f] = report.files
    assert (f.kind, f.path) == ("cog", home.reference_dir / "geo" / "6.1.0")
    assert report.notes == ["COG : version 6.1.0 installée (remplace la version 6.0.0)."]
    folder = installed_dir(home.reference_dir)
    assert folder == f.path
    shipped = shipped_data_dir()
    for name in OUTPUT_FILES:  # same data as the shipped 6.0.0: the same files, byte for byte
        assert (folder / name).read_bytes() == shipped.joinpath(name).read_bytes()
    assert Geography(folder).communes["86194"].nom == "Poitiers"
    [again] = run_fetch(["cog"])
    assert again.notes == ["COG : à jour (version 6.1.0 du paquet)."]


def test_a_cog_archive_of_another_shape_changes_nothing(
    mirror: Mirror, home: Settings, run_fetch: Any
) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/data/communes.csv")
        tar.addfile(info, io.BytesIO(b""))
    mirror.npm("7.0.0", buf.getvalue())
    [report] = run_fetch(["cog"])
    assert report.error is not None
    assert report.error.one_line() == (
        "l'archive du COG n'a pas le fichier data/communes.json. Le paquet du COG a peut-être "
        "changé de forme ; le COG en place est gardé."
    )
    assert installed_dir(home.reference_dir) is None
    assert not (home.home / "downloads" / "cog" / "decoupage-administratif-7.0.0.tgz").exists()


def test_la_poste_is_taken_when_it_changes_and_refused_without_points(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, shared_data: Path
) -> None:
    data = (shared_data / LAPOSTE).read_bytes()
    mirror.laposte(data)
    [report] = run_fetch(["laposte"])
    target = home.reference_dir / "laposte" / "laposte_hexasmal.csv"
    assert [(f.path, f.status) for f in report.files] == [(target, "new")]
    assert target.read_bytes() == data
    [same] = run_fetch(["laposte"])
    assert [f.status for f in same.files] == ["unchanged"]
    assert len(replay.requests_to("/static/resources/laposte-1/laposte_hexasmal.csv")) == 1
    # a new publication without coordinates (the 2024+ layout): refused, the copy in place stays
    mirror.laposte(
        "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5\n"
        "86194;POITIERS;86000;POITIERS;\n".encode(),
        version="2026-12-05T00:00:00+00:00",
    )
    [refused] = run_fetch(["laposte"])
    assert refused.error is not None
    assert refused.error.one_line() == (
        "la base des codes postaux publiée n'est plus lisible (la base des codes postaux n'a pas "
        "de colonnes Code_commune_INSEE et latitude/longitude (ou coordonnees_gps)). La Poste a "
        "changé le format ; la copie en place est gardée. Signalez-le."
    )
    assert target.read_bytes() == data

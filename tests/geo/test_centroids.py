"""La Poste postal code base: both layouts, the cache, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.geo import GeoDataError
from ancrage.geo.centroids import (
    POSTAL_BASE_FILE,
    ensure_postal_base,
    parse_postal_base,
    postal_base_for,
    read_postal_base,
)
from ancrage.settings import Settings

SPLIT = (
    "Code_commune_INSEE;Nom_commune;Code_postal;Ligne_5;Libellé_d_acheminement;latitude;longitude\n"
    "86194;POITIERS;86000;;POITIERS;46.5839207726;0.359947653003\n"
    "86062;CHASSENEUIL DU POITOU;86360;;CHASSENEUIL DU POITOU;46.6502;0.3735\n"
    "86062;CHASSENEUIL DU POITOU;86361;X;CHASSENEUIL DU POITOU;46.6504;0.3737\n"
    "98411;ILES ST PAUL;98411;;ILES;;\n"
)
GPS = (
    "\ufeff#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5;"
    "coordonnees_gps\n"
    '86194;POITIERS;86000;POITIERS;;"46.5839207726, 0.359947653003"\n'
)


def test_split_layout_of_the_shared_sample(postal_base: Path) -> None:
    points = read_postal_base(postal_base)
    assert len(points) == 35_091  # every INSEE code of the file has a point
    assert points["86194"] == pytest.approx((46.5839207726, 0.359947653003))
    assert "75056" not in points and "75101" in points


def test_gps_layout_and_mean_of_distinct_points() -> None:
    assert parse_postal_base(GPS.encode("utf-8")) == {"86194": (46.5839207726, 0.359947653003)}
    points = parse_postal_base(SPLIT.encode("utf-8"))
    assert points["86062"] == pytest.approx((46.6503, 0.3736))
    assert "98411" not in points


def test_cp1252_file_is_read() -> None:
    assert "86194" in parse_postal_base(SPLIT.encode("cp1252"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "<bytes>: la base des codes postaux est vide"),
        (b"\x81\x8d", "<bytes>: la base des codes postaux n'est ni en UTF-8 ni en Windows-1252"),
        (
            b"a;b;c\n1;2;3\n",
            "<bytes>: la base des codes postaux n'a pas de colonnes Code_commune_INSEE et "
            "latitude/longitude (ou coordonnees_gps)",
        ),
    ],
)
def test_unusable_files(raw: bytes, message: str) -> None:
    with pytest.raises(GeoDataError) as err:
        parse_postal_base(raw)
    assert err.value.one_line() == (
        f"{message}. Donnez le CSV « Base officielle des codes postaux » de La Poste "
        "(laposte_hexasmal, séparateur ';')."
    )


def test_download_once_into_the_cache(tmp_path: Path) -> None:
    calls: list[str] = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return SPLIT.encode("utf-8")

    settings_ = Settings.resolve(tmp_path / "home")
    first = postal_base_for(settings_, fetch=fetch)
    again = postal_base_for(settings_, fetch=fetch)
    assert first == again == tmp_path / "home" / "reference" / "laposte" / POSTAL_BASE_FILE
    assert len(calls) == 1 and "laposte_hexasmal" in calls[0]
    assert read_postal_base(first)["86194"] == pytest.approx((46.58392, 0.35995), abs=1e-5)


def test_a_broken_download_is_not_cached(tmp_path: Path) -> None:
    with pytest.raises(GeoDataError):
        ensure_postal_base(tmp_path, fetch=lambda url: b"<html>maintenance</html>")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_download_says_where_to_put_the_file(tmp_path: Path) -> None:
    def fetch(url: str) -> bytes:
        raise OSError("network unreachable")

    with pytest.raises(GeoDataError) as err:
        ensure_postal_base(tmp_path, url="https://example.invalid/x.csv", fetch=fetch)
    assert err.value.one_line() == (
        "https://example.invalid/x.csv: impossible de télécharger la base des codes postaux "
        "(network unreachable). Téléchargez-la à la main et enregistrez-la sous "
        f"{tmp_path / POSTAL_BASE_FILE}."
    )


def test_user_directory_is_read_not_downloaded(tmp_path: Path) -> None:
    settings_ = Settings.resolve(tmp_path / "home")
    with pytest.raises(GeoDataError) as err:
        postal_base_for(settings_, directory=tmp_path)
    assert err.value.one_line().startswith(
        f"{tmp_path}: pas de fichier laposte_hexasmal.csv dans le dossier de la base des codes "
        "postaux."
    )
    (tmp_path / POSTAL_BASE_FILE).write_text(SPLIT, encoding="utf-8")
    assert postal_base_for(settings_, directory=tmp_path) == tmp_path / POSTAL_BASE_FILE


def test_missing_file() -> None:
    with pytest.raises(GeoDataError) as err:
        read_postal_base(Path("/nonexistent/laposte.csv"))
    assert err.value.one_line().startswith(
        "/nonexistent/laposte.csv: impossible de lire la base des codes postaux "
        "(No such file or directory)"
    )


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_geo_data_error(raw: bytes) -> None:
    header = b"Code_commune_INSEE;latitude;longitude\n"
    try:
        points = parse_postal_base(header + raw)
    except GeoDataError:
        return
    for lat, lon in points.values():
        assert -90 <= lat <= 90 and -180 <= lon <= 180

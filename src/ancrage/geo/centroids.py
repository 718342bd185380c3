"""Commune points from La Poste's « Base officielle des codes postaux » (``laposte_hexasmal``).

No registry package ships commune centroids (checked: ``@etalab/decoupage-administratif`` 6.0.0
and ``codes-postaux`` 4.1.2 on npm have none), so the file is downloaded from La Poste at run
time into ``Settings.reference_dir / "laposte"`` (:func:`ensure_postal_base`) or read from any
path the user gives (:func:`read_postal_base`).

Two layouts are accepted, both ``;``-separated: the split one (``latitude`` and ``longitude``
columns) and La Poste's own export (one ``coordonnees_gps`` column holding ``"lat, lon"``).
The point is La Poste's commune-level point (WGS84), one per INSEE code; when a code has
several rows (one per postal code / lieu-dit), the distinct points are averaged.
"""

from __future__ import annotations

import csv
import io
import math
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ancrage.geo.errors import GeoDataError
from ancrage.geo.text import fold
from ancrage.settings import Settings

POSTAL_BASE_URL = (
    "https://datanova.laposte.fr/explore/dataset/laposte_hexasmal/download/"
    "?format=csv&timezone=Europe/Berlin&lang=fr&use_labels_for_header=true&csv_separator=%3B"
)
POSTAL_BASE_FILE = "laposte_hexasmal.csv"
ATTRIBUTION = "La Poste — Base officielle des codes postaux"

Point = tuple[float, float]
Fetch = Callable[[str], bytes]

# Header names are folded with :func:`fold` before matching.
_CODE_COLUMNS = ("code commune insee",)
_LAT_COLUMNS = ("latitude",)
_LON_COLUMNS = ("longitude",)
_GPS_COLUMNS = ("coordonnees gps", "coordonnees")


def _decode(raw: bytes, source: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # cp1252: older La Poste exports
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise GeoDataError(
        "la base des codes postaux n'est ni en UTF-8 ni en Windows-1252",
        file=source,
        hint=_HINT,
    )


def _pick(header: Mapping[str, int], names: Iterable[str]) -> int | None:
    for name in names:
        if name in header:
            return header[name]
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_postal_base(raw: bytes, *, source: str = "<bytes>") -> dict[str, Point]:
    """INSEE code → point; rows without a readable point are skipped."""
    reader = csv.reader(io.StringIO(_decode(raw, source), newline=""), delimiter=";")
    try:
        first = next(reader, None)
    except csv.Error as exc:
        raise GeoDataError(
            f"la base des codes postaux n'est pas un CSV lisible ({exc})", file=source, hint=_HINT
        ) from exc
    if first is None:
        raise GeoDataError("la base des codes postaux est vide", file=source, hint=_HINT)
    header = {fold(name): i for i, name in enumerate(first)}
    code_col = _pick(header, _CODE_COLUMNS)
    lat_col, lon_col = _pick(header, _LAT_COLUMNS), _pick(header, _LON_COLUMNS)
    gps_col = _pick(header, _GPS_COLUMNS)
    if code_col is None or ((lat_col is None or lon_col is None) and gps_col is None):
        raise GeoDataError(
            "la base des codes postaux n'a pas de colonnes Code_commune_INSEE et "
            "latitude/longitude (ou coordonnees_gps)",
            file=source,
            hint=_HINT,
        )
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise GeoDataError(
            f"la base des codes postaux n'est pas un CSV lisible ({exc})", file=source, hint=_HINT
        ) from exc
    points: dict[str, set[Point]] = defaultdict(set)
    for row in rows:
        if len(row) <= code_col:
            continue
        code = row[code_col].strip()
        lat: float | None = None
        lon: float | None = None
        if lat_col is not None and lon_col is not None and len(row) > max(lat_col, lon_col):
            lat, lon = _number(row[lat_col]), _number(row[lon_col])
        if (lat is None or lon is None) and gps_col is not None and len(row) > gps_col:
            parts = row[gps_col].split(",")
            if len(parts) == 2:
                lat, lon = _number(parts[0]), _number(parts[1])
        if len(code) != 5 or lat is None or lon is None:
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            points[code].add((lat, lon))
    return {code: mean_point(pts) for code, pts in points.items()}


def mean_point(points: Iterable[Point]) -> Point:
    pts = sorted(points)
    return (sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def read_postal_base(path: Path) -> dict[str, Point]:
    return parse_postal_base(read_bytes(path), source=str(path))


def _urllib_fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=120) as response:
        data: bytes = response.read()
    return data


def ensure_postal_base(
    directory: Path, *, url: str = POSTAL_BASE_URL, fetch: Fetch | None = None
) -> Path:
    """The cached postal code base in ``directory``, downloaded once if missing."""
    target = directory / POSTAL_BASE_FILE
    if target.is_file():
        return target
    try:
        raw = (fetch or _urllib_fetch)(url)
    except OSError as exc:
        raise GeoDataError(
            f"impossible de télécharger la base des codes postaux ({exc})",
            file=url,
            hint=f"Téléchargez-la à la main et enregistrez-la sous {target}.",
        ) from exc
    parse_postal_base(raw, source=url)  # refuse to cache something unusable
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(raw)
    partial.replace(target)
    return target


def postal_base_for(
    settings: Settings, *, directory: Path | None = None, fetch: Fetch | None = None
) -> Path:
    """The postal code base for these settings: read from ``directory`` when given (a
    user-managed copy, never downloaded into), else cached under
    ``settings.reference_dir / "laposte"`` and downloaded once."""
    if directory is not None:
        target = directory / POSTAL_BASE_FILE
        if not target.is_file():
            raise GeoDataError(
                f"pas de fichier {POSTAL_BASE_FILE} dans le dossier de la base des codes postaux",
                file=directory,
                hint=_HINT,
            )
        return target
    return ensure_postal_base(settings.reference_dir / "laposte", fetch=fetch)


def cached_postal_base(settings: Settings, given: Path | None = None) -> Path | None:
    """La Poste's file to use: the one ``given`` (a file, or a folder holding
    :data:`POSTAL_BASE_FILE`), else the copy cached under ``settings.reference_dir``
    (downloaded, or remembered from an earlier ``enrich --laposte``), else ``None``."""
    if given is not None:
        return given / POSTAL_BASE_FILE if given.is_dir() else given
    cached = settings.reference_dir / "laposte" / POSTAL_BASE_FILE
    return cached if cached.is_file() else None


def remember_postal_base(settings: Settings, path: Path) -> Path:
    """Copy a user's La Poste file into the cache (once, atomically), so that later commands
    (``report``, the watch) find it without being told again; returns the cached path. The
    file must be readable as a postal base."""
    target = settings.reference_dir / "laposte" / POSTAL_BASE_FILE
    raw = read_bytes(path)
    if target.is_file() and target.read_bytes() == raw:
        return target
    parse_postal_base(raw, source=str(path))  # refuse to cache something unusable
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(raw)
    partial.replace(target)
    return target


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GeoDataError(
            f"impossible de lire la base des codes postaux ({exc.strerror})",
            file=path,
            hint=_HINT,
        ) from exc


_HINT = (
    "Donnez le CSV « Base officielle des codes postaux » de La Poste (laposte_hexasmal, "
    "séparateur ';')."
)

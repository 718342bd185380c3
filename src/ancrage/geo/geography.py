"""The COG 2026 as one lazily loaded object.

Nothing is read at import or construction: each table is read from the shipped files
(``ancrage/data/geo``) on first use. Commune points (for distances) come from La Poste's postal
code base when a path is given (see :mod:`ancrage.geo.centroids`).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cached_property, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ancrage.geo.centroids import Point, mean_point, read_postal_base
from ancrage.geo.errors import GeoDataError, TerritoryError
from ancrage.geo.model import (
    Arrondissement,
    Commune,
    CommuneType,
    Departement,
    Epci,
    Region,
    TerritoryKind,
)
from ancrage.geo.text import fold

_WITH_DEP = re.compile(r"\s*(.+?)\s*\(\s*(\d\d|2[AaBb]|97\d)\s*\)\s*")

MILLESIME = "2026"
EARTH_RADIUS_KM = 6371.0088

CommuneRef = str | Commune

_TYPES: dict[str, CommuneType] = {
    "commune-actuelle": "commune-actuelle",
    "arrondissement-municipal": "arrondissement-municipal",
    "commune-deleguee": "commune-deleguee",
    "commune-associee": "commune-associee",
}
# How a code reached its current commune (reason strings, French: shown in reports).
HOW_CURRENT = "code commune"
HOW = {
    "arrondissement-municipal": "arrondissement municipal",
    "commune-deleguee": "commune déléguée",
    "commune-associee": "commune associée",
    "ancien": "ancien code (commune fusionnée)",
}


def shipped_data_dir() -> Traversable:
    return resources.files("ancrage").joinpath("data", "geo")


@lru_cache(maxsize=8)
def shared_geography(data_dir: Path | None, postal_base: Path | None) -> Geography:
    """One geography per process for the same files (``(None, None)``: the shipped COG, the
    default geography)."""
    return Geography(data_dir, postal_base=postal_base)


def read_rows(base: Traversable | Path, name: str) -> list[dict[str, str]]:
    entry = base.joinpath(name)
    try:
        raw = entry.read_bytes()
    except OSError as exc:
        raise GeoDataError(
            f"impossible de lire le fichier géographique livré {name} ({exc})",
            file=str(entry),
            hint="Réinstallez ancrage ou reconstruisez ce fichier avec scripts/build_geo.py.",
        ) from exc
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def _opt(text: str) -> str | None:
    return text or None


def _int(text: str) -> int | None:
    return int(text) if text else None


def haversine_km(a: Point, b: Point) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Geography:
    """Communes, EPCI, départements and régions of the COG 2026, loaded on first use.

    ``postal_base`` is the path of La Poste's postal code base CSV, the source of commune points;
    without it :meth:`centroid` returns ``None``.
    """

    millesime = MILLESIME

    def __init__(self, data_dir: Path | None = None, *, postal_base: Path | None = None) -> None:
        self._base: Traversable | Path = data_dir if data_dir is not None else shipped_data_dir()
        self._data_dir = data_dir
        self.postal_base = postal_base

    def __reduce__(self) -> tuple[Any, tuple[Path | None, Path | None]]:
        """Pickled as where its tables come from, not as the tables: unpickled, it is the
        process's shared geography of those files (a stored report, whose territory refers to
        its geography, does not carry the whole COG)."""
        return (shared_geography, (self._data_dir, self.postal_base))

    # ---- tables (lazy) -------------------------------------------------------------------
    @cached_property
    def _entities(self) -> tuple[dict[str, Commune], dict[str, Commune]]:
        current: dict[str, Commune] = {}
        others: dict[str, Commune] = {}
        for row in read_rows(self._base, "communes.csv.gz"):
            commune = Commune(
                code=row["code"],
                nom=row["nom"],
                type=_TYPES[row["type"]],
                departement=row["departement"],
                region=row["region"],
                zone=row["zone"],
                commune=_opt(row["commune"]),
                arrondissement=_opt(row["arrondissement"]),
                epci=_opt(row["epci"]),
                siren=_opt(row["siren"]),
                codes_postaux=tuple(row["codes_postaux"].split()),
                population=_int(row["population"]),
            )
            if commune.is_current:
                current[commune.code] = commune
            else:
                others.setdefault(commune.code, commune)
        return current, others

    @property
    def communes(self) -> dict[str, Commune]:
        """Current communes (``commune-actuelle``) by INSEE code."""
        return self._entities[0]

    @cached_property
    def _old_codes(self) -> dict[str, str]:
        return {r["ancien_code"]: r["code"] for r in read_rows(self._base, "anciens_codes.csv.gz")}

    @cached_property
    def epcis(self) -> dict[str, Epci]:
        return {
            r["code"]: Epci(
                code=r["code"],
                nom=r["nom"],
                type=r["type"],
                mode_financement=_opt(r["mode_financement"]),
                population=_int(r["population"]),
                membres=tuple(r["membres"].split()),
            )
            for r in read_rows(self._base, "epci.csv.gz")
        }

    @cached_property
    def departements(self) -> dict[str, Departement]:
        return {
            r["code"]: Departement(r["code"], r["nom"], r["region"], r["chef_lieu"], r["zone"])
            for r in read_rows(self._base, "departements.csv")
        }

    @cached_property
    def regions(self) -> dict[str, Region]:
        return {
            r["code"]: Region(r["code"], r["nom"], r["chef_lieu"], r["zone"])
            for r in read_rows(self._base, "regions.csv")
        }

    @cached_property
    def arrondissements(self) -> dict[str, Arrondissement]:
        return {
            r["code"]: Arrondissement(
                r["code"], r["nom"], r["departement"], r["region"], r["chef_lieu"]
            )
            for r in read_rows(self._base, "arrondissements.csv")
        }

    @cached_property
    def _postal(self) -> dict[str, tuple[str, ...]]:
        index: dict[str, list[str]] = defaultdict(list)
        for commune in self.communes.values():
            for cp in commune.codes_postaux:
                index[cp].append(commune.code)
        return {cp: tuple(sorted(codes)) for cp, codes in index.items()}

    @cached_property
    def names(self) -> dict[str, list[tuple[TerritoryKind, str]]]:
        """Folded French name → ``(kind, code)`` of every région, département, EPCI and
        current commune with that name (kinds: ``reg``, ``dep``, ``epci``, ``commune``)."""
        index: dict[str, list[tuple[TerritoryKind, str]]] = defaultdict(list)
        for region in self.regions.values():
            index[fold(region.nom)].append(("reg", region.code))
        for dep in self.departements.values():
            index[fold(dep.nom)].append(("dep", dep.code))
        for epci in self.epcis.values():
            index[fold(epci.nom)].append(("epci", epci.code))
        for commune in self.communes.values():
            index[fold(commune.nom)].append(("commune", commune.code))
        return dict(index)

    # ---- communes ------------------------------------------------------------------------
    def communes_named(self, text: str) -> list[Commune]:
        """Current communes named ``text`` (accents, case, hyphens and apostrophes aside), by
        code; ``Saint-Denis (93)`` keeps those of that département."""
        given = _WITH_DEP.fullmatch(text)
        name, dep = (given[1], given[2].upper()) if given else (text, None)
        codes = sorted(c for kind, c in self.names.get(fold(name), []) if kind == "commune")
        found = [self.communes[c] for c in codes]
        return [c for c in found if dep is None or c.departement == dep]

    def lookup_commune(self, code: str) -> tuple[Commune, str] | None:
        """The current commune a code designates, and how (a short French reason)."""
        code = code.strip().upper()
        current, others = self._entities
        if code in current:
            return current[code], HOW_CURRENT
        other = others.get(code)
        if other is not None and other.commune in current:
            return current[other.commune], HOW[other.type]
        new_code = self._old_codes.get(code)
        if new_code is not None:
            return current[new_code], HOW["ancien"]
        return None

    def commune(self, code: CommuneRef) -> Commune:
        """The current commune for a current code, an old code of a merged commune, a commune
        déléguée/associée or an arrondissement municipal (Paris, Lyon, Marseille)."""
        if isinstance(code, Commune):
            return code if code.is_current else self.commune(code.code)
        found = self.lookup_commune(code)
        if found is None:
            raise TerritoryError(
                f"code de commune inconnu « {code} » (COG {MILLESIME})",
                hint="Donnez un code INSEE à 5 caractères comme 86194 (pas un code postal).",
            )
        return found[0]

    def entity(self, code: str) -> Commune | None:
        """The COG entity with exactly this code (current first), without any mapping."""
        current, others = self._entities
        return current.get(code) or others.get(code)

    def iter_entities(self) -> Iterator[Commune]:
        current, others = self._entities
        yield from current.values()
        yield from others.values()

    def epci_of(self, commune: CommuneRef) -> Epci | None:
        """The EPCI à fiscalité propre of a commune (``None`` for the few outside any)."""
        epci = self.commune(commune).epci
        return self.epcis[epci] if epci else None

    def departement_of(self, commune: CommuneRef) -> Departement:
        return self.departements[self.commune(commune).departement]

    def region_of(self, place: CommuneRef | Departement) -> Region:
        """The région of a commune, a :class:`Departement` or a département code (≤ 3 chars)."""
        if isinstance(place, Departement):
            return self.regions[place.region]
        if isinstance(place, str) and len(place.strip()) <= 3:
            dep = self.departements.get(place.strip().upper())
            if dep is None:
                raise TerritoryError(
                    f"code de département inconnu « {place} » (COG {MILLESIME})",
                    hint="Donnez un code comme 86, 2A ou 971.",
                )
            return self.regions[dep.region]
        return self.regions[self.commune(place).region]

    def communes_of_postal_code(self, postal_code: str) -> list[Commune]:
        """Current communes served by a postal code (empty when the code is unknown)."""
        return [self.communes[c] for c in self._postal.get(postal_code.strip(), ())]

    # ---- points and distances -------------------------------------------------------------
    @cached_property
    def _centroids(self) -> dict[str, Point]:
        if self.postal_base is None:
            return {}
        raw = read_postal_base(self.postal_base)
        current, others = self._entities
        parts: dict[str, set[str]] = defaultdict(set)
        for other in others.values():
            if other.commune:
                parts[other.commune].add(other.code)
        for old, new in self._old_codes.items():
            parts[new].add(old)
        points: dict[str, Point] = {}
        for code in current:
            if code in raw:
                points[code] = raw[code]
                continue
            # Paris/Lyon/Marseille (file has arrondissements) and communes created after the
            # file: mean of the points of their parts.
            found = [raw[p] for p in parts.get(code, ()) if p in raw]
            if found:
                points[code] = mean_point(found)
        return points

    def centroid(self, commune: CommuneRef) -> Point | None:
        """(latitude, longitude) of the commune's point, ``None`` when unknown."""
        return self._centroids.get(self.commune(commune).code)

    def distance_km(self, commune_a: CommuneRef, commune_b: CommuneRef) -> float | None:
        """Great-circle distance between two commune points (``None`` if one is unknown)."""
        a, b = self.centroid(commune_a), self.centroid(commune_b)
        if a is None or b is None:
            return None
        return haversine_km(a, b)

"""Radius geometry: which départements a circle around a commune reaches, and the points of
profiles and notices (:class:`Locator`), with the commune points of every département as unit
vectors for fast radius queries (:class:`DepPoints`).

Answers are the scalar ones (:func:`ancrage.geo.geography.haversine_km`): numpy settles the
clear cases, the points within :data:`KM_MARGIN` of a radius are checked with the scalar
formula.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ancrage.geo.centroids import Point, cached_postal_base
from ancrage.geo.geography import EARTH_RADIUS_KM, Geography, haversine_km
from ancrage.geo.text import fold
from ancrage.settings import Settings

Floats = npt.NDArray[np.float64]
KM_MARGIN = 1e-6  # a distance this close to a radius is checked with the scalar haversine
BOX_MARGIN_KM = 5.0  # a bounding box's nearest point is a lower bound of its distance, ±<1 km
DOT_SLACK = 1e-12  # error bound of a dot product of unit vectors, far above float64's
REACH_KM = 100.0  # radius queries scan this far at least, for the next radii of the same centre


def haversine(lat1: Floats | float, lon1: Floats | float, lat2: Floats, lon2: Floats) -> Floats:
    """:func:`ancrage.geo.geography.haversine_km` over arrays of points in radians (the same
    formula; sine and cosine may differ from the C library's in the last bit)."""
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    km: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return km


class DepPoints:
    """Commune points of every département as unit vectors (x, y, z), sorted by latitude,
    for radius queries: a point lies within ``r`` km of a centre when the dot product of their
    vectors is at least ``cos(r / R)``, and it cannot when its latitude differs by more than
    ``r / R``. Points too close to the bound to tell are left to :func:`haversine_km`.

    Per centre, the best dot product of each département within reach of
    :data:`REACH_KM` (or of the largest radius asked) is kept, so a centre asked with several
    radii is scanned once."""

    def __init__(
        self, points: dict[str, tuple[tuple[float, float, float, float], list[Point]]]
    ) -> None:
        self.names = list(points)
        self.boxes = [points[d][0] for d in self.names]
        self.box_array = np.array(self.boxes, dtype=np.float64).reshape(-1, 4)
        every = [(pt, d) for d, name in enumerate(self.names) for pt in points[name][1]]
        every.sort(key=lambda item: item[0][0])
        self.points = [pt for pt, _ in every]
        self.dep_of = np.array([d for _, d in every], dtype=np.int64)
        rad = np.radians(np.array(self.points, dtype=np.float64).reshape(-1, 2))
        lat, lon = rad[:, 0], rad[:, 1]
        self.lat = np.ascontiguousarray(lat)
        self.vectors = np.ascontiguousarray(
            np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
        )
        self._best = np.full(len(self.names), -2.0)  # scratch, one cell per département
        self._reach: dict[Point, tuple[float, list[int], list[float], list[float]]] = {}

    def _band(self, home: Point, radius_km: float) -> tuple[int, npt.NDArray[np.float64]]:
        """Start of the latitude band that can hold points within the radius, and the dot
        products of its points with the centre."""
        rlat, rlon = math.radians(home[0]), math.radians(home[1])
        band = (radius_km + 1.0) / EARTH_RADIUS_KM  # |Δ latitude| × R ≤ distance
        lo, hi = np.searchsorted(self.lat, [rlat - band, rlat + band]).tolist()
        centre = np.array(
            [math.cos(rlat) * math.cos(rlon), math.cos(rlat) * math.sin(rlon), math.sin(rlat)]
        )
        return lo, self.vectors[lo:hi] @ centre

    def _scan(self, home: Point, reach: float) -> tuple[float, list[int], list[float], list[float]]:
        """Départements with a point within ``reach`` km (bound included), their best dot
        product, and the distance of their box's nearest point."""
        lo, dots = self._band(home, reach)
        bound = math.cos((reach + 1.0) / EARTH_RADIUS_KM)
        near = np.flatnonzero(dots >= bound)
        best = self._best
        np.maximum.at(best, self.dep_of[lo + near], dots[near])
        found = np.flatnonzero(best >= bound).tolist()
        tops = best[found].tolist()
        best[:] = -2.0
        lat, lon = home
        box = self.box_array[found]
        near_lat = np.minimum(np.maximum(lat, box[:, 0]), box[:, 1])
        near_lon = np.minimum(np.maximum(lon, box[:, 2]), box[:, 3])
        km = haversine(
            math.radians(lat), math.radians(lon), np.radians(near_lat), np.radians(near_lon)
        )
        return reach, found, tops, km.tolist()

    def _box_km(self, home: Point, d: int) -> float:
        """The scalar distance of the nearest point of a département's box, as the scan."""
        lat0, lat1, lon0, lon1 = self.boxes[d]
        return haversine_km(home, (min(max(home[0], lat0), lat1), min(max(home[1], lon0), lon1)))

    def within(self, home: Point, radius_km: float, skip: set[str]) -> set[str]:
        """Départements (other than ``skip``) with a point within ``radius_km`` of ``home``,
        among those whose bounding box is within reach (as the scalar scan)."""
        known = self._reach.get(home)
        if known is None or known[0] < radius_km:
            known = self._reach[home] = self._scan(home, max(radius_km, REACH_KM))
        _, found, tops, boxes = known
        sure = math.cos(max(0.0, radius_km - KM_MARGIN) / EARTH_RADIUS_KM) + DOT_SLACK
        maybe = math.cos((radius_km + KM_MARGIN) / EARTH_RADIUS_KM) - DOT_SLACK
        out: set[str] = set()
        for d, top, box in zip(found, tops, boxes, strict=True):
            name = self.names[d]
            if top < maybe or name in skip:
                continue
            limit = radius_km + BOX_MARGIN_KM  # the scalar code never scans a box beyond this
            if box > limit + KM_MARGIN or (
                box >= limit - KM_MARGIN and self._box_km(home, d) > limit
            ):
                continue
            if top > sure:
                out.add(name)
                continue
            lo, dots = self._band(home, radius_km)  # too close to tell: scalar haversine
            close = np.flatnonzero((dots >= maybe) & (self.dep_of[lo:lo + len(dots)] == d))
            if any(haversine_km(home, self.points[lo + i]) <= radius_km for i in close.tolist()):
                out.add(name)
        return out


class Locator:
    """Points and départements of profiles and notices, from the COG (and La Poste's points
    when the postal base is there: without it, distances are unknown and areas are by
    département)."""

    def __init__(self, geography: Geography | None = None) -> None:
        self.geo = geography if geography is not None else Geography()

    @classmethod
    def for_settings(cls, settings: Settings) -> Locator:
        return cls(Geography(postal_base=cached_postal_base(settings)))

    @classmethod
    def with_postal_base(cls, path: Path | None) -> Locator:
        return cls(Geography(postal_base=path))

    def commune_point(self, code: str | None) -> Point | None:
        if not code or self.geo.lookup_commune(code) is None:
            return None
        return self.geo.centroid(code)

    @cached_property
    def _dep_points(self) -> dict[str, tuple[tuple[float, float, float, float], list[Point]]]:
        """Commune points of each département, with their bounding box (lat min, lat max,
        lon min, lon max), read once."""
        points: dict[str, list[Point]] = defaultdict(list)
        for code, commune in self.geo.communes.items():
            point = self.geo.centroid(code)
            if point is not None:
                points[commune.departement].append(point)
        return {
            dep: (
                (
                    min(p[0] for p in pts),
                    max(p[0] for p in pts),
                    min(p[1] for p in pts),
                    max(p[1] for p in pts),
                ),
                pts,
            )
            for dep, pts in points.items()
        }

    @cached_property
    def _dep_arrays(self) -> DepPoints:
        return DepPoints(self._dep_points)

    @lru_cache(maxsize=65536)  # noqa: B019 - one locator per run, bounded
    def deps_within(self, commune: str, radius_km: float) -> frozenset[str]:
        """Départements with at least one commune point within the radius (the own département
        only when points are unknown). A département whose bounding box lies farther than the
        radius (with a margin for the box's curved edges) is not scanned; the points of the
        others are compared with numpy (:class:`DepPoints`), and those too close to the
        radius to tell are checked with :func:`haversine_km`, so the answer is the scalar
        one."""
        found = self.geo.lookup_commune(commune)
        if found is None:
            return frozenset()
        home = self.geo.centroid(found[0].code)
        deps = {found[0].departement}
        if home is None or not self._dep_points:
            return frozenset(deps)
        within = self._dep_arrays.within(home, radius_km, skip=deps)
        return frozenset(deps | within)

    @lru_cache(maxsize=65536)  # noqa: B019
    def place_point(
        self, name: str | None, postal_code: str | None, city: str | None, deps: frozenset[str]
    ) -> tuple[Point | None, str | None]:
        """The point of a place written as a commune name (within ``deps``), else of the
        buyer's postal code and city; with the commune's name."""
        if name:
            key = fold(name.replace("cédex", "").replace("cedex", ""))
            for kind, code in self.geo.names.get(key, []):
                commune = self.geo.communes.get(code) if kind == "commune" else None
                if commune is not None and (not deps or commune.departement in deps):
                    return self.geo.centroid(code), commune.nom
        if postal_code and len(postal_code) == 5 and postal_code.isdigit():
            communes = self.geo.communes_of_postal_code(postal_code)
            wanted = fold((city or "").split(" cedex")[0].split(" CEDEX")[0])
            chosen = next((c for c in communes if fold(c.nom) == wanted), None)
            if chosen is None and communes:
                chosen = communes[0]
            if chosen is not None and (not deps or chosen.departement in deps):
                return self.geo.centroid(chosen.code), chosen.nom
        if city:  # a CEDEX postal code: the city name, without "cedex" and its number
            key = fold(re.split(r"(?i)\bcedex\b", city)[0])
            for kind, code in self.geo.names.get(key, []):
                commune = self.geo.communes.get(code) if kind == "commune" else None
                if commune is not None and (not deps or commune.departement in deps):
                    return self.geo.centroid(code), commune.nom
        return None, None

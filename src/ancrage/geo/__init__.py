"""French geography (COG 2026): communes, EPCI, départements, régions, places, territories.

Reference data ship with the package (``ancrage/data/geo``, built by ``scripts/build_geo.py``
from the npm package ``@etalab/decoupage-administratif``); commune points come from La Poste's
postal code base, downloaded at run time (:mod:`ancrage.geo.centroids`).
"""

from ancrage.geo.errors import GeoDataError, TerritoryError
from ancrage.geo.geography import Geography
from ancrage.geo.model import Arrondissement, Commune, Departement, Epci, Region
from ancrage.geo.places import ResolvedPlace, resolve_place
from ancrage.geo.territory import Territory, default_geography, parse_territory

__all__ = [
    "Arrondissement",
    "Commune",
    "Departement",
    "Epci",
    "GeoDataError",
    "Geography",
    "Region",
    "ResolvedPlace",
    "Territory",
    "TerritoryError",
    "default_geography",
    "parse_territory",
    "resolve_place",
]

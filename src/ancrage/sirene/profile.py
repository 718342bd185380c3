"""Supplier profile rules: size class, artisan / ESS flags, locality ring, distance.

Rules are table-driven (``data/sirene/size_rules.csv``, ``headcount_bands.csv``,
``legal_categories.csv``, ``french_territories.csv``) and documented in ``docs/sirene.md``.
Unknown inputs give unknown outputs, never a guess.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from ancrage.sirene.model import SireneRecord, category_code, headcount_code
from ancrage.sirene.tables import (
    french_territories,
    headcount_bands,
    legal_category_rules,
    size_rules,
)


@dataclass(frozen=True, slots=True)
class SizeClass:
    """Approximate size class (décret 2008-1354) from SIRENE, with its year and basis."""

    size: str | None  # TPE / PME / ETI / GE; None = unknown
    year: int | None
    basis: str | None  # "categorieEntreprise 2022", "tranche d'effectifs 2021"...


def size_class(
    category: str | None,
    category_year: int | None,
    headcount_band: str | None,
    headcount_year: int | None,
) -> SizeClass:
    """TPE / PME / ETI / GE from ``categorieEntreprise`` and ``trancheEffectifsUniteLegale``.

    ``categorieEntreprise`` (computed by INSEE at firm level) decides PME / ETI / GE; a PME — or a
    unit without category — whose legal unit has fewer than 10 employees (tranche NN, 00–03) is a
    TPE. A unit without category and with 10 employees or more stays unknown (turnover and group
    are not in SIRENE).
    """
    cat = category_code(category) or "missing"
    band = headcount_code(headcount_band)
    group = "missing" if band is None else ("tpe" if headcount_bands()[band].tpe else "other")
    rule = size_rules()[(cat, group)]
    if rule.size is None or rule.basis is None:
        return SizeClass(None, None, None)
    cat_basis = _basis("categorieEntreprise", category_year)
    band_basis = _basis("tranche d'effectifs", headcount_year)
    if rule.basis == "category":
        return SizeClass(rule.size, category_year, cat_basis)
    if rule.basis == "band":
        return SizeClass(rule.size, headcount_year, band_basis)
    return SizeClass(rule.size, headcount_year, f"{cat_basis} + {band_basis}")


def _basis(label: str, year: int | None) -> str:
    return f"{label} {year}" if year is not None else f"{label} (année inconnue)"


def record_size_class(record: SireneRecord) -> SizeClass:
    return size_class(
        record.category, record.category_year, record.headcount_band, record.headcount_year
    )


def is_artisan(record: SireneRecord) -> bool:
    """Registered at the Répertoire des métiers (``activitePrincipaleRegistreMetiers…`` filled)."""
    return record.nafa is not None


def is_ess(record: SireneRecord) -> bool | None:
    """``economieSocialeSolidaireUniteLegale`` = O; ``None`` when SIRENE does not say."""
    return record.ess


def buyer_kind(legal_category: str | None) -> str | None:
    """Public buyer kind (commune, epci, hospital, university, state…) from the legal category."""
    if legal_category is None or not legal_category.strip().isdigit():
        return None
    code = int(legal_category)
    matches = [r for r in legal_category_rules() if r.code_min <= code <= r.code_max]
    if not matches:
        return None
    return min(matches, key=lambda r: r.code_max - r.code_min).buyer_kind


EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


class Ring(StrEnum):
    """Exclusive locality rings of a supplier around a buyer (innermost first)."""

    SAME_COMMUNE = "same_commune"
    SAME_EPCI = "same_epci"
    SAME_DEPARTEMENT = "same_departement"
    SAME_REGION = "same_region"
    REST_OF_FRANCE = "rest_of_france"
    ABROAD = "abroad"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Place:
    """Where a party is. ``country`` is ISO 3166 alpha-2 (``FR`` for metropolitan France and the
    DROM). When ``commune`` is known, ``epci=None`` means the commune belongs to no EPCI.
    ``abroad`` says the party is known to be outside France while its country is not known (a
    ``HORS-UE`` identifier, a SIRENE country code missing from ``insee_countries.csv``)."""

    commune: str | None = None
    epci: str | None = None
    departement: str | None = None
    region: str | None = None
    country: str | None = None
    abroad: bool = False

    @property
    def effective_country(self) -> str | None:
        if self.country is not None:
            return self.country
        if self.abroad:
            return None
        return "FR" if self.commune or self.departement or self.region else None


def locality_ring(
    supplier: Place,
    buyer: Place,
    cross_departement_epcis: Collection[frozenset[str]] = frozenset(),
) -> Ring:
    """The innermost ring the data proves for a supplier around a buyer (rule in docs/sirene.md).

    It looks only at missing / empty values, equality of the supplier's and buyer's value of a
    level, ``FR`` and French-territory membership of the countries, ``abroad`` and the spanned
    département pairs: enrichment evaluates it once per such signature
    (``ancrage.enrich.lookups.pair_signature_sql``; keep the two in step).

    ``cross_departement_epcis``: pairs of départements that some EPCI spans (see
    ``ancrage.enrich.geotables.epci_departement_pairs``); two different départements rule the
    same EPCI out only when no EPCI spans them. Without it, no EPCI is assumed to span two
    départements.
    """
    s_country, b_country = supplier.effective_country, buyer.effective_country
    french = french_territories()
    s_out = supplier.abroad and s_country is None
    b_out = buyer.abroad and b_country is None
    if s_out or b_out:
        # outside France, country unknown: abroad from a party in France, else cannot be told
        other = None if s_out and b_out else (b_country if s_out else s_country)
        return Ring.ABROAD if other in french else Ring.UNKNOWN
    if s_country is None or b_country is None:
        return Ring.UNKNOWN
    if s_country != b_country:
        return Ring.REST_OF_FRANCE if {s_country, b_country} <= french else Ring.ABROAD
    if supplier.commune and buyer.commune:
        ring = _walk_from_communes(supplier, buyer)
        if ring is not Ring.UNKNOWN:
            return ring
    return _coarse_ring(supplier, buyer, cross_departement_epcis)


def _known_pair(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None


def _walk_from_communes(s: Place, b: Place) -> Ring:
    """Both communes known: walk outwards; a level unknown on one side stops the walk."""
    if s.commune == b.commune:
        return Ring.SAME_COMMUNE
    if s.epci is not None and s.epci == b.epci:  # communes known: no EPCI is not the same EPCI
        return Ring.SAME_EPCI
    if not _known_pair(s.departement, b.departement):
        return Ring.UNKNOWN
    if s.departement == b.departement:
        return Ring.SAME_DEPARTEMENT
    if not _known_pair(s.region, b.region):
        return Ring.UNKNOWN
    return Ring.SAME_REGION if s.region == b.region else Ring.REST_OF_FRANCE


def _coarse_ring(s: Place, b: Place, cross: Collection[frozenset[str]]) -> Ring:
    """A commune unknown (or a level missing on the way out): what the coarser levels prove.

    A known *different* level rules the inner rings out; otherwise the finest level known on both
    sides and equal is the ring (the supplier may in fact be closer: ``located_by`` tells).
    """
    if _known_pair(s.region, b.region) and s.region != b.region:
        return Ring.REST_OF_FRANCE
    if _known_pair(s.departement, b.departement) and s.departement != b.departement:
        if frozenset((s.departement, b.departement)) in cross:
            return Ring.UNKNOWN  # an EPCI spans both: the same EPCI is not ruled out
        if s.region is not None and s.region == b.region:
            return Ring.SAME_REGION
        return Ring.UNKNOWN
    if _known_pair(s.epci, b.epci):
        if s.epci == b.epci:
            return Ring.SAME_EPCI
        if s.departement is not None and s.departement == b.departement:
            return Ring.SAME_DEPARTEMENT
    if _known_pair(s.departement, b.departement):
        return Ring.SAME_DEPARTEMENT  # equal: different ones were handled above
    if s.region is not None and s.region == b.region:
        return Ring.SAME_REGION
    return Ring.UNKNOWN


def distance_km(
    supplier: tuple[float, float] | None, buyer: tuple[float, float] | None
) -> float | None:
    """Great-circle distance between two (latitude, longitude) centroids, in km."""
    if supplier is None or buyer is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*supplier, *buyer))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))

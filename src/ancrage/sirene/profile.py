"""Supplier profile rules: size class, artisan / ESS flags, locality ring, distance.

Rules are table-driven (``data/sirene/size_rules.csv``, ``headcount_bands.csv``,
``legal_categories.csv``, ``french_territories.csv``) and documented in ``docs/sirene.md``.
Unknown inputs give unknown outputs, never a guess.
"""

from __future__ import annotations

import math
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
    DROM). When ``commune`` is known, ``epci=None`` means the commune belongs to no EPCI."""

    commune: str | None = None
    epci: str | None = None
    departement: str | None = None
    region: str | None = None
    country: str | None = None

    @property
    def effective_country(self) -> str | None:
        if self.country is not None:
            return self.country
        return "FR" if self.commune or self.departement or self.region else None


def locality_ring(supplier: Place, buyer: Place) -> Ring:
    """The innermost ring where supplier and buyer coincide; unknown when it cannot be told."""
    s_country, b_country = supplier.effective_country, buyer.effective_country
    if s_country is None or b_country is None:
        return Ring.UNKNOWN
    if s_country != b_country:
        french = french_territories()
        return Ring.REST_OF_FRANCE if {s_country, b_country} <= french else Ring.ABROAD
    levels: tuple[tuple[str | None, str | None, Ring], ...] = (
        (supplier.commune, buyer.commune, Ring.SAME_COMMUNE),
        (supplier.epci, buyer.epci, Ring.SAME_EPCI),
        (supplier.departement, buyer.departement, Ring.SAME_DEPARTEMENT),
        (supplier.region, buyer.region, Ring.SAME_REGION),
    )
    for s_value, b_value, ring in levels:
        if ring is Ring.SAME_EPCI and supplier.commune and buyer.commune:
            # communes known: a missing EPCI means "no EPCI", so not the same EPCI
            if s_value is not None and s_value == b_value:
                return ring
            continue
        if s_value is None or b_value is None:
            return Ring.UNKNOWN
        if s_value == b_value:
            return ring
    return Ring.REST_OF_FRANCE


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
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))

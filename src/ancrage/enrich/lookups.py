"""Per-distinct-value lookups done in Python (a few thousand values, not a million rows).

Each function takes the distinct input values (from DuckDB) and returns an Arrow table keyed by
them, which DuckDB joins back: CPV levels and segment, place of execution, size class, buyer kind,
non-SIRET identifiers, amount bands, and the rings of (supplier, buyer) place signatures.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Sequence
from functools import cache
from importlib import resources
from typing import Any

import pyarrow as pa

from ancrage.enrich.rings import ring_label
from ancrage.errors import AncrageError
from ancrage.geo import Geography
from ancrage.geo.places import resolve_place
from ancrage.reference.cpv import cpv_hierarchy, normalise_cpv, purchase_type
from ancrage.reference.segments import segment_of
from ancrage.sirene.ids import insee_countries, parse_party_id
from ancrage.sirene.profile import EARTH_RADIUS_KM, Place, buyer_kind, size_class
from ancrage.sirene.tables import french_territories
from ancrage.sql import sql_list

Tick = Callable[[int], None]
_S = pa.string()


def _table(rows: list[dict[str, Any]], fields: Sequence[tuple[str, pa.DataType]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema(list(fields)))


def cpv_table(codes: Sequence[str]) -> pa.Table:
    """CPV as published → division, group, class (8-digit codes), purchase type, segment."""
    rows = []
    for raw in codes:
        try:
            code = normalise_cpv(raw)
        except AncrageError:
            continue  # unreadable code: every column stays unknown
        levels = cpv_hierarchy(code)
        segment = segment_of(code)
        rows.append(
            {
                "cpv": raw,
                "cpv_division": levels.get("division"),
                "cpv_group": levels.get("group"),
                "cpv_class": levels.get("class"),
                "purchase_type": purchase_type(code),
                "segment_id": segment.id,
                "segment_label": segment.label,
            }
        )
    names = ("cpv", "cpv_division", "cpv_group", "cpv_class", "purchase_type")
    return _table(rows, [(n, _S) for n in (*names, "segment_id", "segment_label")])


def place_table(
    geo: Geography, places: Sequence[tuple[str | None, str | None, str | None]], tick: Tick
) -> pa.Table:
    """(place_code, place_type, place_name) → level, commune, département, région, country."""
    rows = []
    for i, (code, type_code, name) in enumerate(places, 1):
        resolved = resolve_place(geo, code, type_code, name)
        rows.append(
            {
                "place_code": code,
                "place_type": type_code,
                "place_name": name,
                "place_level": resolved.level,
                "place_commune": resolved.commune,
                "place_departement": resolved.departement,
                "place_region": resolved.region,
                "place_country": resolved.pays,
            }
        )
        if i % 1000 == 0:
            tick(i)
    names = ("place_code", "place_type", "place_name", "place_level", "place_commune")
    rest = ("place_departement", "place_region", "place_country")
    return _table(rows, [(n, _S) for n in (*names, *rest)])


def size_table(keys: Sequence[tuple[str | None, int | None, str | None, int | None]]) -> pa.Table:
    """(category, category_year, headcount_band, headcount_year) → size class, year, basis."""
    rows = []
    for category, category_year, band, band_year in keys:
        size = size_class(category, category_year, band, band_year)
        rows.append(
            {
                "category": category,
                "category_year": category_year,
                "headcount_band": band,
                "headcount_year": band_year,
                "size_class": size.size,
                "size_year": size.year,
                "size_basis": size.basis,
            }
        )
    i32 = pa.int32()
    fields = [
        ("category", _S),
        ("category_year", i32),
        ("headcount_band", _S),
        ("headcount_year", i32),
        ("size_class", _S),
        ("size_year", i32),
        ("size_basis", _S),
    ]
    return _table(rows, fields)


def buyer_kind_table(legal_categories: Sequence[str]) -> pa.Table:
    rows = [{"legal_category": c, "buyer_kind": buyer_kind(c)} for c in legal_categories]
    return _table(rows, [("legal_category", _S), ("buyer_kind", _S)])


def party_table(ids: Sequence[tuple[str | None, str | None]]) -> pa.Table:
    """(id_type, supplier_id) of rows without a SIRET → country (ISO alpha-2) when derivable;
    ``id_abroad`` when the type says abroad without a country (``HORS-UE``)."""
    rows = []
    for id_type, value in ids:
        party = parse_party_id(id_type, value)
        rows.append(
            {
                "id_type": id_type,
                "supplier_id": value,
                "id_country": party.country,
                "id_abroad": party.abroad,
            }
        )
    fields = [("id_type", _S), ("supplier_id", _S), ("id_country", _S), ("id_abroad", pa.bool_())]
    return _table(rows, fields)


def country_table() -> pa.Table:
    """SIRENE's INSEE country codes → ISO alpha-2 (``data/sirene/insee_countries.csv``)."""
    table = insee_countries()
    return pa.table(
        {"insee_code": list(table), "iso2": list(table.values())},
        schema=pa.schema([("insee_code", _S), ("iso2", _S)]),
    )


@cache
def _bands_rows() -> tuple[tuple[str, float, float | None], ...]:
    text = resources.files("ancrage").joinpath("data", "enrich", "amount_bands.csv")
    rows = csv.DictReader(text.read_text(encoding="utf-8").splitlines())
    return tuple(
        (r["band"], float(r["min_eur"]), float(r["max_eur"]) if r["max_eur"] else None)
        for r in rows
    )


def amount_band_table() -> pa.Table:
    """Amount bands from ``data/enrich/amount_bands.csv`` (lower bound included)."""
    rows = [{"amount_band": b, "min_eur": lo, "max_eur": hi} for b, lo, hi in _bands_rows()]
    return _table(rows, [("amount_band", _S), ("min_eur", pa.float64()), ("max_eur", pa.float64())])


PAIR_COLUMNS = (
    "s_commune",
    "s_epci",
    "s_departement",
    "s_region",
    "s_country",
    "s_abroad",
    "b_commune",
    "b_epci",
    "b_departement",
    "b_region",
    "b_country",
)
_LEVELS = ("commune", "epci", "departement", "region", "country")


def _sql_list(values: Collection[str]) -> str:
    return "(" + sql_list(sorted(values)) + ")"


def pair_signature_sql(cross_departement_epcis: Collection[frozenset[str]]) -> str:
    """SQL (over the ``PAIR_COLUMNS`` of a row) → a BIGINT that decides the locality ring.

    :func:`~ancrage.sirene.profile.locality_ring` only looks at which values are missing or empty,
    which supplier and buyer values of a level are equal, whether a country is ``FR`` or a French
    territory, whether the supplier is ``abroad`` and whether the two départements are spanned by
    an EPCI. Pairs with the same bits have the same ring, so the rule runs in Python once per
    signature (a few hundred) instead of once per pair (a million);
    ``tests/enrich/test_rings.py`` checks this against the rule on every pair of a small geography.
    """
    bits: list[str] = []
    for level in _LEVELS:
        s, b = f"s_{level}", f"b_{level}"
        bits += [f"{s} IS NULL", f"{b} IS NULL", f"{s} = ''", f"{b} = ''"]
        bits.append(f"{s} IS NOT DISTINCT FROM {b}")
    french = _sql_list(french_territories())
    bits += ["s_abroad", "s_country = 'FR'", "b_country = 'FR'"]
    bits += [f"s_country IN {french}", f"b_country IN {french}"]
    spans = {f"{a}|{b}" for pair in cross_departement_epcis for a in pair for b in pair if a != b}
    if spans:
        bits.append(f"(s_departement || '|' || b_departement) IN {_sql_list(spans)}")
    return " + ".join(
        f"(CASE WHEN coalesce({bit}, false) THEN {1 << i} ELSE 0 END)" for i, bit in enumerate(bits)
    )


def ring_table(
    representatives: Sequence[tuple[Any, ...]],
    cross_departement_epcis: Collection[frozenset[str]],
) -> pa.Table:
    """(signature, one pair of ``PAIR_COLUMNS`` with it) → ``signature, locality_ring``."""
    rows = []
    for signature, *pair in representatives:
        supplier, buyer = Place(*pair[:6]), Place(*pair[6:])
        ring = ring_label(supplier, buyer, cross_departement_epcis)
        rows.append({"signature": signature, "locality_ring": ring})
    return _table(rows, [("signature", pa.int64()), ("locality_ring", _S)])


def distance_sql(s_lat: str, s_lon: str, b_lat: str, b_lon: str) -> str:
    """:func:`~ancrage.sirene.profile.distance_km` in SQL (same formula and radius; checked
    against it in ``tests/enrich/test_rings.py``), null when a point is missing."""
    lat1, lat2 = f"radians({s_lat})", f"radians({b_lat})"
    h = (
        f"pow(sin(({lat2} - {lat1}) / 2), 2) + cos({lat1}) * cos({lat2})"
        f" * pow(sin((radians({b_lon}) - radians({s_lon})) / 2), 2)"
    )
    known = " AND ".join(f"{c} IS NOT NULL" for c in (s_lat, s_lon, b_lat, b_lon))
    return f"CASE WHEN {known} THEN 2 * {EARTH_RADIUS_KM!r} * asin(sqrt(least(1.0, {h}))) END"

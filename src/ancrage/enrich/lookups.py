"""Per-distinct-value lookups done in Python (a few thousand values, not a million rows).

Each function takes the distinct input values (from DuckDB) and returns an Arrow table keyed by
them, which DuckDB joins back: CPV levels and segment, place of execution, size class, buyer kind,
non-SIRET identifiers, amount bands, rings and distances of (supplier, buyer) place pairs.
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
from ancrage.reference.cpv import cpv_hierarchy, normalise_cpv, purchase_type
from ancrage.reference.segments import segment_of
from ancrage.sirene.ids import parse_party_id
from ancrage.sirene.profile import Place, buyer_kind, distance_km, size_class

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
        resolved = geo.resolve_place(code, type_code, name)
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
    """(id_type, supplier_id) of rows without a SIRET → country (ISO alpha-2) when derivable."""
    rows = []
    for id_type, value in ids:
        party = parse_party_id(id_type, value)
        rows.append({"id_type": id_type, "supplier_id": value, "id_country": party.country})
    return _table(rows, [("id_type", _S), ("supplier_id", _S), ("id_country", _S)])


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
    "b_commune",
    "b_epci",
    "b_departement",
    "b_region",
    "b_country",
)


def ring_table(
    pairs: Sequence[tuple[str | None, ...]],
    points: dict[str, tuple[float, float]],
    cross_departement_epcis: Collection[frozenset[str]],
    tick: Tick,
) -> pa.Table:
    """Distinct (supplier place, buyer place) → locality ring and distance in km."""
    rows = []
    for i, pair in enumerate(pairs, 1):
        supplier, buyer = Place(*pair[:5]), Place(*pair[5:])
        row: dict[str, Any] = dict(zip(PAIR_COLUMNS, pair, strict=True))
        row["locality_ring"] = ring_label(supplier, buyer, cross_departement_epcis)
        s_point = points.get(supplier.commune) if supplier.commune else None
        b_point = points.get(buyer.commune) if buyer.commune else None
        row["distance_km"] = distance_km(s_point, b_point)
        rows.append(row)
        if i % 10000 == 0:
            tick(i)
    fields = [(n, _S) for n in PAIR_COLUMNS]
    return _table(rows, [*fields, ("locality_ring", _S), ("distance_km", pa.float64())])

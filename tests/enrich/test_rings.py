"""Stored ring labels (the rule and its table of cases: tests/sirene/test_sirene_profile.py)."""

from __future__ import annotations

from itertools import product

import duckdb
import pyarrow as pa
import pytest

from ancrage.enrich import lookups
from ancrage.enrich.rings import RING_LABELS, ring_label
from ancrage.sirene.profile import Place, Ring, distance_km


def test_labels_cover_every_ring() -> None:
    assert list(RING_LABELS) == list(Ring)
    assert list(RING_LABELS.values()) == [
        "commune",
        "epci",
        "departement",
        "region",
        "france",
        "abroad",
        "unknown",
    ]


def test_label_of_the_rule() -> None:
    buyer = Place(departement="74", region="84")
    assert ring_label(Place(departement="73", region="84"), buyer) == "region"
    cross = frozenset({frozenset(("01", "74"))})
    assert ring_label(Place(departement="01", region="84"), buyer, cross) == "unknown"
    assert ring_label(Place(abroad=True), buyer) == "abroad"


# Places of a small geography with levels hidden in every way, plus countries, HORS-UE and empty
# strings: the signature of every pair must decide its ring.
_GEO = {
    "c1": ("e1", "d1", "r1"),
    "c2": ("e1", "d1", "r1"),
    "c3": (None, "d1", "r1"),
    "c4": ("e2", "d2", "r1"),
    "c5": ("e3", "d3", "r2"),
    "c6": ("e2", "d4", "r1"),
}
_CROSS = frozenset({frozenset(("d2", "d4"))})


def _places() -> list[Place]:
    out = [
        Place(country="DE"),
        Place(country="PF"),
        Place(country="FR"),
        Place(abroad=True),
        Place(abroad=True, country="CH"),
        Place(commune="", departement="d1"),
        Place(),
    ]
    for commune, (epci, dep, reg) in _GEO.items():
        for keep in product((True, False), repeat=5):
            if keep[0] and not keep[1]:
                continue
            values = (commune, epci, dep, reg, "FR")
            out.append(Place(*(v if k else None for v, k in zip(values, keep, strict=True))))
    return out


def test_signature_decides_the_ring() -> None:
    places = _places()
    pairs = [(s, b) for s, b in product(places, places) if not b.abroad]  # buyers: never abroad
    rows = [
        (
            s.commune,
            s.epci,
            s.departement,
            s.region,
            s.country,
            s.abroad,
            b.commune,
            b.epci,
            b.departement,
            b.region,
            b.country,
        )
        for s, b in pairs
    ]
    names = lookups.PAIR_COLUMNS
    table = pa.table(
        {n: [r[i] for r in rows] for i, n in enumerate(names)},
        schema=pa.schema([(n, pa.bool_() if n == "s_abroad" else pa.string()) for n in names]),
    )
    con = duckdb.connect()
    con.register("pairs", table)
    sql = f"SELECT {lookups.pair_signature_sql(_CROSS)} FROM pairs"
    signatures = [row[0] for row in con.execute(sql).fetchall()]
    seen: dict[int, str] = {}
    for signature, (s, b) in zip(signatures, pairs, strict=True):
        ring = ring_label(s, b, _CROSS)
        assert seen.setdefault(signature, ring) == ring, (s, b, ring, seen[signature])
    assert len(seen) > 50
    reps = con.execute(
        f"SELECT DISTINCT ON (sig) {lookups.pair_signature_sql(_CROSS)} AS sig, * FROM pairs"
    ).fetchall()
    table = lookups.ring_table(reps, _CROSS)
    rings = dict(
        zip(table["signature"].to_pylist(), table["locality_ring"].to_pylist(), strict=True)
    )
    assert rings == seen


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((46.5802, 0.3404), (48.8566, 2.3522)),
        ((46.5802, 0.3404), (46.5802, 0.3404)),
        ((-21.1151, 55.5364), (48.8566, 2.3522)),
        ((45.9, 6.1), (45.57, 5.92)),
    ],
)
def test_distance_sql_is_distance_km(a: tuple[float, float], b: tuple[float, float]) -> None:
    con = duckdb.connect()
    sql = "SELECT " + lookups.distance_sql(str(a[0]), str(a[1]), str(b[0]), str(b[1]))
    got = con.execute(sql).fetchall()[0][0]
    assert got == pytest.approx(distance_km(a, b), abs=1e-9)
    missing = "SELECT " + lookups.distance_sql("NULL", "1.0", "2.0", "3.0")
    assert con.execute(missing).fetchall() == [(None,)]

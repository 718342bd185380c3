"""Table-driven tests: size class, buyer kinds, locality rings, distance."""

from __future__ import annotations

from itertools import product

import pytest

from ancrage.sirene.profile import (
    Place,
    Ring,
    SizeClass,
    buyer_kind,
    distance_km,
    locality_ring,
    size_class,
)

SIZE_CASES = [
    # category, year, band, band year → expected
    ("GE", 2022, "53", 2021, SizeClass("GE", 2022, "categorieEntreprise 2022")),
    ("GE", 2022, "00", 2021, SizeClass("GE", 2022, "categorieEntreprise 2022")),  # holding
    ("GE", 2022, None, None, SizeClass("GE", 2022, "categorieEntreprise 2022")),
    ("ETI", 2022, "32", 2022, SizeClass("ETI", 2022, "categorieEntreprise 2022")),
    ("ETI", 2021, "NN", None, SizeClass("ETI", 2021, "categorieEntreprise 2021")),
    ("ETI", None, None, None, SizeClass("ETI", None, "categorieEntreprise (année inconnue)")),
    (
        "PME",
        2022,
        "NN",
        None,
        SizeClass("TPE", None, "categorieEntreprise 2022 + tranche d'effectifs (année inconnue)"),
    ),
    (
        "PME",
        2022,
        "00",
        2021,
        SizeClass("TPE", 2021, "categorieEntreprise 2022 + tranche d'effectifs 2021"),
    ),
    (
        "PME",
        2022,
        "01",
        2021,
        SizeClass("TPE", 2021, "categorieEntreprise 2022 + tranche d'effectifs 2021"),
    ),
    (
        "PME",
        2022,
        "02",
        2022,
        SizeClass("TPE", 2022, "categorieEntreprise 2022 + tranche d'effectifs 2022"),
    ),
    (
        "PME",
        2022,
        "03",
        2022,
        SizeClass("TPE", 2022, "categorieEntreprise 2022 + tranche d'effectifs 2022"),
    ),
    ("PME", 2022, "11", 2022, SizeClass("PME", 2022, "categorieEntreprise 2022")),
    ("PME", 2022, "31", 2022, SizeClass("PME", 2022, "categorieEntreprise 2022")),
    ("PME", 2022, None, None, SizeClass("PME", 2022, "categorieEntreprise 2022")),
    ("PME", 2022, "99", 2022, SizeClass("PME", 2022, "categorieEntreprise 2022")),  # bad band
    (None, None, "03", 2021, SizeClass("TPE", 2021, "tranche d'effectifs 2021")),
    (None, None, "NN", None, SizeClass("TPE", None, "tranche d'effectifs (année inconnue)")),
    ("", None, "1", 2021, SizeClass("TPE", 2021, "tranche d'effectifs 2021")),  # 1 → 01
    (None, None, "12", 2021, SizeClass(None, None, None)),
    (None, None, "53", 2021, SizeClass(None, None, None)),
    (None, None, None, None, SizeClass(None, None, None)),
    ("XYZ", 2022, None, None, SizeClass(None, None, None)),
]


@pytest.mark.parametrize(("category", "cy", "band", "by", "expected"), SIZE_CASES)
def test_size_class(
    category: str | None, cy: int | None, band: str | None, by: int | None, expected: SizeClass
) -> None:
    assert size_class(category, cy, band, by) == expected


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("7210", "commune"),
        ("7220", "departement"),
        ("7230", "region"),
        ("7346", "epci"),
        ("7348", "epci"),
        ("7344", "epci"),
        ("7364", "hospital"),
        ("7383", "university"),
        ("7331", "school"),
        ("7110", "state"),
        ("7120", "state"),
        ("7190", "state"),
        ("7229", "other_territorial_authority"),
        ("7355", "syndicate"),
        ("7372", "fire_rescue"),
        ("7410", "gip"),
        ("4120", "epic_local"),
        ("5710", None),
        ("1000", None),
        ("9220", None),
        (None, None),
        ("", None),
    ],
)
def test_buyer_kind(code: str | None, kind: str | None) -> None:
    assert buyer_kind(code) == kind


POITIERS = Place("86194", "200069854", "86", "75", "FR")
CHASSENEUIL = Place("86062", "200069854", "86", "75", "FR")
CHATELLERAULT = Place("86066", "248600413", "86", "75", "FR")
NIORT = Place("79191", "200041317", "79", "75", "FR")
PARIS_8 = Place("75108", "200054781", "75", "11", "FR")
SAINT_DENIS_RE = Place("97411", "249740119", "974", "04", "FR")
PAPEETE = Place("98735", None, None, None, "PF")
OUESSANT = Place("29155", None, "29", "53", "FR")
BREST = Place("29019", "242900314", "29", "53", "FR")
BERLIN = Place(country="DE")
UNKNOWN = Place()
HORS_UE = Place(abroad=True)  # a HORS-UE identifier: outside France, country unknown
CHAMBERY = Place("73065", "200069110", "73", "84")
P = Place
# an EPCI spans Ain (01) and Haute-Savoie (74): a different département does not rule it out
CROSS = frozenset({frozenset(("01", "74"))})

# One table for the one rule: (supplier, buyer, expected ring), all run with CROSS.
RING_CASES: list[tuple[Place, Place, Ring]] = [
    # communes known on both sides: walk outwards
    (POITIERS, POITIERS, Ring.SAME_COMMUNE),
    (CHASSENEUIL, POITIERS, Ring.SAME_EPCI),
    (CHATELLERAULT, POITIERS, Ring.SAME_DEPARTEMENT),
    (NIORT, POITIERS, Ring.SAME_REGION),
    (PARIS_8, POITIERS, Ring.REST_OF_FRANCE),
    (SAINT_DENIS_RE, POITIERS, Ring.REST_OF_FRANCE),
    (OUESSANT, BREST, Ring.SAME_DEPARTEMENT),  # commune in no EPCI
    (Place("86194"), POITIERS, Ring.SAME_COMMUNE),  # commune alone implies France
    (CHAMBERY, CHAMBERY, Ring.SAME_COMMUNE),
    (P("73008", "200069110", "73", "84"), CHAMBERY, Ring.SAME_EPCI),
    (P("73011", "200040", "73", "84"), CHAMBERY, Ring.SAME_DEPARTEMENT),
    (P("74282", "200066793", "74", "84"), CHAMBERY, Ring.SAME_REGION),
    (P("86194", "200069854", "86", "75"), CHAMBERY, Ring.REST_OF_FRANCE),
    # countries and territories
    (PAPEETE, POITIERS, Ring.REST_OF_FRANCE),
    (P(country="PF"), CHAMBERY, Ring.REST_OF_FRANCE),
    (BERLIN, POITIERS, Ring.ABROAD),
    (P(country="DE"), CHAMBERY, Ring.ABROAD),
    (Place(country="DE"), Place(country="DE"), Ring.UNKNOWN),
    (HORS_UE, POITIERS, Ring.ABROAD),
    (HORS_UE, PAPEETE, Ring.ABROAD),
    (POITIERS, HORS_UE, Ring.ABROAD),
    (HORS_UE, BERLIN, Ring.UNKNOWN),  # may be in Germany
    (HORS_UE, HORS_UE, Ring.UNKNOWN),
    (HORS_UE, UNKNOWN, Ring.UNKNOWN),
    # nothing known on one side
    (UNKNOWN, POITIERS, Ring.UNKNOWN),
    (POITIERS, UNKNOWN, Ring.UNKNOWN),
    (P(), CHAMBERY, Ring.UNKNOWN),
    (Place(country="FR"), POITIERS, Ring.UNKNOWN),  # somewhere in France
    # commune unknown: a known different level rules the inner rings out
    # (DECP tabular extract: 20006258600157 (74) / 42199758600035 (73))
    (P(departement="73", region="84"), P(departement="74", region="84"), Ring.SAME_REGION),
    (P(departement="73", region="84"), P("74282", "200066793", "74", "84"), Ring.SAME_REGION),
    (P(departement="86", region="75"), P(departement="74", region="84"), Ring.REST_OF_FRANCE),
    (P(region="75"), P(region="84"), Ring.REST_OF_FRANCE),
    (P(departement="01", region="84"), P(departement="74", region="84"), Ring.UNKNOWN),  # CROSS
    (P(epci="200040", departement="73", region="84"), CHAMBERY, Ring.SAME_DEPARTEMENT),
    # otherwise the finest level known on both sides and equal is the ring the data proves
    (P(epci="200069110", departement="73", region="84"), CHAMBERY, Ring.SAME_EPCI),
    (P(departement="74", region="84"), P(departement="74", region="84"), Ring.SAME_DEPARTEMENT),
    (P(region="84"), P(region="84"), Ring.SAME_REGION),
    (P(departement="73", region="84"), P(region="84"), Ring.SAME_REGION),
    (P(departement="74", region="84"), P("74282", "200066793", "74", "84"), Ring.SAME_DEPARTEMENT),
    # these two were `unknown` under the former commune-only rule of sirene.profile; the one
    # rule now gives the finest ring the data proves, as enrichment always stored it
    (Place(departement="86", region="75"), POITIERS, Ring.SAME_DEPARTEMENT),
    (Place("86062", None, None, "75"), CHATELLERAULT, Ring.SAME_REGION),  # département unknown
]


@pytest.mark.parametrize(("supplier", "buyer", "ring"), RING_CASES)
def test_locality_ring(supplier: Place, buyer: Place, ring: Ring) -> None:
    assert locality_ring(supplier, buyer, CROSS) == ring


def test_cross_departement_epcis_default_is_none() -> None:
    """Without the pairs, two different départements of one région give the région."""
    s, b = P(departement="01", region="84"), P(departement="74", region="84")
    assert locality_ring(s, b) == Ring.SAME_REGION


# A small consistent geography: commune → (EPCI or None, département, région); the EPCI "e2"
# spans départements d2 and d4 (so the pair is in GEO_CROSS).
GEO = {
    "c1": ("e1", "d1", "r1"),
    "c2": ("e1", "d1", "r1"),
    "c3": (None, "d1", "r1"),
    "c4": ("e2", "d2", "r1"),
    "c5": ("e3", "d3", "r2"),
    "c6": ("e2", "d4", "r1"),
    "c7": ("e4", "d2", "r1"),
}
GEO_CROSS = frozenset({frozenset(("d2", "d4"))})
ORDER = list(Ring)


def _located() -> list[tuple[Place, Place]]:
    """Every (true place, what the data says of it), levels hidden in every way."""
    out: list[tuple[Place, Place]] = []
    for country in ("DE", "PF"):
        out += [(Place(country=country), Place(country=country)), (Place(country=country), Place())]
    for commune, (epci, dep, reg) in GEO.items():
        true = Place(commune, epci, dep, reg, "FR")
        for keep_commune, keep_epci, keep_dep, keep_reg, keep_fr in product(
            (True, False), repeat=5
        ):
            if keep_commune and not keep_epci:
                continue  # with the commune known, a missing EPCI means "no EPCI"
            seen = Place(
                commune if keep_commune else None,
                epci if keep_epci else None,
                dep if keep_dep else None,
                reg if keep_reg else None,
                "FR" if keep_fr else None,
            )
            out.append((true, seen))
    return out


LOCATED = _located()


def _inner_known(told: Ring, p: Place) -> bool:
    """Whether the level just inside ``told`` is known for ``p``."""
    if told is Ring.SAME_REGION:
        return p.departement is not None
    if told is Ring.SAME_DEPARTEMENT:
        return p.epci is not None or p.commune is not None  # commune known: None = no EPCI
    if told is Ring.SAME_EPCI:
        return p.commune is not None
    return True


def test_ring_is_sound_on_partial_data() -> None:
    """Over every pair of partially known places of GEO: the ring told is unknown or contains the
    true ring, and is the true ring when the level just inside it is known on both sides (a known
    difference rules the inner rings out). Symmetric."""
    checked = 0
    for (s_true, s_seen), (b_true, b_seen) in product(LOCATED, repeat=2):
        told = locality_ring(s_seen, b_seen, GEO_CROSS)
        assert told is locality_ring(b_seen, s_seen, GEO_CROSS)
        if told is Ring.UNKNOWN:
            continue
        truth = locality_ring(s_true, b_true, GEO_CROSS)
        assert ORDER.index(truth) <= ORDER.index(told), (s_seen, b_seen, truth, told)
        if _inner_known(told, s_seen) and _inner_known(told, b_seen):
            assert truth is told, (s_seen, b_seen, truth, told)
        checked += 1
    assert checked > 10_000


def test_distance() -> None:
    poitiers, paris = (46.5802, 0.3404), (48.8566, 2.3522)
    assert distance_km(poitiers, paris) == pytest.approx(294.6, abs=1.0)
    assert distance_km(poitiers, poitiers) == 0.0
    assert distance_km(poitiers, None) is None
    assert distance_km(None, paris) is None

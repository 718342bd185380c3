"""Table-driven tests: size class, buyer kinds, locality rings, distance."""

from __future__ import annotations

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

RING_CASES = [
    (POITIERS, POITIERS, Ring.SAME_COMMUNE),
    (CHASSENEUIL, POITIERS, Ring.SAME_EPCI),
    (CHATELLERAULT, POITIERS, Ring.SAME_DEPARTEMENT),
    (NIORT, POITIERS, Ring.SAME_REGION),
    (PARIS_8, POITIERS, Ring.REST_OF_FRANCE),
    (SAINT_DENIS_RE, POITIERS, Ring.REST_OF_FRANCE),
    (PAPEETE, POITIERS, Ring.REST_OF_FRANCE),
    (BERLIN, POITIERS, Ring.ABROAD),
    (UNKNOWN, POITIERS, Ring.UNKNOWN),
    (POITIERS, UNKNOWN, Ring.UNKNOWN),
    (OUESSANT, BREST, Ring.SAME_DEPARTEMENT),  # commune in no EPCI
    (Place(departement="86", region="75"), POITIERS, Ring.UNKNOWN),  # commune unknown
    (Place("86062", None, None, "75"), CHATELLERAULT, Ring.UNKNOWN),  # département unknown
    (Place("86194"), POITIERS, Ring.SAME_COMMUNE),  # commune alone implies France
    (Place(country="FR"), POITIERS, Ring.UNKNOWN),  # somewhere in France
    (Place(country="DE"), Place(country="DE"), Ring.UNKNOWN),
]


@pytest.mark.parametrize(("supplier", "buyer", "ring"), RING_CASES)
def test_locality_ring(supplier: Place, buyer: Place, ring: Ring) -> None:
    assert locality_ring(supplier, buyer) == ring


def test_distance() -> None:
    poitiers, paris = (46.5802, 0.3404), (48.8566, 2.3522)
    assert distance_km(poitiers, paris) == pytest.approx(294.6, abs=1.0)
    assert distance_km(poitiers, poitiers) == 0.0
    assert distance_km(poitiers, None) is None
    assert distance_km(None, paris) is None

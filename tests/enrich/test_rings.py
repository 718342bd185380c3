"""The ring stored by enrichment: sirene.profile.locality_ring, completed for coarse places."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ancrage.enrich.rings import RING_LABELS, ring_label, ring_of
from ancrage.sirene.profile import Place, locality_ring

P = Place
CROSS = frozenset({frozenset(("01", "74"))})  # an EPCI spans Ain and Haute-Savoie

# (supplier, buyer, expected label)
CASES: list[tuple[Place, Place, str]] = [
    # communes known: exactly locality_ring
    (P("73065", "200069110", "73", "84"), P("73065", "200069110", "73", "84"), "commune"),
    (P("73008", "200069110", "73", "84"), P("73065", "200069110", "73", "84"), "epci"),
    (P("73011", "200040", "73", "84"), P("73065", "200069110", "73", "84"), "departement"),
    (P("74282", "200066793", "74", "84"), P("73065", "200069110", "73", "84"), "region"),
    (P("86194", "200069854", "86", "75"), P("73065", "200069110", "73", "84"), "france"),
    (P(country="DE"), P("73065", "200069110", "73", "84"), "abroad"),
    (P(country="PF"), P("73065", "200069110", "73", "84"), "france"),
    (P(), P("73065", "200069110", "73", "84"), "unknown"),
    # only départements known (DECP tabular extract): 20006258600157 (74) / 42199758600035 (73)
    (P(departement="73", region="84"), P(departement="74", region="84"), "region"),
    (P(departement="73", region="84"), P("74282", "200066793", "74", "84"), "region"),
    (P(departement="86", region="75"), P(departement="74", region="84"), "france"),
    (P(region="75"), P(region="84"), "france"),
    # the finest level known on both sides and equal is the ring the data can prove
    (P(departement="74", region="84"), P(departement="74", region="84"), "departement"),
    (P(region="84"), P(region="84"), "region"),
    (P(departement="73", region="84"), P(region="84"), "region"),
    (P(departement="74", region="84"), P("74282", "200066793", "74", "84"), "departement"),
    # an EPCI spans these two départements: the same EPCI is not ruled out
    (P(departement="01", region="84"), P(departement="74", region="84"), "unknown"),
    # EPCI known and different in the same département
    (
        P(epci="200040", departement="73", region="84"),
        P("73065", "200069110", "73", "84"),
        "departement",
    ),
    (
        P(epci="200069110", departement="73", region="84"),
        P("73065", "200069110", "73", "84"),
        "epci",
    ),
]


@pytest.mark.parametrize(("supplier", "buyer", "expected"), CASES)
def test_ring_cases(supplier: Place, buyer: Place, expected: str) -> None:
    assert ring_label(supplier, buyer, CROSS) == expected


def test_labels_cover_every_ring() -> None:
    assert list(RING_LABELS.values()) == [
        "commune",
        "epci",
        "departement",
        "region",
        "france",
        "abroad",
        "unknown",
    ]


_codes = st.one_of(st.none(), st.sampled_from(["a", "b"]))
_places = st.builds(
    Place, _codes, _codes, _codes, _codes, st.one_of(st.none(), st.sampled_from(["FR", "DE"]))
)


@given(_places, _places)
def test_agrees_with_locality_ring_whenever_it_knows(supplier: Place, buyer: Place) -> None:
    """One definition: the enrichment only fills in where locality_ring says unknown."""
    ring = locality_ring(supplier, buyer)
    if ring.value != "unknown":
        assert ring_of(supplier, buyer, CROSS) is ring

"""Identifier types → SIRET/SIREN or country/territory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ancrage.sirene.ids import PartyId, fr_vat_key, insee_countries, iso_country, parse_party_id


@pytest.mark.parametrize(
    ("id_type", "value", "expected"),
    [
        (
            "SIRET",
            "912 345 678 00029",
            PartyId("SIRET", "91234567800029", "91234567800029", "912345678", "FR"),
        ),
        (
            "SIRET",
            "912345678",
            PartyId("SIRET", "912345678", None, "912345678", "FR", "a SIREN given as a SIRET"),
        ),
        (
            "SIRET",
            "ABC",
            PartyId("SIRET", "ABC", country="FR", problem="not a SIRET or SIREN (14 or 9 digits)"),
        ),
        ("TVA", "FR40303265045", PartyId("TVA", "FR40303265045", siren="303265045", country="FR")),
        (
            "TVA",
            "FR41303265045",
            PartyId(
                "TVA",
                "FR41303265045",
                country="FR",
                problem="French VAT key does not match the SIREN",
            ),
        ),
        ("TVA", "DE123456789", PartyId("TVA", "DE123456789", country="DE")),
        ("TVA", "EL123456789", PartyId("TVA", "EL123456789", country="GR")),
        ("TVA", "XI123456789", PartyId("TVA", "XI123456789", country="GB")),
        ("TVA", "ZZ123", PartyId("TVA", "ZZ123", problem="unknown VAT country prefix")),
        ("TAHITI", "A12345", PartyId("TAHITI", "A12345", country="PF")),
        ("RIDET", "1234567.001", PartyId("RIDET", "1234567001", country="NC")),
        ("FRWF", "123", PartyId("FRWF", "123", country="WF")),
        ("IREP", "123", PartyId("IREP", "123")),
        ("HORS-UE", "CH-123", PartyId("HORS-UE", "CH123", abroad=True)),
        ("HORS-UE", "", PartyId("HORS-UE", None, problem="empty identifier", abroad=True)),
        ("XYZ", "1", PartyId("XYZ", "1", problem="unknown identifier type")),
        ("SIRET", None, PartyId("SIRET", None, country="FR", problem="empty identifier")),
    ],
)
def test_parse_party_id(id_type: str, value: str | None, expected: PartyId) -> None:
    assert parse_party_id(id_type, value) == expected


def test_fr_vat_key() -> None:
    assert fr_vat_key("303265045") == "40"


@given(st.sampled_from(["SIRET", "TVA", "TAHITI", "HORS-UE", "IREP", "?"]), st.text(max_size=20))
def test_never_raises(id_type: str, value: str) -> None:
    result = parse_party_id(id_type, value)
    assert result.siret is None or len(result.siret) == 14


@pytest.mark.parametrize(
    ("code", "iso"),
    [
        ("99109", "DE"),  # ALLEMAGNE
        ("99134", "ES"),  # ESPAGNE
        ("99132", "GB"),  # ROYAUME-UNI (also Guernesey, Jersey, Man)
        ("99140", "CH"),  # SUISSE
        ("99404", "US"),  # ETATS-UNIS
        ("99350", "MA"),  # MAROC
        ("99216", "CN"),  # CHINE
        (" 99127", "IT"),
        ("99115", None),  # TCHECOSLOVAQUIE: no longer a country
        ("99425", None),  # BERMUDES, ANGUILLA…: several territories, no single code
        ("75056", None),  # not a country code
        (None, None),
    ],
)
def test_iso_country(code: str | None, iso: str | None) -> None:
    assert iso_country(code) == iso


def test_insee_countries_table() -> None:
    table = insee_countries()
    assert len(table) == 205
    assert all(k.startswith("99") and len(k) == 5 for k in table)
    assert all(len(v) == 2 and v.isupper() for v in table.values())
    assert len(set(table.values())) == len(table)  # one code per country
    assert "FR" not in table.values()

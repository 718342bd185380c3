"""Table-driven tests of the value normalisers, plus hypothesis: never crash, always typed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ancrage.ingest import values as V

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("45320000-6", "45320000", "cpv_check_digit_removed"),
        ("45320000", "45320000", None),
        ("9310000", "09310000", "cpv_leading_zero_restored"),
        (9310000, "09310000", "cpv_leading_zero_restored"),
        (" 71000000 - 8 ", "71000000", "cpv_check_digit_removed"),
        ("NC", None, "null_token"),
        ("", None, None),
        (None, None, None),
        ("4532", None, "cpv_invalid_dropped"),
        ("00000000", None, "cpv_invalid_dropped"),
        ("abc", None, "cpv_invalid_dropped"),
        (["45000000"], None, "wrong_type_dropped"),
    ],
)
def test_cpv(raw: Any, expected: str | None, rule: str | None) -> None:
    assert V.cpv(raw) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "id_type", "expected", "rule"),
    [
        ("41473937500023", "SIRET", "41473937500023", None),
        ("414 739 375 00023", "SIRET", "41473937500023", "siret_separators_removed"),
        ("414.739.375.00023", "SIRET", "41473937500023", "siret_separators_removed"),
        # stored as a number: leading zero lost
        (5520459900869, "SIRET", "05520459900869", "siret_leading_zero_restored"),
        # 13-digit text whose 0-prefixed form is a valid SIRET
        ("1234567890128", "SIRET", "01234567890128", "siret_leading_zero_restored"),
        ("1234567890127", "SIRET", "1234567890127", None),
        ("FR21483209383", "TVA", "FR21483209383", None),
        ("FR 21 483209383", "TVA", "FR21483209383", "siret_separators_removed"),
        ("CDL", "SIRET", None, "null_token"),
        ("nc", None, None, "null_token"),
        (True, "SIRET", None, "wrong_type_dropped"),
        (None, "SIRET", None, None),
    ],
)
def test_siret(raw: Any, id_type: str | None, expected: str | None, rule: str | None) -> None:
    assert V.siret(raw, id_type) == (expected, rule)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("41473937500023", True),
        ("41473937500024", False),
        ("35600000000047", True),
        ("35600000000048", False),  # La Poste: sum of digits multiple of 5
        ("4147393750002", False),
        (None, False),
    ],
)
def test_is_valid_siret(value: str | None, valid: bool) -> None:
    assert V.is_valid_siret(value) is valid


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("2018-12-31", dt.date(2018, 12, 31), None),
        ("2018-12-31+01:00", dt.date(2018, 12, 31), "date_timezone_removed"),
        ("2018-12-31Z", dt.date(2018, 12, 31), "date_timezone_removed"),
        ("2024-05-15T10:30:00+02:00", dt.date(2024, 5, 15), "date_time_removed"),
        ("0218-03-05", dt.date(2018, 3, 5), "date_year_typo_fixed"),
        ("5021-03-05", None, "date_invalid_dropped"),
        ("15/05/2024", dt.date(2024, 5, 15), "date_format_converted"),
        ("2024-02-30", None, "date_invalid_dropped"),
        ("hier", None, "date_invalid_dropped"),
        ("NC", None, "null_token"),
        (20240515, None, "date_invalid_dropped"),
        (None, None, None),
    ],
)
def test_date(raw: Any, expected: dt.date | None, rule: str | None) -> None:
    assert V.date(raw, today=TODAY) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        (47600.87, 47600.87, None),
        (575000, 575000.0, None),
        ("7789456.56", 7789456.56, None),
        ("12 500,50 €", 12500.5, "number_text_parsed"),
        ("12\u00a0500", 12500.0, "number_text_parsed"),
        ("NC", None, "null_token"),
        ("beaucoup", None, "number_invalid_dropped"),
        (float("nan"), None, "number_invalid_dropped"),
        (True, None, "number_invalid_dropped"),
    ],
)
def test_number(raw: Any, expected: float | None, rule: str | None) -> None:
    assert V.number(raw) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        (12, 12, None),
        ("12", 12, None),
        ("12 mois", 12, "number_text_parsed"),
        (12.5, None, "number_invalid_dropped"),
        ("NC", None, "null_token"),
    ],
)
def test_integer(raw: Any, expected: int | None, rule: str | None) -> None:
    assert V.integer(raw) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("oui", True, None),
        ("non", False, None),
        ("true", True, None),
        (False, False, None),
        ("peut-être", None, "boolean_invalid_dropped"),
    ],
)
def test_boolean(raw: Any, expected: bool | None, rule: str | None) -> None:
    assert V.boolean(raw) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("  Travaux   de voirie ", "Travaux de voirie", None),
        ("Ã©cole", "école", "text_mojibake_fixed"),
        ("denr\ufffdes alimentaires", "denr\ufffdes alimentaires", "text_unrepairable"),
        ("N/A", None, "null_token"),
        ({"a": 1}, None, "wrong_type_dropped"),
    ],
)
def test_text(raw: Any, expected: str | None, rule: str | None) -> None:
    assert V.text(raw) == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("Procédure adaptée", "Procédure adaptée", None),
        ("PROCEDURE ADAPTEE", "Procédure adaptée", None),
        (
            "Marché négocié sans publicité ni mise en concurrence préalable",
            "Marché passé sans publicité ni mise en concurrence préalable",
            "label_mapped",
        ),
        ("Procédure inventée", "Procédure inventée", None),
    ],
)
def test_procedure_label(raw: str, expected: str, rule: str | None) -> None:
    assert V.label(raw, "procedures", "procedure") == (expected, rule)


@pytest.mark.parametrize(
    ("raw", "expected", "rule"),
    [
        ("SIRET", "SIRET", None),
        ("TVA_INTRACOMMUNAUTAIRE", "TVA", "id_type_mapped"),
        ("HORS_UE", "HORS-UE", None),
        ("FRW", "FRWF", "id_type_mapped"),
    ],
)
def test_id_type(raw: str, expected: str, rule: str | None) -> None:
    assert V.id_type(raw) == (expected, rule)


def test_every_rule_is_described() -> None:
    assert all(desc and desc[0].islower() for desc in V.RULES.values())


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@given(scalars)
def test_normalisers_never_crash(raw: Any) -> None:
    for fn in (V.cpv, V.text, V.number, V.integer, V.boolean, V.identifier, V.id_type):
        value, rule = fn(raw)
        assert rule is None or rule in V.RULES
    value, rule = V.date(raw, today=TODAY)
    assert value is None or isinstance(value, dt.date)
    value, rule = V.siret(raw)
    assert value is None or isinstance(value, str)
    cpv, _ = V.cpv(raw)
    assert cpv is None or (len(cpv) == 8 and cpv.isdigit())


def test_none_maps_to_none_without_repair() -> None:
    """The normaliser skips absent values on this contract (a fast path)."""
    from ancrage.ingest.normalise import _nature, _procedure

    for fn in (V.text, V.number, V.integer, V.boolean, V.identifier, V.id_type, V.cpv):
        assert fn(None) == (None, None)
    assert _nature(None) == _procedure(None) == (None, None)
    assert V.date(None, today=TODAY) == (None, None)

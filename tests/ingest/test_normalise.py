"""Hypothesis: whatever shape a record has, the normaliser loads, repairs or quarantines it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.ingest.normalise import Normaliser, amount_flag
from ancrage.sources.base import RawContract

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
party = st.fixed_dictionaries(
    {}, optional={"id_type": json_value, "id": json_value, "name": json_value}
)
FIELDS = [
    "id",
    "object",
    "cpv",
    "nature",
    "procedure",
    "techniques",
    "place_code",
    "place_type",
    "duration_months",
    "notification_date",
    "publication_date",
    "amount",
    "offers_received",
    "innovative",
    "advance",
    "advance_rate",
    "origin_eu",
    "social",
    "environmental",
    "subcontracting_declared",
]
record = st.fixed_dictionaries(
    {"ref": st.just("marches[0]"), "kind": st.sampled_from(["marche", "concession"])},
    optional={
        **dict.fromkeys(FIELDS, json_value),
        "buyer": st.one_of(party, json_value),
        "suppliers": st.one_of(st.lists(st.one_of(party, json_value), max_size=3), json_value),
        "modifications": st.one_of(
            st.lists(
                st.one_of(
                    st.fixed_dictionaries(
                        {},
                        optional={
                            "amount": json_value,
                            "duration_months": json_value,
                            "suppliers": st.lists(party, max_size=2),
                        },
                    ),
                    json_value,
                ),
                max_size=2,
            ),
            json_value,
        ),
        "subcontracts": st.lists(
            st.one_of(st.dictionaries(st.text(max_size=8), json_value, max_size=4), json_value),
            max_size=2,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(record)
def test_any_record_is_loaded_or_quarantined(raw: dict[str, Any]) -> None:
    norm = Normaliser("file", "decp-2019", "f.json", today=dt.date(2026, 11, 23))
    loaded = norm.add(0, RawContract(**raw))  # type: ignore[typeddict-item]
    rows = norm.drain()
    assert loaded == (len(rows["contracts"]) == 1)
    assert loaded != (len(rows["quarantine"]) == 1)
    for c in rows["contracts"]:
        assert c["cpv"] is None or (len(c["cpv"]) == 8 and c["cpv"].isdigit())
        assert c["amount"] is None or isinstance(c["amount"], float)
        assert c["amount_flag"] is None or c["amount"] is None or c["amount_flag"] != "missing"
        assert all(isinstance(f, str) for f in c["flags"])
    for r in rows["repairs"]:
        assert r["rule"] and r["field"]


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.one_of(st.none(), st.integers(0, 2000)),
)
def test_amount_flag_never_crashes(amount: float, duration: int | None) -> None:
    flag = amount_flag(amount, duration)
    assert flag is None or isinstance(flag, str)
    if amount <= 0:
        assert flag == "non_positive"


def _canonical(rows: list[dict[str, Any]]) -> list[tuple[tuple[str, str], ...]]:
    return sorted(tuple(sorted((k, repr(v)) for k, v in row.items())) for row in rows)


@settings(max_examples=150, deadline=None)
@given(st.lists(record, min_size=1, max_size=6))
def test_a_batch_gives_what_records_one_by_one_give(raws: list[dict[str, Any]]) -> None:
    """Column-wise normalisation of a batch = each record normalised alone."""
    today = dt.date(2026, 11, 23)
    alone = Normaliser("file", "decp-2019", "f.json", today=today)
    for pos, raw in enumerate(raws):
        alone.add(pos, RawContract(**raw))  # type: ignore[typeddict-item]
    batch = Normaliser("file", "decp-2019", "f.json", today=today)
    kept = batch.add_batch(0, [RawContract(**raw) for raw in raws])  # type: ignore[typeddict-item]
    expected, got = alone.drain(), batch.drain()
    assert kept == len(expected["contracts"])
    for table in expected:
        assert _canonical(got[table]) == _canonical(expected[table]), table


@pytest.mark.parametrize(
    ("amount", "duration", "flag"),
    [
        (None, 12, "missing"),
        (0.0, 12, "non_positive"),
        (-5.0, None, "non_positive"),
        (2e10, 12, "over_max"),
        (99999.0, 12, "placeholder"),
        (99999.99, 12, "placeholder"),
        (999999999.0, None, "placeholder"),
        (1234567.0, 12, "placeholder"),
        (12345678.5, 12, "placeholder"),
        (123456.0, 12, "placeholder"),
        (123456.78, 12, "placeholder"),
        (987654.0, 12, "placeholder"),
        (98765432.0, 12, "placeholder"),
        (9999.0, 12, None),
        (123457.0, 12, None),
        (99999.5, 12, None),
        (0.5, 12, "under_min"),
        (5e9, 1, "absurd_per_month"),
        (5e9, 12, None),
        (45000.0, None, None),
    ],
)
def test_amount_flag_rules(amount: float | None, duration: int | None, flag: str | None) -> None:
    """Every bound and placeholder pattern of plausibility.toml, hand-checked."""
    assert amount_flag(amount, duration) == flag

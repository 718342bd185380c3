"""Malformed CSV lines: each is loaded, repaired or quarantined — never another exception."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ancrage.errors import AncrageError
from ancrage.settings import Settings
from ancrage.spend import values
from ancrage.spend.pipeline import load_spend

HEADER = "N° SIRET;Tiers;Date de mandatement;Compte;Montant TTC\n"
BUYER = "21860194600013"
cell = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\x00", max_codepoint=0x2FF), max_size=12),
    st.sampled_from(["1 234,56", "(12,00)", "-5", "31/02/2024", "45366", "NC", "6063", '"', ";"]),
)
line = st.lists(cell, min_size=0, max_size=8).map(";".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=1, max_size=6))
def test_malformed_lines_are_accounted_for(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        path.write_bytes((HEADER + "\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
        try:
            report = load_spend(Settings.resolve(Path(tmp) / "home"), path, BUYER)
        except AncrageError:
            return
        assert report.read == report.loaded + report.quarantined + report.duplicates


@given(st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none()))
def test_cell_normalisers_never_raise(raw: str | int | float | bool | None) -> None:
    today = dt.date(2026, 1, 1)
    values.amount(raw)
    values.date(raw, today)
    values.company_id(raw)
    values.account(raw)
    values.fiscal_year(raw, today)


def test_amount_writings() -> None:
    assert values.amount("12 345,67") == (12345.67, None)
    assert values.amount("-150,00") == (-150.0, None)
    assert values.amount("12.345,67") == (12345.67, "amount_text_parsed")
    assert values.amount("1,234.50") == (1234.5, "amount_text_parsed")
    assert values.amount("(1 200,00) €") == (-1200.0, "amount_text_parsed")
    assert values.amount("15,00-") == (-15.0, "amount_text_parsed")
    assert values.amount("à payer") == (None, "amount_invalid_dropped")

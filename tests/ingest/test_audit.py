"""``ancrage status --audit``: unmapped source keys per format, fix rules no loaded file used."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.ingest.audit import audit
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

TABULAR = "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
MEGALIS = "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json"


def test_audit_of_two_samples(tmp_path: Path, shared_data: Path) -> None:
    settings = Settings.resolve(tmp_path / "home")
    assert not load_paths(settings, [shared_data / TABULAR, shared_data / MEGALIS]).errors
    used_files = sorted((settings.warehouse_dir / "fixes_used").glob("*.json"))
    assert len(used_files) == 2
    megalis = {k for f in used_files for k in json.loads(f.read_text())}
    # Mégalis declares « Pas de considération sociale » on every lot: the rule was needed
    assert "considerations|pas de consideration sociale" in megalis
    warehouse = Warehouse(settings)
    con = warehouse.connect()
    try:
        a = audit(con, warehouse.root)
    finally:
        con.close()
    assert (a.files, a.files_recorded) == (2, 2)
    keys = {(k.format, k.key): k.contracts for k in a.extra_keys}
    assert keys[("decp-tabular", "type")] == 5180  # the extract's « type » column is not read
    assert keys[("decp-2024", "_type")] == 5  # Mégalis' extra field
    assert "pas de consideration sociale" not in a.unused_rules["considerations"]
    assert "concours" in a.unused_rules["procedures"]  # no sample spells it so
    res = CliRunner().invoke(app, ["status", "--audit", "--home", str(settings.home)])
    assert res.exit_code == 0, res.output
    assert "Audit : champs des sources non lus par Ancrage" in res.stdout
    assert "règles de correction jamais utilisées" in res.stdout
    as_json = CliRunner().invoke(
        app, ["status", "--audit", "--format", "json", "--home", str(settings.home)]
    )
    assert json.loads(as_json.stdout)["audit"]["files_recorded"] == 2

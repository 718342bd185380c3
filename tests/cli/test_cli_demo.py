"""The main job: ``ancrage demo`` on a fresh home, synthetic and real."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.errors import ConfigError
from ancrage.settings import HOME_ENV


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
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"erreur : {tmp_path}: aucun fichier DECP (.json, .xml, .csv, .parquet) dans ce dossier. "
        "Indiquez le dossier qui contient les fichiers téléchargés."
    )


def _status(home: Path) -> dict[str, object]:
    result = CliRunner().invoke(app, ["status", "--home", str(home), "--format", "json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.fixture
def real_home(tmp_path: Path, shared_data: Path) -> Path:
    home = tmp_path / "reel"
    pes = shared_data / "decp/v1_2019/data.gouv.fr_pes.json"
    result = CliRunner().invoke(app, ["load", str(pes), "--home", str(home)])
    assert result.exit_code == 0, result.output
    return home


@pytest.mark.parametrize("how", ["option", "root option", "variable"])
def test_demo_never_writes_into_real_data(real_home: Path, how: str) -> None:
    before = _status(real_home)
    args = {
        "option": ["demo", "--contracts", "50", "--home", str(real_home)],
        "root option": ["--home", str(real_home), "demo", "--contracts", "50"],
        "variable": ["demo", "--contracts", "50"],
    }[how]
    env = {HOME_ENV: str(real_home)} if how == "variable" else {}
    result = CliRunner().invoke(app, args, env=env)
    assert isinstance(result.exception, ConfigError)  # exit code 2, one line (main)
    assert result.stdout == ""
    assert result.exception.one_line() == (
        f"{real_home}: cet entrepôt contient des données réelles (1 fichier(s) DECP "
        "réel(s)) : la démonstration n'y mêle pas de données fictives. Lancez-la dans son propre "
        f"dossier : ancrage demo --home {real_home / 'demo'}"
    )
    assert _status(real_home) == before
    assert not (real_home / "demo-data").exists()
    # the folder it proposes works, and leaves the real warehouse as it was
    own = CliRunner().invoke(app, ["demo", "--contracts", "50", "--home", str(real_home / "demo")])
    assert own.exit_code == 0, own.output
    assert _status(real_home) == before


def test_demo_never_writes_into_a_buyers_accounts(tmp_path: Path) -> None:
    home = tmp_path / "comptes"
    accounts = tmp_path / "mandats.csv"
    accounts.write_text("SIRET;Tiers;Date;Montant\n32610037800024;ELEC;01/02/2024;12,00\n")
    loaded = CliRunner().invoke(
        app, ["load-spend", str(accounts), "--buyer", "21860194600013", "--home", str(home)]
    )
    assert loaded.exit_code == 0, loaded.output
    result = CliRunner().invoke(app, ["demo", "--contracts", "50", "--home", str(home)])
    assert isinstance(result.exception, ConfigError)
    assert "cet entrepôt contient des données réelles (1 export(s) comptable(s))" in str(
        result.exception
    )


def test_real_files_never_join_the_fictitious_demo(tmp_path: Path, shared_data: Path) -> None:
    home = tmp_path / "demo"
    assert (
        CliRunner().invoke(app, ["demo", "--contracts", "50", "--home", str(home)]).exit_code == 0
    )
    before = _status(home)
    real = shared_data / "decp/v2_2024/real"
    result = CliRunner().invoke(app, ["demo", "--from", str(real), "--home", str(home)])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.one_line() == (
        f"{home}: cet entrepôt contient les données fictives de la démonstration : des "
        "fichiers réels s'y mêleraient et tout l'entrepôt serait marqué fictif. Chargez-les dans "
        f"un autre dossier : ancrage demo --from {real} --home {tmp_path / 'reel'}"
    )
    assert _status(home) == before


def test_demo_shows_what_to_try_next(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--contracts", "300", "--home", str(home)])
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stdout.splitlines()]
    after = lines[lines.index("À essayer ensuite :") + 1 :]
    steps = [line for line in after if line.startswith("ancrage ")]
    territory = steps[2].split("--territory ")[1]
    assert steps == [
        f"ancrage status --home {home}",
        f"ancrage enrich --home {home}",
        f"ancrage diagnose --home {home} --territory {territory}",
        f"ancrage report --home {home} --territory {territory} --out rapport.html",
        f"ancrage export --home {home} --territory {territory} --out tables",
        f"ancrage quarantine --home {home}",
    ]
    assert "DONNÉES FICTIVES" in " ".join(after[-2:])
    # each step works as printed, and the territory has contracts once enriched
    for step in steps:
        args = step.split()[1:]
        if "--out" in args:
            args[-1] = str(tmp_path / args[-1])
        ran = CliRunner().invoke(
            app, [*args, *(["--format", "json"] if args[0] == "diagnose" else [])]
        )
        assert ran.exit_code == 0, (step, ran.output)
        if args[0] == "diagnose":
            assert json.loads(ran.stdout)["totals"]["contracts"] > 0

"""ancrage diagnose / export through the CLI."""

from __future__ import annotations

import orjson
from typer.testing import CliRunner

from ancrage.cli.app import app

runner = CliRunner()


def test_diagnose_json(tabular_home) -> None:
    res = runner.invoke(
        app,
        ["diagnose", "--territory", "dep:74", "--format", "json", "--home", str(tabular_home.home)],
    )
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.stdout)
    assert data["totals"]["contracts"] == 179
    assert data["schema_version"] == 1
    assert data["locality"]["by_amount"]["departement"]["base"] == 223


def test_diagnose_table(tabular_home) -> None:
    res = runner.invoke(app, ["diagnose", "--years", "2024", "--home", str(tabular_home.home)])
    assert res.exit_code == 0, res.output
    assert "Localisation des titulaires" in res.stdout


def test_bad_years(tabular_home) -> None:
    res = runner.invoke(app, ["diagnose", "--years", "20x4", "--home", str(tabular_home.home)])
    assert res.exit_code != 0
    assert str(res.exception) == (
        "années invalides « 20x4 ». Donnez une année (2024) ou une période (2022-2024)."
    )


def test_unknown_territory(tabular_home) -> None:
    res = runner.invoke(
        app, ["diagnose", "--territory", "dep:999", "--home", str(tabular_home.home)]
    )
    assert res.exit_code != 0
    assert str(res.exception) == (
        "code de département inconnu « 999 » (COG 2026). Donnez un code de département comme "
        "86, 2A ou 971, ou un nom."
    )


def test_export_formats(tabular_home, tmp_path) -> None:
    for fmt in ("csv", "parquet", "xlsx"):
        out = tmp_path / fmt
        res = runner.invoke(
            app, ["export", "--format", fmt, "--out", str(out), "--home", str(tabular_home.home)]
        )
        assert res.exit_code == 0, res.output
        assert any(out.iterdir())


def test_fictitious_banner_and_separate_frameworks(tmp_path) -> None:
    from ancrage.ingest.pipeline import load_paths
    from ancrage.settings import Settings
    from ancrage.synth.decp import generate_decp

    home = Settings.resolve(tmp_path / "home")
    assert not load_paths(home, generate_decp(tmp_path / "data", contracts=60, seed=1)).errors
    res = runner.invoke(
        app,
        ["diagnose", "--frameworks", "separate", "--reference", "france", "--home", str(home.home)],
    )
    assert res.exit_code == 0, res.output
    assert "DONNÉES FICTIVES" in res.stdout
    assert "Accords-cadres" in res.stdout


def test_reference_region_needs_territory(tabular_home) -> None:
    res = runner.invoke(
        app, ["diagnose", "--reference", "region", "--home", str(tabular_home.home)]
    )
    assert res.exit_code != 0
    assert str(res.exception) == (
        "--reference region demande un --territory. Donnez un territoire, ou utilisez "
        "--reference france ou un territoire."
    )


def test_bad_buyer(tabular_home) -> None:
    res = runner.invoke(app, ["diagnose", "--buyers", "123", "--home", str(tabular_home.home)])
    assert str(res.exception) == (
        "identifiant d'acheteur invalide « 123 ». Donnez un SIRET (14 chiffres) ou un SIREN "
        "(9 chiffres)."
    )


def test_export_contents(tabular_home, tmp_path) -> None:
    import pyarrow.parquet as pq

    res = runner.invoke(
        app,
        [
            "export",
            "--territory",
            "dep:74",
            "--reference",
            "france",
            "--format",
            "parquet",
            "--out",
            str(tmp_path),
            "--home",
            str(tabular_home.home),
        ],
    )
    assert res.exit_code == 0, res.output
    assert pq.read_table(tmp_path / "volume.parquet").to_pylist()[0]["contracts"] == 179
    assert pq.read_table(tmp_path / "ref__volume.parquet").to_pylist()[0]["contracts"] == 5180
    assert (tmp_path / "competition__by_procedure.parquet").exists()


def test_concessions_apart(all_home) -> None:
    res = runner.invoke(app, ["diagnose", "--home", str(all_home.home)])
    assert res.exit_code == 0, res.output
    assert "Contrats de concession (à part des marchés)" in res.stdout
    assert "elle n'est jamais ajoutée" in res.stdout
    res = runner.invoke(
        app, ["diagnose", "--kind", "concession", "--format", "json", "--home", str(all_home.home)]
    )
    data = orjson.loads(res.stdout)
    assert data["scope"]["kind"] == "concession"
    assert data["totals"]["contracts"] == 17  # 13 in 2019 files, 4 in 2024 files
    assert data["concessions"] is None

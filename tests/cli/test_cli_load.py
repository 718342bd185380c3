"""The CLI as a user runs it: exact one-line errors, JSON output, exit codes, help texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ancrage.cli.app import app
from tests.cli.cli_helpers import run

LOAD_KEYS = {"file", "detected_format", "read", "loaded", "repaired", "quarantined", "duplicates"}


def test_every_command_has_help() -> None:
    command = typer.main.get_command(app)
    commands = getattr(command, "commands", {})
    assert {"load", "status", "quarantine", "demo"} <= set(commands)
    for name, sub in commands.items():
        assert sub.help, f"command {name} has no help text"
        for subname, subsub in getattr(sub, "commands", {}).items():
            assert subsub.help, f"command {name} {subname} has no help text"


def test_load_json_has_exactly_the_documented_keys(shared_data: Path, tmp_path: Path) -> None:
    sample = shared_data / "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json"
    result = CliRunner().invoke(
        app, ["load", str(sample), "--format", "json", "--home", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert set(report) == LOAD_KEYS
    assert report == {
        "file": str(sample),
        "detected_format": "decp-2024",
        "read": 5,
        "loaded": 5,
        "repaired": 0,
        "quarantined": 0,
        "duplicates": 0,
    }


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vide.json", b"", "vide.json: fichier vide. Téléchargez-le à nouveau depuis sa source."),
        (
            "page.json",
            b"<html><body>404</body></html>",
            "page.json: page HTML qui n'est pas au format DECP (élément <html>). Formats reconnus :"
            " DECP 2019 (JSON), DECP 2024 (JSON ou XML), DECP consolidé tabulaire"
            " (CSV ou Parquet).",
        ),
        (
            "erreur.json",
            b"<?xml version='1.0'?><Error><Code>NoSuchKey</Code></Error>",
            "erreur.json: fichier XML qui n'est pas au format DECP (élément <Error>). "
            "Formats reconnus : DECP 2019 (JSON), DECP 2024 (JSON ou XML), DECP consolidé tabulaire"
            " (CSV ou Parquet).",
        ),
        (
            "inconnu.csv",
            b"a,b,c\n1,2,3\n",
            "inconnu.csv: format de fichier non reconnu. Formats reconnus : DECP 2019 (JSON), DECP"
            " 2024 (JSON ou XML), DECP consolidé tabulaire (CSV ou Parquet).",
        ),
        (
            "autre.json",
            b'{"foo": 1}',
            "autre.json: JSON sans la structure DECP attendue (clé « marches »). Formats reconnus :"
            " DECP 2019 (JSON), DECP 2024 (JSON ou XML), DECP consolidé tabulaire (CSV ou"
            " Parquet).",
        ),
        (
            "latin1.json",
            '{"marches": [{"id": "1", "objet": "Débroussaillage"}]}'.encode("latin-1"),
            "latin1.json: pas en UTF-8 : octet invalide 0xe9 à la position 36. Réencodez-le en"
            " UTF-8, par exemple : iconv -f latin1 -t utf-8 IN > OUT.",
        ),
    ],
)
def test_bad_file_gives_one_line_error(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = run("load", str(bad), home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == f"erreur : {bad.parent}/{message}"
    assert "Traceback" not in result.stderr


def test_truncated_file_keeps_what_was_loaded(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    good = shared_data / "decp/v1_2019/data.gouv.fr_pes.json"
    first = run("load", str(good), "--format", "json", home=home)
    assert first.returncode == 0, first.stderr
    truncated = tmp_path / "tronque.json"
    truncated.write_bytes(good.read_bytes()[:3000])
    second = run("load", str(truncated), "--format", "json", home=home)
    assert second.returncode == 2
    assert json.loads(second.stdout) == []
    assert second.stderr.strip() == (
        f"erreur : {truncated}: JSON tronqué : le fichier s'arrête dans l'enregistrement "
        "marches[2] (octet 3000). Le fichier a sans doute été coupé pendant le téléchargement ;"
        " téléchargez-le à nouveau."
    )
    status = run("status", "--format", "json", home=home)
    assert json.loads(status.stdout)["totals"]["contracts"] == 550


def test_status_and_quarantine(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    aife = shared_data / "decp/v1_2019/data.gouv.fr_aife.json"
    assert run("load", str(aife), home=home).returncode == 0
    status = json.loads(run("status", "--format", "json", home=home).stdout)
    assert status["synthetic"] is False
    assert status["totals"]["contracts"] == 4280
    years = {(r["source_format"], r["year"]): r["contracts"] for r in status["by_source_year"]}
    assert sum(years.values()) == 4280
    csv_out = run("quarantine", "--format", "csv", home=home).stdout.splitlines()
    assert csv_out[0] == "fichier,position,identifiant,champ,valeur lue,raison"
    assert csv_out[1:] == [
        "data.gouv.fr_aife.json,marches[2436],2000006405556201,acheteur.id,,"
        "identifiant de l'acheteur absent ou illisible"
    ]
    quarantine = json.loads(run("quarantine", "--format", "json", home=home).stdout)
    assert len(quarantine) == 1


def test_status_and_quarantine_on_empty_home(tmp_path: Path) -> None:
    result = run("status", home=tmp_path / "nothing")
    assert result.returncode == 0
    assert "L'entrepôt est vide" in result.stdout
    empty = run("quarantine", home=tmp_path / "nothing")
    assert (empty.returncode, empty.stdout) == (0, "Aucun enregistrement en quarantaine.\n")


def test_home_that_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "fichier"
    home.write_text("x")
    result = run("status", home=home)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"erreur : {home}: le dossier de données est un fichier, pas un dossier. Passez --home"
        " avec un dossier, ou retirez la variable ANCRAGE_HOME."
    )


@pytest.mark.parametrize(("given", "expected"), [([], None), (["--workers", "3"], 3)])
def test_load_workers_option_reaches_the_pipeline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, given: list[str], expected: int | None
) -> None:
    from ancrage.ingest import pipeline
    from ancrage.ingest.pipeline import LoadResult, default_workers

    seen: dict[str, object] = {}

    def spy(*args: object, **kwargs: object) -> LoadResult:
        seen.update(kwargs)
        return LoadResult()

    monkeypatch.setattr(pipeline, "load_paths", spy)
    result = CliRunner().invoke(app, ["load", "x.json", *given, "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert seen["workers"] == (expected or default_workers())


def test_load_refuses_zero_workers(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["load", "x.json", "--workers", "0", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "--workers" in result.output


def test_status_writes_years_as_years(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert (
        run("load", str(shared_data / "decp/v1_2019/data.gouv.fr_pes.json"), home=home).returncode
        == 0
    )
    table = run("status", home=home).stdout
    years = [line.split("│")[2].strip() for line in table.splitlines() if "│ decp-2019" in line]
    assert years == ["2018", "2019"]
    assert "2 018" not in table


def test_quarantine_in_french_and_safe_in_a_spreadsheet(shared_data: Path, tmp_path: Path) -> None:
    data = json.loads((shared_data / "decp/v1_2019/data.gouv.fr_pes.json").read_text("utf-8"))
    first, second = data["marches"][:2]
    second["id"], second["acheteur"]["id"] = '=HYPERLINK("https://evil.example")', ""
    path = tmp_path / "formule.json"
    path.write_text(json.dumps({"marches": [first, second]}), "utf-8")
    home = tmp_path / "home"
    assert run("load", str(path), home=home).returncode == 0
    table = run("quarantine", home=home).stdout
    header = next(line for line in table.splitlines() if line.startswith("┃"))
    assert [c.strip() for c in header.split("┃")[1:-1]] == [
        "fichier", "position", "identifiant", "champ", "valeur lue", "raison",
    ]  # fmt: skip
    csv_out = run("quarantine", "--format", "csv", home=home).stdout.splitlines()
    assert csv_out[1:] == [
        'formule.json,marches[1],"\'=HYPERLINK(""https://evil.example"")",acheteur.id,,'
        "identifiant de l'acheteur absent ou illisible"
    ]

"""Inputs built to break a reader get a clear French error naming the input, never « erreur
interne » nor « erreur inattendue … signalez le problème »."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.cli_helpers import run

DEPTH = 100_000
DEEP = '{"a":' * DEPTH + "1" + "}" * DEPTH
BUYER = "21860194600013"


@pytest.mark.parametrize(
    ("name", "content", "where"),
    [
        (
            "decp2019.json",
            '{"marches": [' + DEEP + "]}",
            "à l'octet 13 (l'enregistrement marches[0])",
        ),
        (
            "decp2024.json",
            '{"marches": {"marche": [' + DEEP + "]}}",
            "à l'octet 24 (l'enregistrement marches.marche[0])",
        ),
    ],
)
def test_deep_json_given_to_load_and_demo(
    tmp_path: Path, name: str, content: str, where: str
) -> None:
    folder = tmp_path / "dossier"
    folder.mkdir()
    path = folder / name
    path.write_text(content)
    line = (
        f"erreur : {path}: JSON imbriqué trop profondément {where} : des tableaux ou des objets "
        "les uns dans les autres sur des centaines de niveaux, ce qu'aucun enregistrement DECP ne "
        "contient. Le fichier est abîmé ou n'est pas un fichier DECP : téléchargez-le à nouveau "
        "depuis sa source."
    )
    for args in (["load", str(path)], ["demo", "--from", str(folder)]):
        result = run(*args, home=tmp_path / "home")
        assert result.returncode == 2
        assert result.stderr.strip() == line


def test_deep_json_given_to_notice_load(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "notices/boamp/ods_api_v2_1/boamp-where-date_2026-01-21_fnsimple.json"
    data = json.loads(source.read_text("utf-8"))
    data["data"]["results"][0]["objet"] = "@DEEP@"
    path = tmp_path / "avis.json"
    path.write_text(json.dumps(data).replace('"@DEEP@"', "[" * DEPTH + "]" * DEPTH))
    result = run("notice", "load", str(path), home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stdout == ""  # no empty table over the error
    assert result.stderr.strip().splitlines()[-1] == (
        f"erreur : {path}: JSON imbriqué trop profondément : des tableaux ou des objets les uns "
        "dans les autres sur plus de mille niveaux, ce qu'aucun avis BOAMP ne contient. Le fichier "
        "est abîmé ou n'est pas un avis BOAMP : téléchargez-le à nouveau."
    )


HINT = (
    'Un guillemet (") ouvert sans être refermé avale souvent la suite du fichier : vérifiez cette '
    "ligne, ou exportez à nouveau les mandats."
)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("SIRET;Tiers;Date;Montant\n32610037800024;" + "x" * 200_000 + ";01/02/2024;12,00\n", 2),
        ("SIRET;Tiers;Date;Montant;" + "x" * 200_000 + "\n32610037800024;A;01/02/2024;12,00;\n", 1),
        # an unclosed quote (after the lines the separator is guessed from) swallows the rest of
        # the file into one field
        (
            "SIRET;Tiers;Date;Montant\n"
            + "32610037800024;ELEC;01/02/2024;12,00\n" * 60
            + '32610037800024;"ELEC;01/02/2024;12,00\n'
            + "32610037800024;ELEC;01/02/2024;12,00\n" * 5_000,
            62,
        ),
    ],
    ids=["value", "header", "unclosed quote"],
)
def test_spend_field_over_the_csv_limit(tmp_path: Path, content: str, line: int) -> None:
    path = tmp_path / "mandats.csv"
    path.write_text(content)
    result = run("load-spend", str(path), "--buyer", BUYER, home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"erreur : {path}: ligne {line} : un champ dépasse 128 Kio, ce n'est pas une valeur "
        f"d'export comptable. {HINT}"
    )


def test_decp_tabular_with_a_long_field_still_loads(tmp_path: Path, shared_data: Path) -> None:
    source = shared_data / "decp/tabular/decp_2024H2_travaux_cpv4521_filtered.csv"
    lines = source.read_text("utf-8").splitlines()[:3]
    head, first, second = lines
    cells = first.split(",")
    cells[5] = "X" * 200_000  # acheteur_nom
    path = tmp_path / "decp.csv"
    path.write_text("\n".join([head, ",".join(cells), second]) + "\n")
    result = run("load", str(path), "--format", "json", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["read"] == 2

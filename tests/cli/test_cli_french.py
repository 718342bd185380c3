"""Help pages and usage errors in French, for every command and sub-command."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.core import TyperArgument
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.cli.french import french_error
from tests.cli.cli_helpers import run

# What typer writes in English on a help page
ENGLISH = re.compile(
    r"Usage:|Show this message|\[default:|\[env var:|\[required\]|\bCommands\b|\bCOMMAND\b|\bARGS\b"
    r"|<(bool|str|path|int|float|list|datetime)\b|\{[a-z_]+\}"
)


def command_paths(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*prefix, name))


ROOT = typer.main.get_command(app)
PATHS = list(command_paths(ROOT))


def command_at(path: tuple[str, ...]) -> Any:
    command: Any = ROOT
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "ancrage")
def test_help_page_is_french(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Utilisation : ancrage" in result.stdout
    assert "Affiche cette aide." in result.stdout
    assert [m.group() for m in ENGLISH.finditer(result.stdout)] == []
    # an option whose help gives its default is not followed by « [défaut : …] » again
    assert re.findall(r"\(défaut\)[^\n]*\[défaut :", result.stdout) == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "ancrage")
def test_every_argument_is_named_in_french(path: tuple[str, ...]) -> None:
    """An argument shows as its metavar (FICHIER, AVIS…): typer would show its Python name."""
    unnamed = [
        p.name for p in command_at(path).params if isinstance(p, TyperArgument) and not p.metavar
    ]
    assert unnamed == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["load", "--workers", "0", "x.json"],
            "valeur invalide pour --workers : au moins 1 attendu. Aide : « ancrage load --help ».",
        ),
        (
            ["load", "--workers", "deux", "x.json"],
            "valeur invalide pour --workers : nombre entier attendu. "
            "Aide : « ancrage load --help ».",
        ),
        (
            ["status", "--format", "xml"],
            "valeur invalide pour --format : « xml » n'est pas une valeur possible ('table', "
            "'json'). Aide : « ancrage status --help ».",
        ),
        (["load"], "argument CHEMIN manquant. Aide : « ancrage load --help »."),
        (
            ["load-spend", "x.csv"],
            "option --buyer manquante. Aide : « ancrage load-spend --help ».",
        ),
        (
            ["load", "--nope", "x.json"],
            "option inconnue : --nope (options proches : --home). Aide : « ancrage load --help ».",
        ),
        (["status", "--format"], "l'option --format attend une valeur."),
        (
            ["status", "en", "trop"],
            "argument(s) en trop : en trop. Aide : « ancrage status --help ».",
        ),
        (
            ["noitce"],
            "commande inconnue : noitce (vouliez-vous dire 'notice' ?). Aide : « ancrage --help ».",
        ),
        (
            ["profile", "add", "x", "--rayon", "loin"],
            "valeur invalide pour --rayon : nombre attendu. Aide : « ancrage profile add --help ».",
        ),
        (
            ["status", "--format", "[/b] [link=https://evil.example]clic[/link]"],
            "valeur invalide pour --format : « [/b] [link=https://evil.example]clic[/link] » "
            "n'est pas une valeur possible ('table', 'json'). Aide : « ancrage status --help ».",
        ),
    ],
)
def test_usage_error_is_one_french_line(args: list[str], line: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"erreur : {line}\n"


def test_no_command_shows_the_help() -> None:
    result = run()
    assert result.returncode == 2
    assert "Utilisation : ancrage [OPTIONS] COMMANDE [ARGUMENTS]..." in result.stdout


def test_unknown_english_message_is_kept() -> None:
    assert french_error("Something new happened.") == "Something new happened."


def test_docstring_line_breaks_are_not_kept() -> None:
    result = CliRunner().invoke(app, ["load", "--help"], env={"COLUMNS": "200"})
    assert (
        "Un dossier vaut pour les fichiers DECP qu'il contient, sous-dossiers compris ; ses autres "
        "fichiers sont ignorés, une ligne chacun (les avis : « ancrage notice load »)."
    ) in result.stdout

"""``ancrage --home DIR COMMAND`` works as well as ``ancrage COMMAND --home DIR``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.cli.docs import leaf_commands
from ancrage.settings import HOME_ENV


def test_every_command_reads_the_home_given_before_it() -> None:
    """The root ``--home`` reaches a command through its ``--home`` option's variable: every
    command and sub-command, including the ones added later, must have that option."""
    leaves = list(leaf_commands(typer.main.get_command(app)))
    assert len(leaves) > 20
    missing = [
        " ".join(path)
        for path, command in leaves
        if not any(p.name == "home" and p.envvar == HOME_ENV for p in command.params)
    ]
    assert missing == []


def test_home_before_the_command(tmp_path: Path) -> None:
    variable = os.environ.get(HOME_ENV)
    before = CliRunner().invoke(app, ["--home", str(tmp_path), "status", "--format", "json"])
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout)["home"] == str(tmp_path)
    assert os.environ.get(HOME_ENV) == variable  # the variable set for the command is restored


def test_home_before_a_sub_command(tmp_path: Path) -> None:
    added = CliRunner().invoke(
        app, ["--home", str(tmp_path), "profile", "add", "menuisier", "--mot", "menuiserie"]
    )
    assert added.exit_code == 0, added.output
    listed = CliRunner().invoke(
        app, ["profile", "list", "--home", str(tmp_path), "--format", "json"]
    )
    assert [p["name"] for p in json.loads(listed.stdout)] == ["menuisier"]


def test_home_after_the_command_wins(tmp_path: Path) -> None:
    root, own = tmp_path / "racine", tmp_path / "commande"
    result = CliRunner().invoke(
        app, ["--home", str(root), "status", "--home", str(own), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["home"] == str(own)


def test_home_before_the_command_beats_the_variable(tmp_path: Path) -> None:
    given, env = tmp_path / "donne", tmp_path / "variable"
    result = CliRunner().invoke(
        app, ["--home", str(given), "status", "--format", "json"], env={HOME_ENV: str(env)}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["home"] == str(given)

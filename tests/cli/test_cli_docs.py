"""The README lists every command and sub-command with its help (sqlite-utils style): it is
generated from the command line, and these tests fail when a command is added without
regenerating it (``python -m ancrage.cli.docs``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from ancrage.cli.app import app
from ancrage.cli.docs import END, START, commands_markdown, first_paragraph, leaf_commands

README = Path(__file__).resolve().parents[2] / "README.md"
COMMANDS = list(leaf_commands(typer.main.get_command(app)))


def readme_table() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index(START) : text.index(END) + len(END)]


def test_readme_commands_are_current() -> None:
    assert readme_table() == commands_markdown(), (
        "README.md's table of commands is stale: run python -m ancrage.cli.docs"
    )


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_is_in_the_readme_with_its_help(
    path: tuple[str, ...], command: object
) -> None:
    help_text = first_paragraph(getattr(command, "help", None))
    assert help_text, f"ancrage {' '.join(path)} has no help text"
    command_line = " ".join(("ancrage", *path))
    rows = [
        line
        for line in readme_table().splitlines()
        if line.startswith((f"| `{command_line} ", f"| `{command_line}`"))
    ]
    assert len(rows) == 1
    assert rows[0].endswith(f"| {help_text.replace('|', chr(92) + '|')} |")


def test_groups_and_sub_commands_are_all_there() -> None:
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {
        "load",
        "status",
        "quarantine",
        "demo",
        "notice search",
        "profile add",
        "watch run",
    } <= paths

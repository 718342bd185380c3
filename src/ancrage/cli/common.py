"""What every command shares: the --home option, consoles, output formats, progress bars."""

from __future__ import annotations

import csv
import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from ancrage.settings import HOME_ENV, Settings

FICTITIOUS_BANNER = (
    "[bold yellow]⚠ DONNÉES FICTIVES[/bold yellow] : cet entrepôt contient des données générées "
    "par Ancrage pour la démonstration, pas des données réelles."
)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar=HOME_ENV,
        help="Dossier de données d'Ancrage (entrepôt, cache). Défaut : ~/.local/share/ancrage.",
        show_default=False,
    ),
]


class TableFormat(StrEnum):
    table = "table"
    json = "json"


class ListFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def out() -> Console:
    return Console(highlight=False)


def err() -> Console:
    return Console(stderr=True, highlight=False)


def settings(home: Path | None) -> Settings:
    return Settings.resolve(home)


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def print_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(buf.getvalue())


def rich_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    table = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*[fmt(v) for v in row])
    return table


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        return f"{value:,.0f}".replace(",", "\u202f")
    return str(value)


class RichLoadProgress:
    """A rich progress bar per file, on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        console = err()
        self.enabled = console.is_terminal
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task: Any = None

    def __enter__(self) -> RichLoadProgress:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def start_file(self, name: str, total_bytes: int) -> None:
        if self.enabled:
            self.task = self.progress.add_task(name, total=total_bytes)

    def advance(self, bytes_done: int) -> None:
        if self.enabled and self.task is not None:
            self.progress.update(self.task, completed=bytes_done)

    def end_file(self) -> None:
        if self.enabled and self.task is not None:
            total = self.progress.tasks[-1].total
            self.progress.update(self.task, completed=total)
            self.task = None

"""What every command shares: the --home option, consoles, output formats, progress bars."""

from __future__ import annotations

import csv
import io
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
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


class RichProgress:
    """Rich progress bars on stderr, one task at a time, only when stderr is a terminal."""

    def __init__(self, *columns: ProgressColumn) -> None:
        console = err()
        self.enabled = console.is_terminal
        self.progress = Progress(*columns, console=console, transient=False)
        self.task: Any = None

    def __enter__(self) -> Self:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def start(self, name: str, total: int | None) -> None:
        if self.enabled:
            self.task = self.progress.add_task(name, total=total)

    def advance(self, done: int) -> None:
        if self.enabled and self.task is not None:
            self.progress.update(self.task, completed=done)

    def end(self) -> None:
        if self.enabled and self.task is not None:
            total = self.progress.tasks[-1].total or 1
            self.progress.update(self.task, total=total, completed=total)
            self.task = None


class RichLoadProgress(RichProgress):
    """A bar per file, in bytes (the pipeline's ``LoadProgress``)."""

    def __init__(self) -> None:
        super().__init__(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )

    def start_file(self, name: str, total_bytes: int) -> None:
        self.start(name, total_bytes)

    def end_file(self) -> None:
        self.end()

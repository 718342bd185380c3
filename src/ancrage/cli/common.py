"""What every command shares: the --home option, consoles, output formats, progress bars.

Everything printed through rich goes through here, as plain text: the consoles read no markup
(a notice titled ``[/b]`` or a ``[link=…]`` in data is shown as written), and control characters
from data or from the user are shown escaped (``\\x1b``), never sent to the terminal. Styles are
given with ``style=`` or :class:`rich.text.Text`, never with markup in a string.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
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
from rich.text import Text

from ancrage.cells import safe_row
from ancrage.errors import ConfigError
from ancrage.fmt import number
from ancrage.settings import HOME_ENV, Settings

FICTITIOUS_BANNER = Text.assemble(
    ("⚠ DONNÉES FICTIVES", "bold yellow"),
    " : cet entrepôt contient des données générées par Ancrage pour la démonstration, pas des "
    "données réelles.",
)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar=HOME_ENV,
        metavar="DOSSIER",
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


# C0 controls but tab and newline, DEL, C1 controls: an escape sequence in a notice title could
# move the cursor, rewrite the screen or plant a hidden hyperlink (OSC 8).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with its control characters written out (``\\x1b``), safe for a terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


PIPE_WIDTH = 200


class PlainConsole(Console):
    """A rich console that prints strings as written: no markup, no emoji codes, no
    highlighting, control characters made visible."""

    def __init__(self, *, stderr: bool = False) -> None:
        super().__init__(stderr=stderr, markup=False, emoji=False, highlight=False)
        if not self.is_terminal and "COLUMNS" not in os.environ:
            # into a file or a pipe: tables as wide as their content (up to PIPE_WIDTH), not cut
            # to rich's 80 columns (an avis id or a file name cut in the middle is useless)
            self.width = PIPE_WIDTH

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(visible(o) if isinstance(o, str) else o for o in objects), **options)


def out() -> Console:
    return PlainConsole()


def err() -> Console:
    return PlainConsole(stderr=True)


def labelled(label: str, style: str, message: str) -> Text:
    """« label : message », the label styled, the message as written."""
    return Text.assemble((label, style), " : ", visible(message))


INTERRUPTED_EXIT = 130  # as a shell reports a command stopped by Ctrl+C


def print_interrupted() -> None:
    """The line a command stopped by Ctrl+C or SIGTERM ends with."""
    err().print("interrompu : rien n'a été écrit à moitié (chargements atomiques).")


def print_error(message: str, label: str = "erreur") -> None:
    """One error line on stderr (« erreur : … »), wrapped by the terminal, not by rich."""
    err().print(labelled(label, "red", message), soft_wrap=True)


def print_note(message: str, label: str = "note") -> None:
    err().print(labelled(label, "yellow", message), soft_wrap=True)


def warn_interrupted(cfg: Settings) -> None:
    """What readers of the warehouse say first when a commit was interrupted: what they show
    is the last complete generation."""
    from ancrage.warehouse.store import Warehouse

    if (note := Warehouse(cfg).interrupted_note()) is not None:
        print_note(note, label="attention")


def print_text(text: str) -> None:
    """A text document (a reading sheet) on stdout, as written but control characters."""
    sys.stdout.write(visible(text))


def settings(home: Path | None) -> Settings:
    return Settings.resolve(home)


WRITE_ERRORS = {
    errno.ENOENT: "dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EROFS: "disque en lecture seule",
    errno.ENOSPC: "disque plein",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin est un fichier, pas un dossier",
    errno.EEXIST: "un élément du chemin est un fichier, pas un dossier",
}


def write_output(path: Path, data: bytes | str) -> None:
    """Write a file the user asked for (``--out``), its folder created when missing; a path
    that cannot be written gives a French error, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
    except OSError as exc:
        why = WRITE_ERRORS.get(exc.errno or 0, exc.strerror)
        raise ConfigError(
            f"impossible d'écrire le fichier ({why})",
            file=path,
            hint="Donnez avec --out un chemin de fichier dans un dossier accessible en écriture.",
        ) from exc


def print_json(data: Any) -> None:
    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode() + "\n")


def print_csv(columns: list[str], rows: list[list[Any]]) -> None:
    """CSV on stdout; text a spreadsheet would run as a formula is neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(safe_row(columns))
    writer.writerows(safe_row(row) for row in rows)
    sys.stdout.write(buf.getvalue())


def rich_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    """A table whose title, headers and cells are shown as written (:class:`Text`, not markup)."""
    table = Table(
        title=None if title is None else Text(visible(title)),
        title_justify="left",
        min_width=None if title is None else len(title),  # a title on one line
    )
    for i, col in enumerate(columns):
        cells = [row[i] for row in rows if row[i] not in (None, "", "—")]
        numbers = bool(cells) and all(_is_number(v) for v in cells)
        table.add_column(Text(visible(col)), justify="right" if numbers else "left")
    for row in rows:
        table.add_row(*[Text(visible(fmt(v))) for v in row])
    return table


# « 2,6 », « 12 % », « 29,3 % » (a code such as « 59 » is text); the space before % may be
# the no-break space of ancrage.fmt
_NUMBER_TEXT = re.compile(r"[-+]?\d[\d\u202f\u00a0 ]*(?:,\d+(?:[ \u00a0]?%)?|[ \u00a0]?%)")


def _is_number(value: Any) -> bool:
    """Numbers and percentages are right-aligned in tables, text is left-aligned."""
    if isinstance(value, str):
        return _NUMBER_TEXT.fullmatch(value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool)


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def description_column() -> TextColumn:
    """A progress bar's task name (often a file name: shown as written, in bold)."""
    return TextColumn("{task.description}", style="bold", markup=False)


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
            self.task = self.progress.add_task(visible(name), total=total)

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
            description_column(),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )

    def start_file(self, name: str, total_bytes: int) -> None:
        self.start(name, total_bytes)

    def end_file(self) -> None:
        self.end()

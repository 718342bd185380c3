"""ancrage load: load DECP files into the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ancrage.cli.common import (
    HomeOption,
    RichLoadProgress,
    TableFormat,
    out,
    print_error,
    print_json,
    rich_table,
    settings,
)

if TYPE_CHECKING:
    from ancrage.ingest.pipeline import LoadResult


def load(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="FICHIER", help="Fichiers DECP (JSON 2019/2024, XML, CSV…)."),
    ],
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    source_format: Annotated[
        str | None,
        typer.Option("--source-format", help="Forcer le format au lieu de le détecter."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Processus de lecture en parallèle (défaut : un par cœur, au plus 4).",
        ),
    ] = None,
) -> None:
    """Charge des fichiers DECP dans l'entrepôt et compte, par fichier, ce qui a été fait."""
    from ancrage.ingest.pipeline import default_workers, load_paths

    with RichLoadProgress() as progress:
        result = load_paths(
            settings(home),
            paths,
            progress=progress,
            source_format=source_format,
            workers=workers or default_workers(),
        )
    show_result(result, output)
    if result.errors:
        raise typer.Exit(code=max(e.exit_code for e in result.errors))


def show_result(result: LoadResult, output: TableFormat, title: str | None = None) -> None:
    if output is TableFormat.json:
        print_json([r.as_json() for r in result.reports])
    elif result.reports:
        rows = [
            [
                Path(r.file).name + (" (déjà chargé)" if r.already_loaded else ""),
                r.detected_format,
                r.read,
                r.loaded,
                r.repaired,
                r.quarantined,
                r.duplicates,
            ]
            for r in result.reports
        ]
        columns = ["fichier", "format", "lus", "chargés", "réparés", "quarantaine", "doublons"]
        out().print(rich_table(title, columns, rows))
    for error in result.errors:
        print_error(error.one_line())

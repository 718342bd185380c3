"""ancrage load: load DECP files into the warehouse."""

from __future__ import annotations

from collections.abc import Sequence
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
    print_note,
    rich_table,
    settings,
)

if TYPE_CHECKING:
    from ancrage.cli.files import Skipped
    from ancrage.ingest.pipeline import LoadResult
    from ancrage.settings import Settings


def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="CHEMIN",
            help="Fichiers DECP (JSON 2019/2024, XML, CSV…) ou dossiers qui les contiennent.",
        ),
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
    """Charge des fichiers DECP, ou les dossiers qui les contiennent, dans l'entrepôt et compte,
    par fichier, ce qui a été fait.

    Un dossier vaut pour les fichiers DECP qu'il contient, sous-dossiers compris ; ses autres
    fichiers sont ignorés, une ligne chacun (les avis : « ancrage notice load »)."""
    result, _ = load_inputs(settings(home), paths, source_format=source_format, workers=workers)
    show_result(result, output)
    if code := exit_code(result):
        raise typer.Exit(code=code)


def load_inputs(
    cfg: Settings,
    paths: Sequence[Path],
    *,
    source_format: str | None = None,
    workers: int | None = None,
) -> tuple[LoadResult, list[Skipped]]:
    """Load the DECP files of ``paths`` (folders walked), with a progress bar; the files of
    folders that are not DECP are skipped with one line each on stderr."""
    from ancrage.cli.files import decp_inputs
    from ancrage.ingest.pipeline import LoadResult, default_workers, load_paths

    inputs = decp_inputs(paths, source_format=source_format)
    for skipped in inputs.skipped:
        print_note(skipped.one_line(), label="ignoré")
    result = LoadResult()
    if inputs.files:
        with RichLoadProgress() as progress:
            result = load_paths(
                cfg,
                inputs.files,
                progress=progress,
                source_format=source_format,
                workers=workers or default_workers(),
            )
    result.errors[:0] = inputs.errors
    return result, inputs.skipped


def exit_code(result: LoadResult) -> int:
    """What ``load`` and ``demo`` exit with: 0, or the highest code of their errors (2 for a
    file that cannot be read, 3 for a busy warehouse…)."""
    return max((e.exit_code for e in result.errors), default=0)


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
    for note in result.notes:
        print_note(note)
    for error in result.errors:
        print_error(error.one_line())

"""ancrage export: every table behind every figure of the diagnostic, as files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ancrage.cli.common import FICTITIOUS_BANNER, HomeOption, out, settings, warn_interrupted
from ancrage.cli.diagnose import with_scope_options

if TYPE_CHECKING:
    from ancrage.diagnose import Scope


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


@with_scope_options
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Dossier de sortie.")],
    scope: Scope,
    reference: str | None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="csv (défaut), xlsx ou parquet.")
    ] = ExportFormat.csv,
    home: HomeOption = None,
) -> None:
    """Exporte toutes les tables derrière les chiffres du diagnostic (un fichier par table)."""
    from ancrage.diagnose import indicator_tables

    warn_interrupted(settings(home))
    tables = indicator_tables(settings(home), scope, reference=reference)
    fictitious = any(r.get("synthetic_files") for r in tables["quality"])
    if fmt is ExportFormat.parquet:
        from ancrage.report.export import write_parquet

        written = write_parquet(tables, out_dir)
    else:
        from ancrage.diagnose import buyer_names
        from ancrage.report.export import sheets, write_csv, write_xlsx

        items = sheets(tables, buyer_names(settings(home), tables))
        if fmt is ExportFormat.xlsx:
            workbook = out_dir / "diagnostic.xlsx"
            written = [write_xlsx(items, workbook, fictitious=fictitious, scope=scope.name())]
        else:
            written = write_csv(items, out_dir, fictitious=fictitious)
    console = out()
    if fictitious:
        console.print(FICTITIOUS_BANNER)
    what = (
        "un classeur avec un sommaire" if fmt is ExportFormat.xlsx else (f"{len(written)} fichiers")
    )
    console.print(f"{len(tables)} tableaux écrits dans {out_dir} ({what}).")

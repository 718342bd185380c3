"""ancrage export: every table behind every figure of the diagnostic, as files."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ancrage.cli.common import FICTITIOUS_BANNER, HomeOption, out, settings
from ancrage.cli.diagnose import with_scope_options
from ancrage.errors import ConfigError

if TYPE_CHECKING:
    from ancrage.diagnose import Scope


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"


def write_tables(
    tables: dict[str, list[dict[str, Any]]], fmt: ExportFormat, out_dir: Path
) -> list[Path]:
    """Write each table to ``out_dir`` (one file per table, or one workbook for xlsx)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"impossible de créer le dossier de sortie ({exc.strerror})",
            file=out_dir,
            hint="Donnez à --out un dossier accessible en écriture.",
        ) from exc
    written: list[Path] = []
    if fmt is ExportFormat.xlsx:
        import xlsxwriter  # type: ignore[import-untyped]

        path = out_dir / "diagnostic.xlsx"
        with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True}) as book:
            for i, (name, rows) in enumerate(tables.items()):
                sheet = book.add_worksheet(f"{i:02d}_{name}"[:31])
                columns = list(rows[0]) if rows else []
                sheet.write_row(0, 0, columns)
                for r, row in enumerate(rows, start=1):
                    sheet.write_row(r, 0, [row[c] for c in columns])
        return [path]
    for name, rows in tables.items():
        table = pa.Table.from_pylist(rows)
        path = out_dir / f"{name}.{fmt.value}"
        if fmt is ExportFormat.parquet:
            pq.write_table(table, path)
        else:
            pacsv.write_csv(table, path)
        written.append(path)
    return written


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

    tables = indicator_tables(settings(home), scope, reference=reference)
    written = write_tables(tables, fmt, out_dir)
    console = out()
    if any(r.get("synthetic_files") for r in tables["quality"]):
        console.print(FICTITIOUS_BANNER)
    console.print(f"{len(tables)} tables écrites dans {out_dir} ({len(written)} fichier(s)).")

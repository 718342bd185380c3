"""ancrage quarantine: records that could not be loaded, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from ancrage.cli.common import (
    HomeOption,
    ListFormat,
    out,
    print_csv,
    print_json,
    rich_table,
    settings,
)


def quarantine(
    home: HomeOption = None,
    output: Annotated[
        ListFormat, typer.Option("--format", help="table (défaut), json ou csv.")
    ] = ListFormat.table,
) -> None:
    """Liste les enregistrements mis en quarantaine : fichier, position, champ, valeur, raison."""
    from ancrage.warehouse.status import QUARANTINE_COLUMNS, quarantine_rows

    rows = quarantine_rows(settings(home))
    if output is ListFormat.json:
        print_json(rows)
    elif output is ListFormat.csv:
        print_csv(rows, QUARANTINE_COLUMNS)
    else:
        table_rows = [[r[c] for c in QUARANTINE_COLUMNS] for r in rows]
        out().print(rich_table(f"Quarantaine ({len(rows)})", QUARANTINE_COLUMNS, table_rows))

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

# What a user reads above each column (the JSON output keeps the column names)
HEADERS = {
    "source_file": "fichier",
    "source_record": "position",
    "record_id": "identifiant",
    "field": "champ",
    "raw_value": "valeur lue",
    "reason": "raison",
}


def quarantine(
    home: HomeOption = None,
    output: Annotated[
        ListFormat, typer.Option("--format", help="table (défaut), json ou csv.")
    ] = ListFormat.table,
) -> None:
    """Liste les enregistrements mis en quarantaine : fichier, position, champ, valeur, raison."""
    from ancrage.status import QUARANTINE_COLUMNS, quarantine_rows

    rows = quarantine_rows(settings(home))
    if output is ListFormat.json:
        print_json(rows)
        return
    headers = [HEADERS[c] for c in QUARANTINE_COLUMNS]
    table_rows = [[r[c] for c in QUARANTINE_COLUMNS] for r in rows]
    if output is ListFormat.csv:
        print_csv(headers, table_rows)
    elif not rows:
        out().print("Aucun enregistrement en quarantaine.")
    else:
        out().print(rich_table(f"Quarantaine ({len(rows)})", headers, table_rows))

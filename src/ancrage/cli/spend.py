"""ancrage load-spend: load a buyer's accounting export (purchases below the DECP threshold)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ancrage.cli.common import (
    HomeOption,
    TableFormat,
    out,
    print_json,
    print_note,
    rich_table,
    settings,
)

FIELD_LABELS = {
    "supplier_siret": "SIRET fournisseur",
    "supplier_siren": "SIREN fournisseur",
    "supplier_name": "nom fournisseur",
    "amount": "montant",
    "date": "date",
    "fiscal_year": "exercice",
    "account": "compte",
    "nature": "nature / libellé",
    "reference": "n° de mandat",
}


def load_spend_cmd(
    path: Annotated[
        Path, typer.Argument(metavar="FICHIER", help="Export comptable (CSV ; ou , ou XLSX).")
    ],
    buyer: Annotated[str, typer.Option("--buyer", help="SIRET de l'acheteur (14 chiffres).")],
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Colonnes à utiliser, CHAMP=COLONNE séparés par des virgules "
            "(supplier_siret, supplier_siren, supplier_name, amount, amount_ht, amount_ttc, "
            "date, account, nature, reference, fiscal_year). Complète la détection automatique.",
        ),
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Feuille du classeur XLSX (défaut : la première).")
    ] = None,
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Charge l'export comptable d'un acheteur (mandats) : achats sous le seuil des DECP."""
    from ancrage.spend.columns import parse_map
    from ancrage.spend.pipeline import load_spend

    report = load_spend(settings(home), path, buyer, mapping=parse_map(mapping or []), sheet=sheet)
    for note in report.notes:
        print_note(note)
    if output is TableFormat.json:
        print_json(report.as_json())
        return
    console = out()
    name = path.name + (" (déjà chargé)" if report.already_loaded else "")
    columns = ["fichier", "format", "lus", "chargés", "réparés", "quarantaine", "doublons", "€"]
    row = [
        name,
        report.detected_format,
        report.read,
        report.loaded,
        report.repaired,
        report.quarantined,
        report.duplicates,
        report.amount_eur,
    ]
    console.print(rich_table(None, columns, [row]))
    if not report.already_loaded:
        kind = f" ({report.amount_kind})" if report.amount_kind else " (HT/TTC non précisé)"
        mapped = [
            [FIELD_LABELS.get(f, f) + (kind if f == "amount" else ""), header]
            for f, header in report.columns.items()
        ]
        title = f"Colonnes reconnues (en-tête ligne {report.header_line})"
        console.print(rich_table(title, ["champ", "colonne du fichier"], mapped))

"""ancrage status: what the warehouse holds."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ancrage.cli.common import (
    FICTITIOUS_BANNER,
    HomeOption,
    TableFormat,
    out,
    print_json,
    print_note,
    rich_table,
    settings,
)
from ancrage.cli.enrich import enrichment_rows


def status(
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    audit: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="Montre aussi les champs des sources qu'Ancrage ne lit pas encore et les "
            "règles de correction jamais utilisées.",
        ),
    ] = False,
) -> None:
    """Montre ce que contient l'entrepôt, par source et par année."""
    from ancrage.status import warehouse_status

    data = warehouse_status(settings(home))
    if data["interrupted"]:
        print_note(data["interrupted"], label="attention")
    if output is TableFormat.json:
        if audit and data["files"]:
            from ancrage.cli.audit import audit_json

            data = {**data, "audit": audit_json(settings(home))}
        print_json(data)
        return
    console = out()
    console.print(f"Entrepôt : {data['home']}")
    if data["synthetic"]:
        console.print(FICTITIOUS_BANNER)
    if not data["files"]:
        console.print("L'entrepôt est vide. Chargez des fichiers avec « ancrage load ».")
        show_spend(data.get("spend"))
        return
    totals: dict[str, Any] = data["totals"]
    console.print(
        rich_table(
            "Totaux",
            ["", "nombre"],
            [
                ["fichiers chargés", totals["files"]],
                ["contrats", totals["contracts"]],
                ["lignes contrat × titulaire", totals["contract_suppliers"]],
                ["modifications", totals["modifications"]],
                ["actes de sous-traitance", totals["subcontracting"]],
                ["réparations consignées", totals["repairs"]],
                ["enregistrements en quarantaine", totals["quarantine"]],
                ["montants invraisemblables (signalés)", totals["amount_flagged"]],
            ],
        )
    )
    console.print(
        rich_table(
            "Par source et par année de notification",
            ["source", "année", "contrats", "montant (€ HT)", "montants signalés"],
            [
                [
                    r["source_format"],
                    year_text(r["year"]),
                    r["contracts"],
                    r["amount_eur"],
                    r["amount_flagged"],
                ]
                for r in data["by_source_year"]
            ],
        )
    )
    if data.get("enrichment"):
        rows = enrichment_rows(data["enrichment"])
        console.print(rich_table("Enrichissement", ["", "nombre", "part"], rows))
    show_spend(data.get("spend"))
    if audit:
        from ancrage.cli.audit import show_audit

        show_audit(settings(home))


def year_text(year: int | None) -> str:
    """A year as written (« 2018 », not a quantity: no thousands separator)."""
    return "inconnue" if year is None else str(year)


def show_spend(spend: dict[str, Any] | None) -> None:
    """« Dépenses »: the buyers' accounting exports (``ancrage load-spend``)."""
    if not spend:
        return
    console = out()
    totals = spend["totals"]
    console.print(
        rich_table(
            "Dépenses (comptabilité)",
            ["", "nombre"],
            [
                ["fichiers chargés", totals["files"]],
                ["lignes", totals["lines"]],
                ["montant (€)", totals["amount_eur"]],
                ["lignes en quarantaine", totals["quarantined"]],
            ],
        )
    )
    console.print(
        rich_table(
            "Dépenses par acheteur et par exercice",
            ["acheteur", "exercice", "lignes", "achats", "avec SIRET", "montant (€)"],
            [
                [
                    r["buyer_siret"],
                    year_text(r["year"]),
                    r["lines"],
                    r["purchase_lines"],
                    r["with_siret"],
                    r["amount_eur"],
                ]
                for r in spend["by_buyer_year"]
            ],
        )
    )

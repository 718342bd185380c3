"""ancrage enrich: who is each supplier, where, how big, what was bought."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn

from ancrage import fmt
from ancrage.cli.common import (
    HomeOption,
    RichProgress,
    TableFormat,
    description_column,
    out,
    print_json,
    print_note,
    rich_table,
    settings,
)
from ancrage.labels import RING_LABELS


class RichEnrichProgress(RichProgress):
    """A bar per enrichment step."""

    def __init__(self) -> None:
        super().__init__(
            description_column(),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )

    def start_step(self, name: str, total: int | None) -> None:
        self.start(name, total)

    def end_step(self) -> None:
        self.end()


def enrichment_rows(cov: dict[str, Any]) -> list[list[Any]]:
    """The « Enrichissement » table (shared with ``ancrage status``)."""
    return [
        ["lignes contrat × titulaire", cov["supplier_rows"], ""],
        [
            "titulaires situés (cercle connu)",
            cov["supplier_rows_located"],
            fmt.pct(cov["supplier_rows_located_share"], 1),
        ],
        [
            "titulaires dont la taille est connue",
            cov["supplier_rows_sized"],
            fmt.pct(cov["supplier_rows_sized_share"], 1),
        ],
        ["contrats", cov["contracts"], ""],
        ["acheteurs situés", cov["buyers_located"], fmt.pct(cov["buyers_located_share"], 1)],
    ]


def enrich(
    home: HomeOption = None,
    stock: Annotated[
        Path | None,
        typer.Option(
            "--sirene-stock",
            help="Dossier des fichiers stock SIRENE (StockEtablissement*.parquet|csv et "
            "StockUniteLegale*).",
            show_default=False,
        ),
    ] = None,
    api: Annotated[
        bool,
        typer.Option(
            "--api/--no-api",
            help="Interroger l'API Recherche d'entreprises pour les SIRET encore inconnus "
            "(réponses mises en cache).",
        ),
    ] = False,
    postal_base: Annotated[
        Path | None,
        typer.Option(
            "--laposte",
            help="Base officielle des codes postaux de La Poste (fichier ou dossier), pour les "
            "distances.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Enrichit l'entrepôt : qui est chaque titulaire, où, quelle taille, quel achat.

    Écrit les tables establishments, contracts_enriched et contract_suppliers_enriched
    (interrogeables comme vues). Sans fichier stock ni API, les acheteurs sont situés par le
    SIREN des communes et EPCI (COG) et par les départements donnés par les sources.
    """
    from ancrage.enrich import enrich as run_enrich

    with RichEnrichProgress() as progress:
        report = run_enrich(
            settings(home),
            stock_dir=stock,
            use_api=api,
            postal_base_dir=postal_base,
            progress=progress,
        )
    for note in report.notes:
        print_note(note)
    if output is TableFormat.json:
        print_json(report.as_json())
        return
    cov = report.coverage
    console = out()
    console.print(
        rich_table(
            "Enrichissement",
            ["", "nombre", "part"],
            [
                ["SIRET vus", report.sirets, ""],
                ["SIRET cherchés dans le stock SIRENE", report.looked_up_stock, ""],
                ["SIRET cherchés par l'API", report.looked_up_api, ""],
                ["SIRET connus de SIRENE", report.facts_known, ""],
                *enrichment_rows(cov),
            ],
        )
    )
    console.print(
        rich_table(
            "Cercles de proximité (titulaire / acheteur)",
            ["cercle", "lignes"],
            [[RING_LABELS[ring], n] for ring, n in cov["rings"].items()],
        )
    )
    if not report.distances:
        console.print(
            "Distances non calculées : donnez la base des codes postaux de La Poste (--laposte)."
        )
    elif postal_base is not None:
        console.print(
            "Base des codes postaux de La Poste gardée dans le cache : « ancrage report » "
            "l'utilisera sans --postal-base."
        )
    sized = cov["supplier_rows_sized_share"]
    if sized is not None and sized < 0.5:
        from ancrage.diagnose.sirene import sirene_advice
        from ancrage.warehouse.store import Warehouse

        con = Warehouse(settings(home)).connect()
        try:
            advice = sirene_advice(settings(home), con)
        finally:
            con.close()
        if advice is not None:
            console.print(advice.sentence, style="yellow")

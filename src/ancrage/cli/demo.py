"""ancrage demo: the main job on a fresh machine, without network."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ancrage.cli.common import (
    FICTITIOUS_BANNER,
    RichLoadProgress,
    TableFormat,
    fmt,
    out,
    print_json,
    settings,
)
from ancrage.cli.load import show_result
from ancrage.errors import InputFileError
from ancrage.settings import HOME_ENV, default_home

DATA_SUFFIXES = {".json", ".xml", ".csv", ".parquet"}


def demo(
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="Charger les fichiers réels de ce dossier au lieu de la démo."),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar=HOME_ENV,
            help="Dossier de données (défaut : <dossier Ancrage>/demo, séparé des vraies données).",
            show_default=False,
        ),
    ] = None,
    contracts: Annotated[
        int, typer.Option(help="Nombre de contrats fictifs à générer.", min=1)
    ] = 20_000,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Démonstration : génère des données DECP fictives réalistes, les charge et montre le bilan."""
    from ancrage.ingest.pipeline import default_workers, load_paths
    from ancrage.synth.decp import generate_decp
    from ancrage.warehouse.status import warehouse_status

    cfg = settings(home if home is not None else default_home() / "demo")
    console = out()
    if from_dir is None:
        data_dir = cfg.home / "demo-data"
        if output is TableFormat.table:
            console.print(FICTITIOUS_BANNER)
            console.print(f"Génération de {contracts} contrats fictifs dans {data_dir} …")
        paths = generate_decp(data_dir, contracts=contracts, seed=0)
        title = "Chargement des données FICTIVES de démonstration"
    else:
        paths = sorted(
            p for p in from_dir.rglob("*") if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
        )
        if not paths:
            raise InputFileError(
                "aucun fichier DECP (.json, .xml, .csv, .parquet) dans ce dossier",
                file=from_dir,
                hint="Indiquez le dossier qui contient les fichiers téléchargés.",
            )
        title = f"Chargement des fichiers de {from_dir}"
    with RichLoadProgress() as progress:
        result = load_paths(cfg, paths, progress=progress, workers=default_workers())
    if output is TableFormat.json:
        print_json(
            {
                "fictitious": from_dir is None,
                "home": str(cfg.home),
                "files": [r.as_json() for r in result.reports],
                "errors": [e.one_line() for e in result.errors],
            }
        )
    else:
        show_result(result, output, title=title)
        totals = warehouse_status(cfg)["totals"]
        if totals:
            console.print(
                f"L'entrepôt contient {fmt(totals['contracts'])} contrats "
                f"({fmt(totals['contract_suppliers'])} lignes contrat × titulaire, "
                f"{fmt(totals['modifications'])} modifications, "
                f"{fmt(totals['repairs'])} réparations consignées, "
                f"{fmt(totals['quarantine'])} enregistrements en quarantaine)."
            )
        console.print(f"Entrepôt : {cfg.home} — voir « ancrage status --home {cfg.home} ».")
        if from_dir is None:
            console.print(FICTITIOUS_BANNER)
    if result.errors:
        raise typer.Exit(code=1)

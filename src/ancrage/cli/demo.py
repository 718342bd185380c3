"""ancrage demo: the main job on a fresh machine, without network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ancrage.cli.common import (
    FICTITIOUS_BANNER,
    TableFormat,
    fmt,
    out,
    print_json,
    settings,
)
from ancrage.cli.load import exit_code, load_inputs, show_result
from ancrage.errors import ConfigError
from ancrage.settings import HOME_ENV, default_home

if TYPE_CHECKING:
    from ancrage.settings import Settings


def demo(
    from_dir: Annotated[
        Path | None,
        typer.Option(
            "--from",
            metavar="DOSSIER",
            help="Charger les fichiers DECP réels de ce dossier (sous-dossiers compris) au lieu "
            "des données fictives.",
        ),
    ] = None,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar=HOME_ENV,
            metavar="DOSSIER",
            help="Dossier de données (défaut : <dossier Ancrage>/demo, séparé des vraies données). "
            "La démonstration n'écrit jamais de données fictives dans un entrepôt qui contient "
            "des données réelles.",
            show_default=False,
        ),
    ] = None,
    contracts: Annotated[
        int, typer.Option(help="Nombre de contrats fictifs à générer.", min=1)
    ] = 20_000,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="Données officielles en direct (internet) : téléchargement, mise à jour et "
            "diagnostic du --territory, dans le dossier de données habituel.",
        ),
    ] = False,
    territory: Annotated[
        str | None,
        typer.Option(
            "--territory", metavar="TERRITOIRE", help="Territoire de --live : dep:86, reg:75…"
        ),
    ] = None,
) -> None:
    """Démonstration : génère des données DECP fictives réalistes, les charge et montre le bilan."""
    if live:
        from ancrage.cli.update import live_demo

        live_demo(home, territory, output)
        return
    from ancrage.status import warehouse_status
    from ancrage.synth.decp import generate_decp

    cfg = settings(home if home is not None else default_home() / "demo")
    fictitious = from_dir is None
    refuse_mixing(cfg, warehouse_status(cfg), fictitious=fictitious, from_dir=from_dir)
    console = out()
    if from_dir is None:
        data_dir = cfg.home / "demo-data"
        if output is TableFormat.table:
            console.print(FICTITIOUS_BANNER)
            console.print(f"Génération de {fmt(contracts)} contrats fictifs dans {data_dir} …")
        paths = generate_decp(data_dir, contracts=contracts, seed=0)
        title = "Chargement des données FICTIVES de démonstration"
    else:
        paths = [from_dir]
        title = f"Chargement des fichiers de {from_dir}"
    result, skipped = load_inputs(cfg, paths)
    if output is TableFormat.json:
        print_json(
            {
                "fictitious": fictitious,
                "home": str(cfg.home),
                "files": [r.as_json() for r in result.reports],
                "skipped": [s.as_json() for s in skipped],
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
            show_next_steps(cfg)
        if fictitious:
            console.print(FICTITIOUS_BANNER)
    if code := exit_code(result):
        raise typer.Exit(code=code)


def refuse_mixing(
    cfg: Settings, status: dict[str, Any], *, fictitious: bool, from_dir: Path | None
) -> None:
    """Fictitious and real data never share a warehouse: the demo refuses, saying which folder to
    use instead (the warehouse as it is stays untouched)."""
    files = status["files"]
    real_files = [f for f in files if not f["synthetic"]]
    spend_files = (status.get("spend") or {}).get("totals", {}).get("files", 0)
    if fictitious and (real_files or spend_files):
        held = f"{fmt(len(real_files))} fichier(s) DECP réel(s)" if real_files else ""
        if spend_files:
            held += (" et " if held else "") + f"{fmt(spend_files)} export(s) comptable(s)"
        raise ConfigError(
            f"cet entrepôt contient des données réelles ({held}) : la démonstration n'y mêle pas "
            "de données fictives",
            file=cfg.home,
            hint=f"Lancez-la dans son propre dossier : ancrage demo --home {cfg.home / 'demo'}",
        )
    if not fictitious and len(real_files) < len(files):
        raise ConfigError(
            "cet entrepôt contient les données fictives de la démonstration : des fichiers réels "
            "s'y mêleraient et tout l'entrepôt serait marqué fictif",
            file=cfg.home,
            hint=f"Chargez-les dans un autre dossier : ancrage demo --from {from_dir} --home "
            f"{cfg.home.parent / 'reel'}",
        )


def show_next_steps(cfg: Settings) -> None:
    """What to try after the demo, on this warehouse (a territory that has contracts in it)."""
    home = f"--home {cfg.home}"
    territory = busiest_department(cfg)
    scope = f" --territory dep:{territory}" if territory else ""
    steps = [
        (f"ancrage status {home}", "ce que contient l'entrepôt, par source et par année"),
        (
            f"ancrage enrich {home}",
            "situe acheteurs et titulaires (sans réseau : par le code officiel géographique), "
            "avant le diagnostic",
        ),
        (f"ancrage diagnose {home}{scope}", "le diagnostic d'un territoire"),
        (f"ancrage report {home}{scope} --out rapport.html", "le même, en rapport HTML ou PDF"),
        (f"ancrage export {home}{scope} --out tables", "les tables derrière chaque chiffre"),
        (f"ancrage quarantine {home}", "les enregistrements écartés, et pourquoi"),
    ]
    console = out()
    console.print("À essayer ensuite :", style="bold")
    for command, what in steps:
        console.print(f"  {command}", soft_wrap=True)  # one line, to copy
        console.print(f"      {what}", style="dim")


def busiest_department(cfg: Settings) -> str | None:
    """The département with the most buyers (then contracts) in the warehouse."""
    from ancrage.warehouse.store import Warehouse

    warehouse = Warehouse(cfg)
    if not warehouse.exists():
        return None
    con = warehouse.connect()
    try:
        row = con.execute(
            "SELECT buyer_department FROM contracts WHERE buyer_department IS NOT NULL "
            "GROUP BY ALL ORDER BY count(DISTINCT buyer_id) DESC, count(*) DESC, "
            "buyer_department LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    return None if row is None else str(row[0])

"""ancrage update: the daily job (fetch, load, enrich, notices, watch); the live demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from ancrage.cli.common import (
    HomeOption,
    RichLoadProgress,
    TableFormat,
    err,
    out,
    print_error,
    print_json,
    print_note,
    rich_table,
    settings,
)
from ancrage.cli.fetch import SinceOption, TerritoryOption, parse_day, show_reports, territory_of
from ancrage.settings import Settings

if TYPE_CHECKING:
    from ancrage.fetch.update import UpdateReport
    from ancrage.geo.territory import Territory

OFFLINE_DEMO = (
    "Hors ligne : impossible de joindre {host}. La démonstration en direct télécharge les "
    "données officielles et a besoin d'une connexion internet ; sans connexion, « ancrage demo » "
    "montre des données fictives."
)


class RichUpdateProgress(RichLoadProgress):
    """A bar per file, and one line per step on stderr."""

    def step(self, text: str) -> None:
        err().print(f"▸ {text}")


def update(
    territory: TerritoryOption = None,
    since: SinceOption = None,
    sources: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            metavar="SOURCE",
            help="Seulement ces sources (répétable) ; défaut : toutes (sans le stock SIRENE "
            "national quand un territoire est donné).",
        ),
    ] = None,
    api: Annotated[
        bool,
        typer.Option(
            "--api/--no-api",
            help="Demander à l'API Recherche d'entreprises les SIRET absents du stock SIRENE.",
        ),
    ] = True,
    mail: Annotated[
        bool,
        typer.Option("--mail/--no-mail", help="Envoyer les alertes si SMTP est configuré."),
    ] = True,
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Met à jour les données : téléchargement, chargement, enrichissement, avis, veille.

    Télécharge ce qui est nouveau, le charge dans l'entrepôt, enrichit ce qui a changé, charge
    les nouveaux avis et lance la veille. Interrompue à n'importe quel moment, la mise à jour
    suivante finit le travail. À lancer chaque jour (cron ou minuteur systemd, voir
    docs/fetch.md)."""
    report = run(settings(home), territory_of(territory), parse_day(since), sources, api, mail)
    if output is TableFormat.json:
        print_json(report.as_json())
        for note in report.warehouse_notes:
            print_note(note)
    else:
        show_update(report, settings(home).home)
    if report.errors:
        raise typer.Exit(code=max(e.exit_code for e in report.errors))


def run(
    cfg: Settings,
    territory: Territory | None,
    since: Any,
    sources: list[str] | None,
    api: bool,
    mail: bool,
) -> UpdateReport:
    from ancrage.fetch.update import run_update

    with RichUpdateProgress() as progress:
        return run_update(
            cfg,
            territory=territory,
            since=since,
            sources=sources or None,
            use_api=api,
            send_mail=mail,
            progress=progress,
        )


def show_update(report: UpdateReport, home: Path) -> None:
    from ancrage.fetch.update import STEP_LABELS, STEPS

    console = out()
    if report.resumed:
        console.print("La mise à jour précédente s'était arrêtée avant la fin : reprise.")
    show_reports(report.fetch, home)
    rows = [[STEP_LABELS[step], report.steps.get(step, "non fait")] for step in STEPS]
    console.print(rich_table("Mise à jour", ["étape", "résultat"], rows))
    console.print(
        f"Contrats : {report.decp_loaded} fichier(s) DECP chargé(s)"
        + (f", {report.forgotten} version(s) remplacée(s) retirée(s)" if report.forgotten else "")
        + f". Avis : {report.notices_loaded} nouveau(x). Alertes mises en file : "
        f"{report.alerts_queued}"
        + (f", envoyées : {report.alerts_sent}" if report.alerts_sent is not None else "")
        + "."
    )
    for note in report.notes:
        if note not in {n for r in report.fetch for n in r.notes}:
            console.print(note)
    for note in report.warehouse_notes:
        print_note(note)
    for error in report.errors:
        print_error(error.one_line())


def live_demo(home: Path | None, territory: str | None, output: TableFormat) -> None:
    """``ancrage demo --live``: fetch + update + diagnose for a territory, from official data."""
    from ancrage.cli.diagnose import show
    from ancrage.diagnose import build_scope, diagnose
    from ancrage.errors import ConfigError
    from ancrage.fetch.errors import OfflineError

    if territory is None:
        raise ConfigError(
            "--live demande un --territory",
            hint="Ex. ancrage demo --live --territory dep:86 (un département, une région, un "
            "EPCI ou une commune).",
        )
    cfg = settings(home)
    place = territory_of(territory)
    assert place is not None
    console = out()
    if output is TableFormat.table:
        console.print(
            f"Démonstration en direct : {place.nom} ({place.label}), données officielles "
            f"téléchargées dans {cfg.home}."
        )
    try:
        report = run(cfg, place, None, None, True, False)
    except OfflineError as exc:
        err().print(Text(OFFLINE_DEMO.format(host=exc.host), style="red"), soft_wrap=True)
        raise typer.Exit(code=exc.exit_code) from exc
    data = diagnose(cfg, build_scope(territory=territory))
    if output is TableFormat.json:
        print_json({"update": report.as_json(), "diagnostic": data})
        return
    show_update(report, cfg.home)
    show(data)

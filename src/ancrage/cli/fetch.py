"""ancrage fetch: download a source into the data home (resumable, verified, recorded)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ancrage.cli.common import (
    HomeOption,
    RichLoadProgress,
    TableFormat,
    out,
    print_error,
    print_json,
    rich_table,
    settings,
)
from ancrage.errors import ConfigError

if TYPE_CHECKING:
    from ancrage.fetch.run import SourceReport
    from ancrage.geo.territory import Territory

SOURCES_HELP = "decp, decp-officiel, boamp, ted, sirene, cog ou laposte."
STATUS_FR = {"new": "nouveau", "updated": "mis à jour", "unchanged": "inchangé"}

SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="AAAA-MM-JJ",
        help="Depuis cette date : avis publiés, contrats notifiés.",
    ),
]
TerritoryOption = Annotated[
    str | None,
    typer.Option(
        "--territory",
        metavar="TERRITOIRE",
        help="Restreindre au territoire quand la source le permet : dep:86, reg:75, epci:…",
    ),
]


def parse_day(text: str | None, option: str = "--since") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ConfigError(
            f"date « {text} » illisible pour {option}", hint="Écrivez-la AAAA-MM-JJ (2026-01-31)."
        ) from exc


def territory_of(text: str | None) -> Territory | None:
    if text is None:
        return None
    from ancrage.geo.territory import parse_territory

    return parse_territory(text)


def size_text(size: int) -> str:
    """``512 o``, ``4,3 Ko``, ``2,6 Mo``, ``1,9 Go``."""
    value, unit = float(size), "o"
    for bigger in ("Ko", "Mo", "Go"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    text = f"{value:.0f}" if unit == "o" else f"{value:.1f}".replace(".", ",")
    return f"{text} {unit}"


def fetch(
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help=f"Source à télécharger : {SOURCES_HELP}")
    ],
    since: SinceOption = None,
    territory: TerritoryOption = None,
    year: Annotated[
        int | None,
        typer.Option(
            "--year", metavar="ANNÉE", help="Une année seulement (DECP).", min=2015, max=2100
        ),
    ] = None,
    urls: Annotated[
        list[str] | None,
        typer.Option(
            "--url",
            metavar="URL",
            help="Fichier DECP d'un profil d'acheteur (répétable) ; il est ensuite repris à "
            "chaque mise à jour.",
        ),
    ] = None,
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Télécharge une source officielle dans le dossier de données.

    Les téléchargements interrompus reprennent où ils se sont arrêtés ; chaque fichier est
    vérifié (taille, somme de contrôle, format) avant d'être gardé ; un fichier déjà là n'est
    redemandé que s'il a changé. Le manifeste (<dossier>/fetch/manifest.json) dit ce qui a été
    pris, quand et d'où."""
    from ancrage.fetch.run import fetch_sources

    if urls and source != "decp":
        raise ConfigError(
            "--url ne vaut que pour la source decp", hint="Ex. ancrage fetch decp --url https://…"
        )
    from ancrage.fetch.decp import check_profile_url
    from ancrage.fetch.registry import connector

    connector(source)  # an unknown source is said before anything else
    for url in urls or ():
        check_profile_url(url)
    cfg = settings(home)
    with RichLoadProgress() as progress:
        [report] = fetch_sources(
            cfg,
            [source],
            since=parse_day(since),
            year=year,
            territory=territory_of(territory),
            urls=urls or (),
            progress=progress,
        )
    if output is TableFormat.json:
        print_json(report.as_json())
    else:
        show_reports([report], cfg.home)
    if report.error is not None:
        print_error(report.error.one_line())
        raise typer.Exit(code=report.error.exit_code)


def show_reports(reports: list[SourceReport], home: Path) -> None:
    console = out()
    rows: list[list[str]] = []
    for report in reports:
        for f in report.files:
            where = f.path.relative_to(home) if f.path.is_relative_to(home) else f.path
            state = STATUS_FR.get(f.status, f.status)
            if f.resumed_from:
                state += f" (repris à {size_text(f.resumed_from)})"
            rows.append([report.source, str(where), state, size_text(f.size)])
    if rows:
        console.print(rich_table(None, ["source", "fichier", "état", "taille"], rows))
    for report in reports:
        if not report.files and not report.notes and report.error is None:
            console.print(f"{report.source} : rien de nouveau.")
        for note in report.notes:
            console.print(note)
    changed = sum(f.status != "unchanged" for r in reports for f in r.files)
    manifest = home / "fetch" / "manifest.json"
    if all(r.error is not None and not r.files for r in reports):
        return  # the error says it all
    if changed:
        console.print(f"{changed} fichier(s) nouveau(x) ou mis à jour ; manifeste : {manifest}")
    else:
        console.print(f"Aucun fichier nouveau ni mis à jour ; manifeste : {manifest}")

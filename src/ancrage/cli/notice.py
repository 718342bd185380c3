"""ancrage notice: load calls for tenders (BOAMP, TED), show a reading sheet, search."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

import orjson
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from ancrage.cli.common import (
    HomeOption,
    RichLoadProgress,
    TableFormat,
    description_column,
    err,
    out,
    print_error,
    print_json,
    print_text,
    rich_table,
    settings,
)

app = typer.Typer(
    name="notice",
    help="Appels d'offres (BOAMP, TED) : chargement, fiche de lecture, recherche.",
    no_args_is_help=True,
)


class IndexRebuildBar:
    """When the search index has to be rebuilt: a French note on stderr, then a progress bar
    (only when stderr is a terminal). Nothing at all otherwise. ``before``: a progress display
    still running (the load's), stopped first (rich shows one at a time)."""

    def __init__(self, before: Progress | None = None) -> None:
        self.before = before
        self.console = err()
        self.progress = Progress(
            description_column(),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.console,
        )
        self.task: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()

    def start(self, name: str, total: int | None) -> None:
        if self.before is not None:
            self.before.stop()
        self.console.print(name, style="yellow", soft_wrap=True)
        if self.console.is_terminal:
            self.progress.start()
            self.task = self.progress.add_task("index de recherche", total=total)

    def advance(self, done: int) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=done)

    def end(self) -> None:
        if self.task is not None:
            total = self.progress.tasks[-1].total or 1
            self.progress.update(self.task, total=total, completed=total)
            self.progress.stop()
            self.task = None


class SheetFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


@app.command("load")
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="CHEMIN", help="Fichiers ou dossiers d'avis (BOAMP JSON/XML, TED eForms XML)."
        ),
    ],
    home: HomeOption = None,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
    eforms_dir: Annotated[
        Path | None,
        typer.Option(
            "--eforms-dir",
            help="Dossier de la table des champs du SDK eForms (défaut : <home>/reference/eforms).",
        ),
    ] = None,
) -> None:
    """Charge des avis dans la base des avis et compte, par fichier, ce qui a été fait."""
    from ancrage.notices.ingest import load_notices

    with RichLoadProgress() as progress, IndexRebuildBar(progress.progress) as rebuild:
        reports = load_notices(
            settings(home), paths, progress, eforms_dir=eforms_dir, index_progress=rebuild
        )
    if output is TableFormat.json:
        print_json([r.as_json() for r in reports])
    else:
        rows = [
            [
                Path(r.file).name + (" (déjà chargé)" if r.already_loaded else ""),
                r.detected_format or "—",
                r.read,
                r.loaded,
                r.quarantined,
                r.duplicates,
            ]
            for r in reports
            if r.error is None
        ]
        columns = ["fichier", "format", "lus", "chargés", "quarantaine", "doublons"]
        out().print(rich_table(None, columns, rows))
    errors = [r.error for r in reports if r.error is not None]
    for error in errors:
        print_error(error.one_line())
    if errors:
        raise typer.Exit(code=max(e.exit_code for e in errors))


@app.command("show")
def show(
    notice_id: Annotated[
        str, typer.Argument(metavar="AVIS", help="Identifiant de l'avis (ex. boamp:26-7113).")
    ],
    home: HomeOption = None,
    output: Annotated[
        SheetFormat, typer.Option("--format", help="text (défaut), json ou html.")
    ] = SheetFormat.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Écrire la fiche dans ce fichier.")
    ] = None,
) -> None:
    """Affiche la fiche de lecture d'un avis : quoi, qui, où, combien, quand, critères."""
    from ancrage.notices.sheet import reading_sheet, render_html, render_json, render_text
    from ancrage.notices.store import NoticeStore

    notice = NoticeStore(settings(home)).get(notice_id)
    sheet = reading_sheet(notice, today=date.today())
    if output is SheetFormat.html:
        text = render_html(sheet)
    elif output is SheetFormat.json:
        text = orjson.dumps(render_json(sheet), option=orjson.OPT_INDENT_2).decode() + "\n"
    else:
        text = render_text(sheet)
    if out_file is not None:
        out_file.write_text(text, encoding="utf-8")
        err().print(f"fiche écrite dans {out_file}")
    else:
        print_text(text)


@app.command("search")
def search(
    query: Annotated[
        str, typer.Argument(metavar="MOTS", help="Mots cherchés (ex. « menuiserie bois »).")
    ],
    home: HomeOption = None,
    cpv: Annotated[
        str | None, typer.Option("--cpv", help="Début de code CPV (ex. 45 : travaux).")
    ] = None,
    territory: Annotated[
        str | None,
        typer.Option("--territory", help="Territoire du lieu d'exécution (ex. dep:86, Poitiers)."),
    ] = None,
    open_only: Annotated[
        bool, typer.Option("--open", help="Seulement les avis ouverts (date limite à venir).")
    ] = False,
    deadline_after: Annotated[
        str | None,
        typer.Option(
            "--deadline-after",
            help="Date limite ce jour-là ou après (AAAA-MM-JJ, heure de Paris).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Nombre de résultats.")] = 20,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Recherche plein texte (français, sans accents ni pluriels) dans les avis chargés."""
    from ancrage.notices.search import search as search_notices

    after = _date(deadline_after) if deadline_after is not None else None
    with IndexRebuildBar() as rebuild:
        hits = search_notices(
            settings(home),
            query,
            cpv=cpv,
            territory=territory,
            open_only=open_only,
            deadline_after=after,
            limit=limit,
            progress=rebuild,
        )
    if output is TableFormat.json:
        print_json([h.as_json() for h in hits])
        return
    rows = [
        [
            h.id,
            (h.title or "—")[:60],
            h.buyer,
            h.deadline.strftime("%d/%m/%Y") if h.deadline else None,
            h.status,
            round(h.score, 2),
        ]
        for h in hits
    ]
    columns = ["avis", "objet", "acheteur", "date limite", "état", "score"]
    out().print(rich_table(f"{len(hits)} avis", columns, rows))


def _date(text: str) -> date:
    from ancrage.notices.search import NoticeSearchError

    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise NoticeSearchError(
            f"date « {text} » invalide", hint="Donnez une date AAAA-MM-JJ (ex. 2026-03-01)."
        ) from exc

"""ancrage notice: load calls for tenders (BOAMP, TED), show a reading sheet, search."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
    print_note,
    print_text,
    rich_table,
    settings,
)

TITLE_WIDTH = 60

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
            help="Dossier d'un fields.json du SDK eForms à utiliser pour les avis eForms "
            "(défaut : la table livrée avec Ancrage, SDK 1.7 à 1.15).",
        ),
    ] = None,
) -> None:
    """Charge des avis dans la base des avis et compte, par fichier, ce qui a été fait."""
    from ancrage.notices.ingest import errors_by_cause, load_notices

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
        if rows:  # no table without a row: the errors below say what happened
            out().print(rich_table(None, columns, rows))
    for message, files in errors_by_cause(reports):  # one line per cause, not per file
        where = "" if len(files) == 1 else f" ({len(files)} fichiers, dont {files[0]})"
        print_error(message + where)
    errors = [r.error for r in reports if r.error is not None]
    if errors:
        raise typer.Exit(code=max(e.exit_code for e in errors))


@app.command("show")
def show(
    notice_id: Annotated[
        str,
        typer.Argument(
            metavar="AVIS",
            help="Numéro de l'avis : BOAMP (ex. boamp:26-7113) ou TED (ex. ted:00047522-2024).",
        ),
    ],
    home: HomeOption = None,
    output: Annotated[
        SheetFormat,
        typer.Option(
            "--format",
            help="text (défaut), json (l'avis structuré et sa fiche) ou html.",
        ),
    ] = SheetFormat.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Écrire la fiche dans ce fichier.")
    ] = None,
) -> None:
    """Affiche la fiche de lecture d'un avis : quoi, qui, où, combien, quand, critères."""
    from ancrage.notices.document import notice_json
    from ancrage.notices.sheet import reading_sheet, render_html, render_json, render_text
    from ancrage.notices.store import NoticeStore
    from ancrage.notices.values import PARIS

    notice = NoticeStore(settings(home)).get(notice_id)
    now = datetime.now(UTC)
    sheet = reading_sheet(notice, today=now.astimezone(PARIS).date(), now=now)
    if output is SheetFormat.html:
        text = render_html(sheet)
    elif output is SheetFormat.json:
        document = {"notice": notice_json(notice, now), "sheet": render_json(sheet)}
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n"
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
    limit: Annotated[
        int, typer.Option("--limit", help="Nombre de résultats (1 à 1000, défaut 20).")
    ] = 20,
    output: Annotated[
        TableFormat, typer.Option("--format", help="table (défaut) ou json.")
    ] = TableFormat.table,
) -> None:
    """Recherche plein texte (français, sans accents ni pluriels, synonymes des métiers) dans
    les avis chargés : les avis qui ont tous les mots d'abord, puis ceux qui en ont le plus."""
    from ancrage.notices.labels import STATE_LABELS
    from ancrage.notices.search import search as search_notices
    from ancrage.notices.values import PARIS

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
            h.rank,
            h.id,
            cut_at_word(h.title or "—", TITLE_WIDTH),
            h.buyer,
            h.deadline.astimezone(PARIS).strftime("%d/%m/%Y") if h.deadline else None,
            STATE_LABELS[h.state],
            f"{h.matched}/{h.words}" if h.words else None,
        ]
        for h in hits
    ]
    if not hits:
        filtered = any(v is not None for v in (cpv, territory, after)) or open_only
        out().print(
            f"Aucun avis ne correspond à « {query} »"
            + (
                " avec ces filtres : essayez sans --cpv, --territory, --open ou "
                "--deadline-after, ou avec moins de mots."
                if filtered
                else " : essayez moins de mots, un mot plus courant ou un métier "
                "(« menuiserie », « nettoyage »)."
            ),
            soft_wrap=True,
        )
        return
    columns = ["rang", "avis", "objet", "acheteur", "date limite", "état", "mots trouvés"]
    out().print(rich_table(f"{len(hits)} avis", columns, rows))
    if hits and hits[0].words:
        print_note(
            "classés par nombre de mots trouvés, puis pertinence (mots du titre, puis des "
            "libellés CPV, puis du texte), puis date limite la plus tardive."
        )


def cut_at_word(text: str, width: int) -> str:
    """``text`` on one line, cut at a word boundary with « … » when longer than ``width``."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1].rsplit(" ", 1)[0] if " " in flat[: width - 1] else flat[: width - 1]
    return cut.rstrip(" ,;:-–—") + "…"


def _date(text: str) -> date:
    from ancrage.notices.errors import NoticeSearchError

    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise NoticeSearchError(
            f"date « {text} » invalide", hint="Donnez une date AAAA-MM-JJ (ex. 2026-03-01)."
        ) from exc

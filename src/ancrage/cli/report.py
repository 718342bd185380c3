"""ancrage report: the diagnostic as a document (self-contained HTML or PDF)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ancrage.cli.common import FICTITIOUS_BANNER, HomeOption, err, out, print_note, settings
from ancrage.cli.diagnose import with_scope_options

if TYPE_CHECKING:
    from ancrage.diagnose import Scope


class PdfEngineOption(StrEnum):
    auto = "auto"
    weasyprint = "weasyprint"
    chromium = "chromium"


@with_scope_options
def report(
    out_path: Annotated[
        Path,
        typer.Option("--out", help="Fichier à écrire : rapport.html ou rapport.pdf."),
    ],
    scope: Scope,
    reference: str | None,
    postal_base: Annotated[
        Path | None,
        typer.Option(
            "--postal-base",
            help="Base des codes postaux de La Poste (fichier ou dossier) pour la carte des "
            "communes. Défaut : la copie en cache, si elle existe.",
        ),
    ] = None,
    pdf_engine: Annotated[
        PdfEngineOption,
        typer.Option(
            "--pdf-engine", help="auto (WeasyPrint, sinon Chromium), weasyprint, chromium."
        ),
    ] = PdfEngineOption.auto,
    home: HomeOption = None,
) -> None:
    """Rapport territorial de la commande publique (HTML autonome ou PDF) : messages clés,
    graphiques, cartes, qualité des données, sources et méthode."""
    from ancrage.report import build_report, write_report
    from ancrage.report.render import output_format

    output_format(out_path)  # a bad suffix fails before any computation
    data = build_report(settings(home), scope, reference=reference, postal_base=postal_base)
    used = write_report(data, out_path, engine=pdf_engine.value)
    if data.fictitious:
        err().print(FICTITIOUS_BANNER)
    for note in data.map_notes:
        print_note(note)
    how = "" if used == "html" else f" (PDF par {used})"
    out().print(f"rapport écrit : {out_path}{how}")

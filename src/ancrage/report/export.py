"""Every table behind the diagnostic, written for a French user: CSV (``;``, decimal comma,
UTF-8 with BOM, as a French spreadsheet opens it) or one XLSX workbook with a table of contents;
Parquet keeps the machine form (English column names, shares as 0–1).

Headers, codes (rings, sizes, segments) and table titles are in French; shares are percentages
(a ``%`` number format in XLSX, ``… (%)`` columns in CSV); a buyer's name stands beside its id
(as users read it: :func:`ancrage.diagnose.names.names` repairs lost accents);
an empty table says why in a sentence; text cells are neutralised against formulas
(:func:`ancrage.cells.safe_cell`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ancrage.cells import safe_cell, safe_row
from ancrage.errors import ConfigError
from ancrage.fmt import number
from ancrage.indicators.registry import registry
from ancrage.indicators.relations import BREAKDOWNS
from ancrage.labels import RING_LABELS, SIZE_LABELS
from ancrage.reference.segments import segments

Rows = list[dict[str, Any]]
FICTITIOUS = (
    "DONNÉES FICTIVES — générées par Ancrage pour la démonstration, pas des données réelles"
)

# column → French header; a column ending in ``share`` (or ``top10_share``…) is a percentage
HEADERS: dict[str, str] = {
    "year": "année",
    "quarter": "trimestre",
    "buyer": "acheteur (SIRET ou identifiant)",
    "buyer_name": "acheteur (nom)",
    "segment": "segment d'achat (code)",
    "segment_label": "segment d'achat",
    "procedure": "famille de procédure",
    "amount_band": "tranche de montant",
    "ring": "cercle",
    "size_class": "taille",
    "band": "distance",
    "contracts": "contrats",
    "lines": "lignes de dépenses",
    "rows": "lignes contrat × titulaire",
    "rows_known": "lignes connues",
    "located_rows": "lignes localisées",
    "supplier_rows": "lignes contrat × titulaire",
    "amount_eur": "montant (€ HT)",
    "value_eur": "valeur globale (€ HT)",
    "valued": "contrats valorisés",
    "local_amount_eur": "montant local (€ HT)",
    "leaving_amount_eur": "montant qui sort (€ HT)",
    "flagged_amount_eur": "montants signalés (€ HT)",
    "subcontracting_amount_eur": "montant sous-traité (€ HT)",
    "buyers": "acheteurs",
    "suppliers": "titulaires",
    "framework_contracts": "accords-cadres",
    "credit_notes": "avoirs",
    "share_amount": "part du montant",
    "share_count": "part des lignes",
    "share_contracts": "part des contrats",
    "local_share": "part locale",
    "leaving_share": "part qui sort",
    "single_offer_share": "part à offre unique",
    "sme_share_amount": "part TPE/PME du montant",
    "sme_share_count": "part TPE/PME des lignes",
    "artisan_share_amount": "part artisans du montant",
    "artisan_share_count": "part artisans des lignes",
    "ess_share_amount": "part ESS du montant",
    "ess_share_count": "part ESS des lignes",
    "innovative_share": "part innovants",
    "advance_share": "part avec avance",
    "subcontracting_share": "part avec sous-traitance",
    "suppliers_unknown_share": "part des titulaires non localisés",
    "top10_share": "part des 10 premiers titulaires",
    "criterion_share": "part avec critère environnemental",
    "target": "cible",
    "reported": "contrats déclarant leurs considérations",
    "not_reported": "contrats sans déclaration",
    "clause": "avec clause",
    "criterion": "avec critère",
    "reserved": "marchés réservés",
    "none": "sans considération",
    "with_env": "avec considération environnementale",
    "with_criterion": "avec critère environnemental",
    "contracts_with_offers": "contrats renseignant les offres",
    "mean_offers": "offres reçues (moyenne)",
    "median_offers": "offres reçues (médiane)",
    "median_km": "distance médiane (km)",
    "hhi": "indice de Herfindahl-Hirschman",
    "innovative_known": "contrats renseignant « innovant »",
    "advance_known": "contrats renseignant l'avance",
    "subcontracting_known": "contrats renseignant la sous-traitance",
    "subcontracting_acts": "actes de sous-traitance",
    "local_establishments": "établissements locaux du métier",
    "establishments_available": "établissements SIRENE disponibles",
    "missing_amounts": "contrats sans montant",
    "flagged_amounts": "montants signalés",
    "buyers_unlocated": "acheteurs non localisés",
    "suppliers_unknown_location": "titulaires non localisés",
    "quarantined_records": "enregistrements en quarantaine",
    "files": "fichiers",
    "synthetic_files": "fichiers fictifs",
}
_SHARE = re.compile(r"(^|_)share($|_)|^target$")
_CODES: dict[str, Mapping[str, str]] = {"ring": RING_LABELS, "size_class": SIZE_LABELS}


def is_share(column: str) -> bool:
    return bool(_SHARE.search(column))


@dataclass(frozen=True)
class Sheet:
    """One table as the user reads it: ``name`` (file or sheet name), ``title``, ``note``
    (definition, or why it is empty), French ``headers``, ``rows`` (values, shares 0–1),
    which columns are ``shares``."""

    key: str
    name: str
    title: str
    note: str
    headers: list[str]
    shares: list[bool]
    rows: list[list[Any]]


def _title(key: str) -> tuple[str, str]:
    """French title and definition of ``<indicator>[__by_<breakdown>]`` (``ref__`` prefix for
    the reference scope)."""
    ref = key.startswith("ref__")
    base = key.removeprefix("ref__")
    ind_id, _, breakdown = base.partition("__by_")
    ind = registry().get(ind_id)
    title = ind.label if ind else ind_id
    if breakdown:
        title += f", par {BREAKDOWNS.get(breakdown, breakdown).split(' (')[0]}"
    if ref:
        title = f"Référence : {title}"
    return title, (ind.definition if ind else "")


def _empty_reason(key: str) -> str:
    base = key.removeprefix("ref__")
    if base.startswith("spend_"):
        return (
            "Aucune ligne : aucune dépense de la comptabilité des acheteurs n'est chargée "
            "pour ce périmètre (ancrage load-spend)."
        )
    if base.startswith("env_obligation"):
        return "Aucune ligne : aucun contrat du périmètre n'est notifié depuis le 21 août 2026."
    if base.startswith("concessions"):
        return "Aucune ligne : aucun contrat de concession dans ce périmètre."
    return "Aucune ligne : aucun contrat du périmètre pour ce tableau."


def sheets(tables: Mapping[str, Rows], names: Mapping[str, str]) -> list[Sheet]:
    """The tables in French, with a segment's label and a buyer's name beside their codes."""
    labels = {s.id: s.label for s in segments().values()}
    out = []
    used: set[str] = set()
    for i, (key, rows) in enumerate(tables.items(), start=1):
        title, definition = _title(key)
        columns = list(rows[0]) if rows else []
        extra: list[tuple[str, str]] = []  # (after column, added column)
        if "segment" in columns:
            extra.append(("segment", "segment_label"))
        if "buyer" in columns:
            extra.append(("buyer", "buyer_name"))
        for after, added in extra:
            columns.insert(columns.index(after) + 1, added)
        body = []
        for row in rows:
            values = dict(row)
            if "segment" in values:
                values["segment_label"] = labels.get(values["segment"] or "", "segment inconnu")
            if "buyer" in values:
                values["buyer_name"] = names.get(values["buyer"] or "")
            for col, table in _CODES.items():
                if col in values and values[col] in table:
                    values[col] = table[values[col]]
            body.append([values.get(c) for c in columns])
        name = _sheet_name(i, key, title, used)
        out.append(
            Sheet(
                key=key,
                name=name,
                title=title,
                note=definition if rows else _empty_reason(key),
                headers=[HEADERS.get(c, c) for c in columns],
                shares=[is_share(c) for c in columns],
                rows=body,
            )
        )
    return out


_SHORT = {
    "year": "par année",
    "buyer": "par acheteur",
    "segment": "par segment",
    "procedure": "par procédure",
    "amount_band": "par tranche",
    "quarter": "par trimestre",
}
_DANGLING = {
    "–",
    "-",
    "de",
    "des",
    "du",
    "la",
    "le",
    "les",
    "et",
    "à",
    "d",
    "l",
    "par",
    "en",
    "au",
    "aux",
}


def _sheet_name(i: int, key: str, title: str, used: set[str]) -> str:
    """``11 Localisation par année``: the number, the first whole words of the indicator's
    title and the breakdown, at most 31 characters (Excel's limit), never a word cut; the full
    title is on the table of contents."""
    base = key.removeprefix("ref__")
    _, _, breakdown = base.partition("__by_")
    suffix = (["réf."] if key.startswith("ref__") else []) + (
        [_SHORT.get(breakdown, breakdown)] if breakdown else []
    )
    tail = " ".join(suffix)
    label = title.removeprefix("Référence : ").split(", par ")[0]
    room = 31 - 3 - (len(tail) + 1 if tail else 0)
    words: list[str] = []
    for word in re.sub(r"[\[\]:*?/\\',]", " ", label).split():
        if len(" ".join([*words, word])) > room:
            break
        words.append(word)
    while words and words[-1].lower() in _DANGLING:
        words.pop()
    name = " ".join([f"{i:02d}", *words, *([tail] if tail else [])])
    used.add(name)
    return name


def make_dir(out_dir: Path) -> None:
    """``out_dir`` created, or a clear error when it cannot be."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"impossible de créer le dossier de sortie ({exc.strerror})",
            file=out_dir,
            hint="Donnez à --out un dossier accessible en écriture.",
        ) from exc


def write_parquet(tables: dict[str, list[dict[str, Any]]], out_dir: Path) -> list[Path]:
    """One Parquet file per table, in the machine form (column names and shares as computed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    make_dir(out_dir)
    written = []
    for name, rows in tables.items():
        path = out_dir / f"{name}.parquet"
        pq.write_table(pa.Table.from_pylist(rows), path)
        written.append(path)
    return written


def _csv_value(value: Any, share: bool) -> Any:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int | float):
        if share:
            return number(100 * value, 1).replace("\u202f", "")
        digits = 0 if isinstance(value, int) or float(value).is_integer() else 2
        return number(value, digits).replace("\u202f", "")
    return safe_cell(value)


def write_csv(items: Sequence[Sheet], out_dir: Path, *, fictitious: bool) -> list[Path]:
    """One CSV per table (``;``, decimal comma, UTF-8 with BOM); a ``sommaire.csv`` lists them."""
    make_dir(out_dir)
    written = []
    for sheet in items:
        path = out_dir / f"{sheet.key}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f, delimiter=";")
            headers = [
                h + " (%)" if s else h for h, s in zip(sheet.headers, sheet.shares, strict=True)
            ]
            if sheet.rows:
                w.writerow(safe_row(headers))
                for row in sheet.rows:
                    w.writerow([_csv_value(v, s) for v, s in zip(row, sheet.shares, strict=True)])
            else:
                w.writerow([safe_cell(sheet.note)])
        written.append(path)
    toc = out_dir / "sommaire.csv"
    with toc.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, delimiter=";")
        if fictitious:
            w.writerow([FICTITIOUS])
        w.writerow(["fichier", "tableau", "lignes", "définition ou remarque"])
        for sheet in items:
            w.writerow(safe_row([f"{sheet.key}.csv", sheet.title, len(sheet.rows), sheet.note]))
    return [toc, *written]


def write_xlsx(items: Sequence[Sheet], path: Path, *, fictitious: bool, scope: str) -> Path:
    """One workbook: a « Sommaire » sheet (title, scope, a link to every table), then one sheet
    per table with its title, its note and French headers; shares in ``%``."""
    import xlsxwriter  # type: ignore[import-untyped]

    make_dir(path.parent)
    with xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True}) as book:
        bold = book.add_format({"bold": True})
        title_fmt = book.add_format({"bold": True, "font_size": 14})
        head = book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"})
        percent = book.add_format({"num_format": "0.0%"})
        amount = book.add_format({"num_format": "#,##0"})
        link = book.add_format({"font_color": "blue", "underline": 1})
        warn = book.add_format({"bold": True, "font_color": "#b3261e"})
        toc = book.add_worksheet("Sommaire")
        toc.write(0, 0, "Diagnostic de la commande publique — tableaux", title_fmt)
        toc.write(1, 0, safe_cell(f"Périmètre : {scope}"))
        row = 2
        if fictitious:
            toc.write(row, 0, FICTITIOUS, warn)
            row += 1
        toc.write_row(row + 1, 0, ["feuille", "tableau", "lignes", "définition ou remarque"], bold)
        toc.set_column(0, 0, 34)
        toc.set_column(1, 1, 60)
        toc.set_column(3, 3, 100)
        for i, sheet in enumerate(items, start=row + 2):
            toc.write_url(i, 0, f"internal:'{sheet.name}'!A1", link, sheet.name)
            toc.write(i, 1, safe_cell(sheet.title))
            toc.write(i, 2, len(sheet.rows))
            toc.write(i, 3, safe_cell(sheet.note))
        for sheet in items:
            ws = book.add_worksheet(sheet.name)
            ws.write(0, 0, safe_cell(sheet.title), title_fmt)
            ws.write(1, 0, safe_cell(sheet.note))
            ws.write_url(2, 0, "internal:'Sommaire'!A1", link, "← sommaire")
            if not sheet.rows:
                continue
            ws.write_row(4, 0, safe_row(sheet.headers), head)
            ws.set_row(4, 45)
            for c, share in enumerate(sheet.shares):
                ws.set_column(c, c, 18, percent if share else None)
            for r, values in enumerate(sheet.rows, start=5):
                for c, value in enumerate(values):
                    if isinstance(value, bool):
                        ws.write(r, c, "oui" if value else "non")
                    elif isinstance(value, float) and not sheet.shares[c] and abs(value) >= 1000:
                        ws.write_number(r, c, value, amount)
                    else:
                        ws.write(r, c, safe_cell(value))
            ws.freeze_panes(5, 0)
    return path

"""Find the header row and map its columns to canonical fields (synonyms, or ``--map``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ancrage.errors import ConfigError, InputFileError
from ancrage.ingest.lookups import fold
from ancrage.spend.reader import Cell, Sheet
from ancrage.spend.tables import AMOUNT_FIELDS, FIELDS, SUPPLIER_FIELDS, header_synonyms

HEADER_SEARCH_ROWS = 30  # title lines of an export ("État des mandats…") come before the header
_MAP_HINT = (
    'Écrivez CHAMP=COLONNE séparés par des virgules, par exemple : --map supplier_siret="N° SIRET",'
    'amount_ttc="Montant TTC".'
)
_KINDS = {"amount_ht": "HT", "amount_ttc": "TTC"}


@dataclass(frozen=True)
class ColumnMap:
    """Where each canonical field is, in a file."""

    header_line: int
    headers: tuple[str, ...]
    columns: dict[str, int]  # field → column index (one amount field at most)
    amount_kind: str | None  # HT / TTC as declared by the header, None when not said

    def source(self, field: str) -> str | None:
        index = self.columns.get(field)
        return None if index is None else self.headers[index]


def parse_map(options: Sequence[str]) -> dict[str, str]:
    """``["supplier_siret=SIRET,amount=Montant"]`` → ``{"supplier_siret": "SIRET", ...}``."""
    out: dict[str, str] = {}
    for option in options:
        for item in option.split(","):
            if not item.strip():
                continue
            field, sep, column = item.partition("=")
            field, column = field.strip(), column.strip().strip('"').strip()
            if not sep or not field or not column:
                raise ConfigError(f"option --map illisible : {item.strip()!r}", hint=_MAP_HINT)
            if field not in FIELDS:
                raise ConfigError(
                    f"champ inconnu dans --map : {field!r}",
                    hint=f"Champs possibles : {', '.join(FIELDS)}.",
                )
            out[field] = column
    if sum(f in out for f in AMOUNT_FIELDS) > 1:
        raise ConfigError(
            "une seule colonne de montant dans --map (amount, amount_ht ou amount_ttc)",
            hint=_MAP_HINT,
        )
    return out


def _text(cell: Cell) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _auto(headers: Sequence[str]) -> dict[str, int]:
    """Field → first column whose header is a known synonym."""
    synonyms = header_synonyms()
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        synonym = synonyms.get(fold(header)) if header else None
        if synonym is not None and synonym.field not in found:
            found[synonym.field] = index
    return found


def _header_row(sheet: Sheet, explicit: dict[str, str]) -> int:
    """Index in ``sheet.rows`` of the header: the first row naming two known fields (or all the
    columns given with --map); the first row when none does."""
    wanted = {fold(c) for c in explicit.values()}
    for i, (_, cells) in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        headers = [_text(c) for c in cells]
        folded = {fold(h) for h in headers if h}
        if (wanted and wanted <= folded) or (not wanted and len(_auto(headers)) >= 2):
            return i
    return 0


def _seen(headers: Sequence[str]) -> str:
    named = [h for h in headers if h]
    return ", ".join(named) if named else "aucune"


def map_columns(
    path: Path, sheet: Sheet, explicit: dict[str, str]
) -> tuple[ColumnMap, list[tuple[int, list[Cell]]]]:
    """The column map and the data rows (after the header)."""
    if not sheet.rows:
        raise InputFileError("aucune ligne dans le fichier", file=path)
    at = _header_row(sheet, explicit)
    line, cells = sheet.rows[at]
    headers = tuple(_text(c) for c in cells)
    folded = [fold(h) for h in headers]
    columns = _auto(headers)
    if any(f in explicit for f in AMOUNT_FIELDS):
        for f in AMOUNT_FIELDS:
            columns.pop(f, None)
    for field, column in explicit.items():
        if fold(column) not in folded:
            raise InputFileError(
                f"colonne {column!r} de --map absente du fichier (colonnes vues : "
                f"{_seen(headers)})",
                file=path,
                hint="Recopiez le nom exact de l'en-tête de colonne.",
            )
        columns[field] = folded.index(fold(column))
    amount = next((f for f in AMOUNT_FIELDS if f in columns), None)
    if amount is None:
        raise InputFileError(
            f"aucune colonne de montant trouvée (colonnes vues : {_seen(headers)})",
            file=path,
            hint='Indiquez-la avec --map, par exemple : --map amount_ttc="NOM DE LA COLONNE" '
            "(ou amount_ht=…, ou amount=… si le fichier ne dit pas HT ou TTC).",
        )
    if not any(f in columns for f in SUPPLIER_FIELDS):
        raise InputFileError(
            f"aucune colonne de fournisseur trouvée, ni SIRET, ni SIREN, ni nom (colonnes vues : "
            f"{_seen(headers)})",
            file=path,
            hint='Indiquez-la avec --map, par exemple : --map supplier_siret="NOM DE LA COLONNE" '
            "(ou supplier_name=…).",
        )
    if "date" not in columns and "fiscal_year" not in columns:
        raise InputFileError(
            f"aucune colonne de date ni d'exercice trouvée (colonnes vues : {_seen(headers)})",
            file=path,
            hint='Indiquez-la avec --map, par exemple : --map date="NOM DE LA COLONNE" '
            "(ou fiscal_year=…).",
        )
    kind = _KINDS.get(amount)
    if kind is None:
        synonym = header_synonyms().get(folded[columns[amount]])
        kind = synonym.amount_kind if synonym else None
    for f in AMOUNT_FIELDS:
        if f != amount:
            columns.pop(f, None)
    columns["amount"] = columns.pop(amount)
    return ColumnMap(line, headers, columns, kind), sheet.rows[at + 1 :]

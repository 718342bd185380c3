"""Read an accounting export as rows of cells: CSV (``;`` ``,`` tab, UTF-8 or Windows-1252) or XLSX.

The format is told by the file's first bytes, not its name. Rows carry their line number in the
file (CSV physical line where the row starts, or spreadsheet row), so every line can be traced.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ancrage.errors import InputFileError

Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | None
_DELIMITERS = (";", ",", "\t", "|")
_SNIFF_ROWS = 50
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class Sheet:
    """The rows of a file, before header detection."""

    kind: str  # "csv" or "xlsx"
    detail: str  # "utf-8, ;" or the sheet name
    rows: list[tuple[int, list[Cell]]]


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """All non-empty rows of ``path`` with their line numbers."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputFileError("fichier introuvable", file=path) from exc
    except OSError as exc:
        raise InputFileError(f"fichier illisible ({exc.strerror})", file=path) from exc
    if not data.strip():
        raise InputFileError(
            "fichier vide", file=path, hint="Exportez à nouveau les mandats depuis le logiciel."
        )
    if data.startswith(_OLE_MAGIC):
        raise InputFileError(
            "ancien format Excel (.xls) non pris en charge",
            file=path,
            hint="Enregistrez le fichier au format .xlsx ou CSV, puis relancez.",
        )
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(path, data, sheet)
    if sheet is not None:
        raise InputFileError(
            "l'option --sheet ne s'applique qu'aux classeurs XLSX", file=path, hint="Retirez-la."
        )
    return _read_csv(path, data)


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise InputFileError(
            "fichier binaire : ni CSV ni XLSX",
            file=path,
            hint="Exportez les mandats au format CSV ou XLSX.",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1252 leaves five bytes undefined: latin-1 reads them (as control characters)
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _sniff(text: str) -> str:
    """The delimiter that splits the first lines into the most regular table."""
    head = "\n".join(text.splitlines()[:_SNIFF_ROWS])
    best, best_score = ";", (-1, -1)
    for delim in _DELIMITERS:
        try:
            widths = Counter(len(r) for r in csv.reader(io.StringIO(head), delimiter=delim) if r)
        except csv.Error:  # a field over the limit: reading the file says where
            continue
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda wc: (wc[1], wc[0]))
        score = (count if width > 1 else 0, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _read_csv(path: Path, data: bytes) -> Sheet:
    text, encoding = _decode(path, data)
    delim = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[tuple[int, list[Cell]]] = []
    start = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((start, list(row)))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _csv_error(path, start, exc) from exc
    name = {"\t": "tabulation"}.get(delim, delim)
    return Sheet("csv", f"{encoding}, séparateur {name}", rows)


def _csv_error(path: Path, line: int, exc: csv.Error) -> InputFileError:
    """The CSV module's error, in French, with the line where the row that fails starts."""
    if "field larger than field limit" in str(exc):
        return InputFileError(
            f"ligne {line} : un champ dépasse {csv.field_size_limit() // 1024} Kio, ce n'est pas "
            "une valeur d'export comptable",
            file=path,
            hint='Un guillemet (") ouvert sans être refermé avale souvent la suite du fichier : '
            "vérifiez cette ligne, ou exportez à nouveau les mandats.",
        )
    return InputFileError(
        f"ligne {line} : CSV illisible ({exc})",
        file=path,
        hint="Exportez à nouveau les mandats au format CSV ou XLSX.",
    )


def _read_xlsx(path: Path, data: bytes, sheet: str | None) -> Sheet:
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputFileError(
            f"classeur XLSX illisible ({type(exc).__name__})",
            file=path,
            hint="Ouvrez-le dans un tableur et enregistrez-le à nouveau au format .xlsx.",
        ) from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputFileError(
                f"feuille {sheet!r} absente du classeur (feuilles : {', '.join(book.sheetnames)})",
                file=path,
                hint="Indiquez l'une de ces feuilles avec --sheet.",
            )
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows: list[tuple[int, list[Cell]]] = []
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells: list[Cell] = [_cell(v) for v in values]
            if any(c is not None and str(c).strip() for c in cells):
                rows.append((number, cells))
        return Sheet("xlsx", f"feuille {ws.title}", rows)
    finally:
        book.close()


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | dt.date | dt.time):
        return value
    return str(value)  # formulas' errors, rich text… as text

"""Normalisers for the cells of an accounting export; each returns ``(value, rule)``.

As in :mod:`ancrage.ingest.values`, ``rule`` names the repair applied (``None``: taken as is).
Cells come as text (CSV) or typed values (XLSX: numbers, dates).
"""

from __future__ import annotations

import datetime as dt
import re

from ancrage.ingest import values as base
from ancrage.ingest.values import RULES as BASE_RULES
from ancrage.ingest.values import Fixed, is_null_token, is_valid_siret
from ancrage.spend.reader import Cell

RULES: dict[str, str] = {
    **BASE_RULES,
    "amount_text_parsed": "montant écrit à la française (espaces, virgule, €, signe) converti",
    "amount_invalid_dropped": "montant illisible",
    "date_excel_serial_converted": "date au format numérique d'Excel convertie",
    "date_short_year_expanded": "année sur deux chiffres complétée (20xx)",
    "supplier_id_invalid_dropped": "identifiant d'entreprise invalide (ni SIRET ni SIREN valide)"
    " ignoré",
    "account_extracted": "numéro de compte extrait de l'imputation (chapitre, fonction retirés)",
    "account_from_nature": "colonne « nature » contenant un numéro de compte : prise comme compte",
    "fiscal_year_invalid_dropped": "exercice illisible ignoré",
    "row_padded": "ligne plus courte que l'en-tête : cellules manquantes prises vides",
}

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_CURRENCY = re.compile(r"\s*(€|eur|euros?)$", re.IGNORECASE)
_GROUPING = re.compile(r"[\s\u00a0\u202f']")
_INT = re.compile(r"\d+")
_FR_DECIMAL = re.compile(r"\d+,\d+")
_FR_GROUPED = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")
_EN_GROUPED = re.compile(r"\d{1,3}(,\d{3})+\.\d+")
_DOT_DECIMAL = re.compile(r"\d*\.\d+|\d+\.")
_FR_NATIVE = re.compile(r"[+-]?\d{1,3}([ \u00a0\u202f]?\d{3})*(,\d+)?")
_FR_PLAIN_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_SERIAL = re.compile(r"\d{5}(\.\d+)?")
_FR_DATE_SEP = re.compile(r"^(\d{1,2})[-.](\d{1,2})[-.](\d{4})$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
_FR_DATETIME = re.compile(r"^(\d{1,2}/\d{1,2}/\d{4})[ T]\d{1,2}:\d{2}(:\d{2})?$")
_ACCOUNT = re.compile(r"\d{2,8}")
_IMPUTATION = re.compile(r"\d+([ /.-]+\d+)*")


def _str(cell: Cell) -> str | None:
    """Trimmed text, ``None`` for empty cells and null tokens."""
    if cell is None:
        return None
    s = str(cell).strip()
    return None if not s or is_null_token(s) else s


def amount(cell: Cell) -> Fixed:
    """An amount in euros; credit notes are negative. ``"1 234,50 €"``, ``"(12,00)"``,
    ``"12.345,67"``, ``"1,234.56"``, ``"15,00-"`` are read."""
    if isinstance(cell, bool | dt.date | dt.time):
        return None, "amount_invalid_dropped"
    if isinstance(cell, int | float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            return None, "amount_invalid_dropped"
        return float(cell), None
    s = _str(cell)
    if s is None:
        return None, None
    try:
        value = float(s)
    except ValueError:
        pass
    else:
        if value != value or value in (float("inf"), float("-inf")):
            return None, "amount_invalid_dropped"
        return value, None
    return _amount_text(s)


def _amount_text(raw: str) -> Fixed:
    """French amounts (``1 234,56``, ``-150,00``) are the native format of these exports: read
    without a repair. Other writings (currency sign, parentheses, trailing minus, ``12.345,67``,
    ``1,234.56``) are read and logged."""
    negative = False
    s = _CURRENCY.sub("", raw).strip()
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-"):
        negative, s = not negative, s[:-1].strip()
    if s[:1] in ("-", "+"):
        negative, s = negative != (s[0] == "-"), s[1:]
    s = _GROUPING.sub("", _CURRENCY.sub("", s))
    if _INT.fullmatch(s):
        text = s
    elif _FR_DECIMAL.fullmatch(s):
        text = s.replace(",", ".")
    elif _FR_GROUPED.fullmatch(s):
        text = s.replace(".", "").replace(",", ".")
    elif _EN_GROUPED.fullmatch(s):
        text = s.replace(",", "")
    elif _DOT_DECIMAL.fullmatch(s):
        text = s
    else:
        return None, "amount_invalid_dropped"
    value = float(text)
    rule = None if _FR_NATIVE.fullmatch(raw.strip()) else "amount_text_parsed"
    return (-value if negative else value), rule


def date(cell: Cell, today: dt.date) -> Fixed:
    """A date: spreadsheet date, ISO, dd/mm/yyyy (or - .), dd/mm/yy, Excel serial number."""
    if isinstance(cell, dt.datetime):
        return _plausible(cell.date(), None, today)
    if isinstance(cell, dt.date):
        return _plausible(cell, None, today)
    if isinstance(cell, bool | dt.time):
        return None, "date_invalid_dropped"
    if isinstance(cell, int | float):
        return _serial(float(cell), today)
    s = _str(cell)
    if s is None:
        return None, None
    if _SERIAL.fullmatch(s):
        return _serial(float(s), today)
    if m := _FR_DATE_SEP.match(s):
        value, rule = base.date(f"{m[1]}/{m[2]}/{m[3]}", today=today)
        return value, (rule if value is None else "date_format_converted")
    if m := _SHORT_YEAR.match(s):
        value, rule = base.date(f"{m[1]}/{m[2]}/20{m[3]}", today=today)
        return value, (rule if value is None else "date_short_year_expanded")
    if m := _FR_DATETIME.match(s):
        value, rule = base.date(m[1], today=today)
        return value, (rule if value is None else "date_time_removed")
    value, rule = base.date(s, today=today)
    if value is not None and rule == "date_format_converted" and _FR_PLAIN_DATE.fullmatch(s):
        return value, None  # dd/mm/yyyy is the native format of French exports, not a repair
    return value, rule


def _serial(number: float, today: dt.date) -> Fixed:
    if not 1 <= number < 2_958_466:
        return None, "date_invalid_dropped"
    day = _EXCEL_EPOCH + dt.timedelta(days=int(number))
    return _plausible(day, "date_excel_serial_converted", today)


def _plausible(day: dt.date, rule: str | None, today: dt.date) -> Fixed:
    if day.year < 1990 or day.year > today.year + 50:
        return None, "date_invalid_dropped"
    return day, rule


def company_id(cell: Cell) -> tuple[str | None, str | None, str | None]:
    """``(siret, siren, rule)`` from a SIRET or SIREN cell (either is accepted in both columns)."""
    if isinstance(cell, dt.date | dt.time):
        return None, None, "supplier_id_invalid_dropped"
    value, rule = base.siret(cell)
    if value is None:
        return None, None, rule
    if len(value) == 8 and value.isdigit() and base._luhn("0" + value):
        value, rule = "0" + value, "siret_leading_zero_restored"
    if is_valid_siret(value):
        return value, value[:9], rule
    if len(value) == 9 and value.isdigit() and base._luhn(value):
        return None, value, rule
    return None, None, "supplier_id_invalid_dropped"


def account(cell: Cell) -> Fixed:
    """An account number of the budget nomenclature: ``"011-60632-020"`` gives ``60632``."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, bool | dt.date | dt.time | float):
        return None, "wrong_type_dropped"
    s = _str(cell)
    if s is None:
        return None, None
    if _ACCOUNT.fullmatch(s) and s[0] != "0":
        return s, None
    candidates = [t for t in re.findall(r"\d+", s) if t[0] != "0" and 2 <= len(t) <= 8]
    if not candidates:
        return None, "wrong_type_dropped"
    # an imputation "chapitre-compte-fonction" (011-60632-020) is a normal writing, not a repair
    return max(candidates, key=len), (None if _IMPUTATION.fullmatch(s) else "account_extracted")


def looks_like_account(cell: Cell) -> bool:
    s = _str(cell)
    return s is not None and _ACCOUNT.fullmatch(s.split(".")[0]) is not None and s[0] != "0"


def text(cell: Cell) -> Fixed:
    if isinstance(cell, dt.datetime | dt.date | dt.time):
        return cell.isoformat(), None
    return base.text(cell)


def fiscal_year(cell: Cell, today: dt.date) -> Fixed:
    if isinstance(cell, dt.date):
        return cell.year, None
    value, rule = base.integer(cell)
    if value is None:
        return None, ("fiscal_year_invalid_dropped" if rule else None)
    if not 1990 <= value <= today.year + 1:
        return None, "fiscal_year_invalid_dropped"
    return value, rule

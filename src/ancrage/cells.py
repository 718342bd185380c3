"""Cells written to CSV and XLSX: text a spreadsheet would run as a formula is neutralised.

A public notice's title or a supplier's name is attacker-controlled text. Spreadsheet programs
treat a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return followed by
one) as a formula, which can run commands or leak data (OWASP "CSV injection"). Every CSV or XLSX
file the product writes passes its text cells through :func:`safe_cell`; numbers, dates and
booleans are written as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would read as a formula: then quoted.

    The neutralised text is the original prefixed with an apostrophe, which spreadsheets show as
    text and never evaluate.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """Every cell of a row through :func:`safe_cell`."""
    return [safe_cell(v) for v in values]

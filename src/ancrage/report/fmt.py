"""French number formatting for the report (``48 %``, ``1,2 M€``, ``12 345``)."""

from __future__ import annotations

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: thousands separator in French typography


def number(value: float | int | None, digits: int = 0) -> str:
    """``12 345`` / ``3,5``; a dash when unknown."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def pct(share: float | None, digits: int = 0) -> str:
    """A share (0..1) as ``48 %``."""
    if share is None:
        return "—"
    return f"{number(100 * share, digits)}{NBSP}%"


def eur(value: float | None) -> str:
    """Amounts rounded to what a reader can hold: ``850 k€``, ``1,2 M€``, ``3,4 Md€``."""
    if value is None:
        return "—"
    size = abs(value)
    if size >= 1e9:
        return f"{number(value / 1e9, 1)}{NBSP}Md€"
    if size >= 1e6:
        return f"{number(value / 1e6, 1)}{NBSP}M€"
    if size >= 1e3:
        return f"{number(value / 1e3, 0)}{NBSP}k€"
    return f"{number(value, 0)}{NBSP}€"

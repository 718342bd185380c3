"""French number formatting, the one home for every output (CLI, report, export, e-mails).

``12 345`` (narrow no-break space between thousands), ``3,5`` (decimal comma), ``48 %``,
``1,2 M€``; a dash ``—`` when unknown. Standard library only: cheap to import anywhere.
"""

from __future__ import annotations

from typing import Protocol

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space: thousands separator in French typography
UNKNOWN = "—"


class ShareLike(Protocol):
    """What :func:`share` reads (:class:`ancrage.diagnose.model.Share`)."""

    @property
    def value(self) -> float | None: ...

    @property
    def base(self) -> int: ...

    @property
    def thin(self) -> bool: ...


def number(value: float | int | None, digits: int = 0) -> str:
    """``12 345`` / ``3,5``; a dash when unknown."""
    if value is None:
        return UNKNOWN
    text = f"{value:,.{digits}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 contrat``, ``12 345 contrats`` (``plural`` defaults to ``singular + "s"``)."""
    word = singular if abs(n) < 2 else (plural or singular + "s")
    return f"{number(n)} {word}"


def pct(share: float | None, digits: int = 0) -> str:
    """A share (0..1) as ``48 %``."""
    if share is None:
        return UNKNOWN
    return f"{number(100 * share, digits)}{NBSP}%"


def share(value: ShareLike | None, digits: int = 0) -> str:
    """A share with its base: ``48 %``, ``48 % (sur 12)`` on a thin base, ``—`` when unknown."""
    if value is None or value.value is None:
        return UNKNOWN
    text = pct(value.value, digits)
    return f"{text} (sur {number(value.base)})" if value.thin else text


def caution(value: ShareLike | None, unit: str) -> str:
    """A sentence to append after a share read on a thin base (else nothing):
    `` Base faible (6 lignes) : à lire avec prudence.``"""
    if value is None or not value.thin:
        return ""
    return f" Base faible ({number(value.base)} {unit}) : à lire avec prudence."


def euros(value: float | None, digits: int = 0) -> str:
    """An exact amount: ``12 345 €``."""
    if value is None:
        return UNKNOWN
    return f"{number(value, digits)}{NBSP}€"


def eur(value: float | None) -> str:
    """Amounts rounded to what a reader can hold: ``850 k€``, ``1,2 M€``, ``3,4 Md€``."""
    if value is None:
        return UNKNOWN
    size = abs(value)
    if size >= 1e9:
        return f"{number(value / 1e9, 1)}{NBSP}Md€"
    if size >= 1e6:
        return f"{number(value / 1e6, 1)}{NBSP}M€"
    if size >= 1e3:
        return f"{number(value / 1e3, 0)}{NBSP}k€"
    return f"{number(value, 0)}{NBSP}€"

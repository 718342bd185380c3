"""Small value parsers shared by the notice readers (dates, CPV, amounts, booleans)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ancrage.notices.model import Lot, Money

PARIS = ZoneInfo("Europe/Paris")
_CPV = re.compile(r"^\s*(\d{8})(?:-?\d)?\s*$")
_TZ_SUFFIX = re.compile(r"(Z|[+-]\d{2}:\d{2})$")


def cpv8(raw: object) -> str | None:
    """``"45443000-5"`` / ``"45443000"`` → ``"45443000"``; anything else → ``None``."""
    if raw is None:
        return None
    m = _CPV.match(str(raw))
    return m.group(1) if m else None


def decimal(raw: object) -> Decimal | None:
    if raw is None or isinstance(raw, bool):
        return None
    text = str(raw).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def money(raw: object, currency: object) -> Money | None:
    amount = decimal(raw)
    if amount is None:
        return None
    return Money(amount, str(currency).strip() if currency else None)


def estimate(raw: object, currency: object) -> Money | None:
    """An estimated value: a form's ``0`` / ``0.00`` is a box left empty, not a value (the
    sheet says « non précisé », never 0)."""
    value = money(raw, currency)
    return None if value is None or value.amount == 0 else value


_LOT_HEAD = re.compile(
    r"^\s*(?:lot\s*(?:n\s*[°ºo]\.?\s*)?)?(\d{1,3})\s*(?:[:\-–—.)]|\s-)\s*(.*)$",
    re.IGNORECASE | re.DOTALL,
)
_TITLE_MAX = 120


def lot_heading(text: str | None) -> tuple[str | None, str | None]:
    """(number, title) a lot's free text starts with: « Lot 5 : Menuiserie » → ("5",
    "Menuiserie"), « 1- Prestations pour l'URSSAF de Rouen » → ("1", "Prestations…"),
    « TOITURE\n\nRévision… » → (None, "TOITURE"): its first line when it is short."""
    if not text:
        return None, None
    number = None
    found = _LOT_HEAD.match(text)
    if found:
        number, text = found[1], found[2]
    first = text.strip().split("\n", 1)[0].strip()
    return number, (first if first and len(first) <= _TITLE_MAX else None)


_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str | None) -> tuple[tuple[int, str], ...]:
    """Sort key putting ``LOT-0002`` before ``LOT-0010`` and ``2`` before ``10``."""
    parts = _NATURAL.split(text or "")
    return tuple((int(p), "") if p.isdigit() else (-1, p.lower()) for p in parts if p)


def parse_date(raw: object) -> date | None:
    """ISO date, possibly with an eForms zone suffix (``2024-01-22Z``, ``2024-01-22+01:00``)."""
    if raw is None:
        return None
    text = _TZ_SUFFIX.sub("", str(raw).strip())[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(raw: object, default_tz: ZoneInfo = PARIS) -> datetime | None:
    """ISO date-time; without an offset it is read in ``default_tz`` (BOAMP: Paris time)."""
    if raw is None:
        return None
    text = str(raw).strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=default_tz)


def epoch_ms(raw: object) -> datetime | None:
    """Epoch milliseconds (old DILA API) → aware datetime in Paris time."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        return datetime.fromtimestamp(raw / 1000, tz=UTC).astimezone(PARIS)
    except (OverflowError, OSError, ValueError):
        return None


def combine(day: object, clock: object) -> datetime | None:
    """eForms date + time fields (``2024-03-01+01:00`` + ``12:00:00+01:00``) → aware datetime."""
    d = parse_date(day)
    if d is None:
        return None
    offset_src = str(clock) if clock is not None else str(day)
    m = _TZ_SUFFIX.search(offset_src.strip())
    tz = (
        datetime.fromisoformat(
            "2000-01-01T00:00:00" + ("+00:00" if m.group(1) == "Z" else m.group(1))
        ).tzinfo
        if m
        else PARIS
    )
    t = time(0, 0)
    if clock is not None:
        clock_text = _TZ_SUFFIX.sub("", str(clock).strip())
        try:
            t = time.fromisoformat(clock_text)
        except ValueError:
            return None
    return datetime.combine(d, t, tzinfo=tz)


def clean_text(raw: object) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def siret(raw: object) -> str | None:
    if raw is None:
        return None
    digits = re.sub(r"\s", "", str(raw))
    return digits if re.fullmatch(r"\d{14}", digits) else None


def departement_from_postal_code(cp: str | None) -> str | None:
    """First digits of a French postal code (``2A``/``2B`` are not told apart: ``20``)."""
    if not cp or not re.fullmatch(r"\d{5}", cp.strip()):
        return None
    cp = cp.strip()
    return cp[:3] if cp.startswith("97") or cp.startswith("98") else cp[:2]


def in_natural_order(lots: list[Lot]) -> list[Lot]:
    """The lots by number in natural order when every lot has one, else as the source lists
    them."""
    if all(lot.number for lot in lots):
        return sorted(lots, key=lambda lot: natural_key(lot.number))
    return lots

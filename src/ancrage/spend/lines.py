"""One line of an export → a ``spend`` row with its repairs, or a quarantine reason."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from ancrage.ingest.lookups import fold
from ancrage.spend import values
from ancrage.spend.columns import ColumnMap
from ancrage.spend.reader import Cell
from ancrage.spend.tables import account_rule


@dataclass(frozen=True)
class LineContext:
    file_id: str
    file_prefix: str  # first 16 hex of the SHA-256, for spend_id
    source_file: str
    buyer_siret: str
    columns: ColumnMap
    strict_width: bool  # CSV: a row longer than the header is misaligned
    today: dt.date


@dataclass
class Rejection:
    field: str | None
    raw_value: str | None
    reason: str


@dataclass
class Line:
    row: dict[str, Any] | None = None
    repairs: list[dict[str, Any]] = field(default_factory=list)
    rejection: Rejection | None = None


def _raw(cell: Cell) -> str | None:
    return None if cell is None else str(cell)


def read_line(ctx: LineContext, number: int, cells: list[Cell]) -> Line:
    """Normalise one line; quarantine it when it cannot be a spend line."""
    spend_id = f"{ctx.file_prefix}-{number}"
    out = Line()
    width = len(ctx.columns.headers)

    def repair(name: str | None, raw: Cell, new: object, rule: str) -> None:
        out.repairs.append(
            {
                "file_id": ctx.file_id,
                "source_file": ctx.source_file,
                "source_line": number,
                "spend_id": spend_id,
                "field": name,
                "raw_value": _raw(raw),
                "new_value": None if new is None else str(new),
                "rule": rule,
            }
        )

    overflow = any(c is not None and str(c).strip() for c in cells[width:])
    if overflow and ctx.strict_width:
        joined = " | ".join("" if c is None else str(c) for c in cells)
        out.rejection = Rejection(
            None,
            joined,
            f"ligne de {len(cells)} cellules pour {width} colonnes : séparateur dans une "
            "valeur sans guillemets ?",
        )
        return out
    if len(cells) < width and ctx.strict_width:
        repair(None, None, None, "row_padded")
    cells = (cells + [None] * width)[:width]

    def cell(name: str) -> Cell:
        index = ctx.columns.columns.get(name)
        return None if index is None else cells[index]

    def fixed(name: str, raw: Cell, value: object, rule: str | None) -> None:
        if rule is not None:
            repair(name, raw, value, rule)

    raw_amount = cell("amount")
    amount, rule = values.amount(raw_amount)
    if amount is None:
        reason = "montant illisible" if rule else "montant absent"
        out.rejection = Rejection("amount", _raw(raw_amount), reason)
        return out
    fixed("amount", raw_amount, amount, rule)

    siret = siren = None
    for name in ("supplier_siret", "supplier_siren"):
        raw = cell(name)
        s_siret, s_siren, rule = values.company_id(raw)
        fixed(name, raw, s_siret or s_siren, rule)
        siret, siren = siret or s_siret, siren or s_siren
    raw_name = cell("supplier_name")
    name, rule = values.text(raw_name)
    fixed("supplier_name", raw_name, name, rule)
    if siret is None and siren is None and name is None:
        raw_ids = [_raw(cell(n)) for n in ("supplier_siret", "supplier_siren")]
        out.rejection = Rejection(
            "supplier",
            next((r for r in raw_ids if r and r.strip()), None),
            "fournisseur absent (ni SIRET ou SIREN valide, ni nom)",
        )
        return out

    raw_date = cell("date")
    day, rule = values.date(raw_date, ctx.today)
    raw_year = cell("fiscal_year")
    fiscal, year_rule = values.fiscal_year(raw_year, ctx.today)
    if day is None and fiscal is None:
        if "date" in ctx.columns.columns:
            reason = "date illisible" if rule else "date absente"
            out.rejection = Rejection("date", _raw(raw_date), reason)
        else:
            reason = "exercice illisible" if year_rule else "exercice absent"
            out.rejection = Rejection("fiscal_year", _raw(raw_year), reason)
        return out
    fixed("date", raw_date, day, rule)
    fixed("fiscal_year", raw_year, fiscal, year_rule)

    raw_account = cell("account")
    account, rule = values.account(raw_account)
    fixed("account", raw_account, account, rule)
    raw_nature = cell("nature")
    if account is None and values.looks_like_account(raw_nature):
        account, rule = values.account(raw_nature)
        repair("nature", raw_nature, account, "account_from_nature")
        nature = None
    else:
        nature, rule = values.text(raw_nature)
        fixed("nature", raw_nature, nature, rule)
    raw_ref = cell("reference")
    reference, rule = values.text(raw_ref)
    fixed("reference", raw_ref, reference, rule)

    rule_row = account_rule(account) if account else None
    year = day.year if day is not None else fiscal
    row: dict[str, Any] = {
        "spend_id": spend_id,
        "file_id": ctx.file_id,
        "buyer_siret": ctx.buyer_siret,
        "supplier_siret": siret,
        "supplier_siren": siren,
        "supplier_name": name,
        "amount_eur": amount,
        "amount_kind": ctx.columns.amount_kind,
        "date": day,
        "year": year,
        "account": account,
        "account_label": rule_row.label if rule_row else None,
        "nature": nature,
        "reference": reference,
        "purchase_type": rule_row.purchase_type if rule_row else None,
        "segment_id": rule_row.segment_id if rule_row else None,
        "in_scope": rule_row.in_scope if rule_row else None,
        "source_file": ctx.source_file,
        "source_line": number,
    }
    out.row = row
    return out


def content_key(row: dict[str, Any]) -> str:
    """What makes two lines the same expense (to find lines already loaded from another export)."""
    parts = [
        row["buyer_siret"],
        row["supplier_siret"] or row["supplier_siren"] or "",
        fold(row["supplier_name"] or ""),
        f"{row['amount_eur']:.2f}",
        row["date"].isoformat() if row["date"] else "",
        str(row["year"]),
        row["account"] or "",
        fold(row["nature"] or ""),
        row["reference"] or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]

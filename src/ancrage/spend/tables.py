"""Data tables of the spend import: header synonyms and accounts → purchase family."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from ancrage.ingest.lookups import fold

FIELDS = (
    "supplier_siret",
    "supplier_siren",
    "supplier_name",
    "amount_ht",
    "amount_ttc",
    "amount",
    "date",
    "account",
    "nature",
    "reference",
    "fiscal_year",
)
AMOUNT_FIELDS = ("amount_ht", "amount_ttc", "amount")  # preferred first: HT compares with DECP
SUPPLIER_FIELDS = ("supplier_siret", "supplier_siren", "supplier_name")


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("ancrage.data.spend").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(ln for ln in text.splitlines() if ln and not ln.startswith("#")))


@dataclass(frozen=True, slots=True)
class Synonym:
    field: str
    amount_kind: str | None


@cache
def header_synonyms() -> dict[str, Synonym]:
    """Folded header → canonical field (``data/spend/columns.csv``)."""
    out: dict[str, Synonym] = {}
    for row in _rows("columns.csv"):
        if row["field"] not in FIELDS:
            raise ValueError(f"columns.csv: unknown field {row['field']!r}")
        out[fold(row["header"])] = Synonym(row["field"], row["amount_kind"] or None)
    return out


@dataclass(frozen=True, slots=True)
class AccountRule:
    prefix: str
    label: str
    purchase_type: str | None
    segment_id: str | None
    in_scope: bool


@cache
def account_rules() -> dict[str, AccountRule]:
    """Account prefix → purchase family (``data/spend/accounts.csv``)."""
    return {
        r["account_prefix"]: AccountRule(
            r["account_prefix"],
            r["label"],
            r["purchase_type"] or None,
            r["segment_id"] or None,
            r["in_scope"] == "true",
        )
        for r in _rows("accounts.csv")
    }


def account_rule(account: str) -> AccountRule | None:
    """The rule of the longest prefix of ``account``; ``None`` when no prefix matches."""
    rules = account_rules()
    for size in range(len(account), 0, -1):
        rule = rules.get(account[:size])
        if rule is not None:
            return rule
    return None

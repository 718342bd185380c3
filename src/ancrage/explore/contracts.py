"""Contracts of a scope, with the filters behind each figure of the diagnostic (ring, size,
segment, year, considerations), sorted and paged; one contract with its modifications."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from ancrage.diagnose.scope import Scope
from ancrage.errors import AncrageError
from ancrage.explore.connection import reading, rows
from ancrage.settings import Settings

Sort = Literal["amount", "-amount", "date", "-date"]
SORTS: dict[str, str] = {
    "amount": "c.amount ASC NULLS LAST, c.contract_id",
    "-amount": "c.amount DESC NULLS LAST, c.contract_id",
    "date": "c.notification_date ASC NULLS LAST, c.contract_id",
    "-date": "c.notification_date DESC NULLS LAST, c.contract_id",
}
RINGS = ("commune", "epci", "departement", "region", "france", "abroad", "unknown")
SIZES = ("TPE", "PME", "ETI", "GE", "unknown")
_ID = re.compile(r"^[A-Za-z0-9:._-]{1,80}$")
_PARTY = re.compile(r"^[A-Za-z0-9:._ -]{1,80}$")
MAX_LIMIT = 200
# A contract "declares" a consideration when its format reports them and one is ticked; a
# format without considerations (2019) is neither "with" nor "without" (unknown is not no).
_HAS_ENV = (
    "(c.env_reported AND (coalesce(c.env_clause, FALSE) OR coalesce(c.env_criterion, FALSE)))"
)
_HAS_SOCIAL = (
    "(c.social_reported AND (coalesce(c.social_clause, FALSE) OR coalesce(c.social_criterion, "
    "FALSE) OR coalesce(c.social_reserved, FALSE)))"
)


class ExploreError(AncrageError):
    """A search of contracts, buyers or suppliers that cannot be run as asked."""

    exit_code = 2


class ContractNotFoundError(ExploreError):
    exit_code = 3


@dataclass(frozen=True)
class ContractFilters:
    """What narrows the contracts of a scope (each figure of the observatory links here)."""

    buyer: str | None = None  # SIRET, SIREN or buyer id as published
    supplier: str | None = None  # SIRET, SIREN or supplier id as published
    ring: str | None = None  # a supplier of this ring (see RINGS)
    size: str | None = None  # a supplier of this size class
    segment: str | None = None  # purchase segment id ("inconnu": none)
    year: int | None = None
    environmental: bool | None = None  # declares an environmental consideration (or not)
    social: bool | None = None
    text: str | None = None  # words in the object
    sort: Sort = "-date"

    def check(self) -> ContractFilters:
        if self.ring is not None and self.ring not in RINGS:
            raise ExploreError(f"cercle « {self.ring} » inconnu", hint=", ".join(RINGS) + ".")
        if self.size is not None and self.size not in SIZES:
            raise ExploreError(f"taille « {self.size} » inconnue", hint=", ".join(SIZES) + ".")
        for value, what in ((self.buyer, "acheteur"), (self.supplier, "titulaire")):
            if value is not None and not _PARTY.match(value):
                raise ExploreError(f"identifiant d'{what} « {value} » invalide", hint="SIRET.")
        if self.sort not in SORTS:
            raise ExploreError(f"tri « {self.sort} » inconnu", hint=", ".join(SORTS) + ".")
        return self


@dataclass(frozen=True)
class ContractRow:
    contract_id: str
    object: str | None
    kind: str
    buyer_id: str
    buyer_name: str | None
    notification_date: date | None
    amount: float | None
    amount_flag: str | None
    is_framework: bool | None
    cpv: str | None
    segment: str | None
    suppliers: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.contract_id,
            "object": self.object,
            "kind": self.kind,
            "buyer": {"id": self.buyer_id, "name": self.buyer_name},
            "notification_date": self.notification_date.isoformat()
            if self.notification_date
            else None,
            "amount_eur": self.amount,
            "amount_flag": self.amount_flag,
            "is_framework": self.is_framework,
            "cpv": self.cpv,
            "segment": self.segment,
            "suppliers": self.suppliers,
        }


@dataclass(frozen=True)
class ContractPage:
    total: int
    offset: int
    limit: int
    items: list[ContractRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "items": [r.as_json() for r in self.items],
        }


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _party(column: str, value: str) -> str:
    compact = value.replace(" ", "")
    if compact.isdigit() and len(compact) == 9:
        return f"left({column}, 9) = {_lit(compact)}"
    return f"{column} = {_lit(compact)}"


def _conditions(filters: ContractFilters) -> list[str]:
    conds: list[str] = []
    f = filters
    if f.buyer is not None:
        conds.append("(" + _party("coalesce(c.buyer_siret, c.buyer_id)", f.buyer) + ")")
    supplier_conds = []
    if f.supplier is not None:
        supplier_conds.append(_party("coalesce(s.supplier_siret, s.supplier_id)", f.supplier))
    if f.ring is not None:
        supplier_conds.append(f"coalesce(se.locality_ring, 'unknown') = {_lit(f.ring)}")
    if f.size is not None:
        supplier_conds.append(f"coalesce(se.size_class, 'unknown') = {_lit(f.size)}")
    if supplier_conds:
        conds.append(
            "c.contract_id IN (SELECT s.contract_id FROM contract_suppliers s "
            "LEFT JOIN contract_suppliers_enriched se USING (contract_id, rank) WHERE "
            + " AND ".join(supplier_conds)
            + ")"
        )
    if f.segment is not None:
        conds.append(
            "e.segment_id IS NULL"
            if f.segment == "inconnu"
            else f"e.segment_id = {_lit(f.segment)}"
        )
    if f.year is not None:
        conds.append(f"c.notification_year = {int(f.year)}")
    for flag, has, prefix in (
        (f.environmental, _HAS_ENV, "env"),
        (f.social, _HAS_SOCIAL, "social"),
    ):
        if flag is not None:
            conds.append(has if flag else f"(c.{prefix}_reported AND NOT {has})")
    if f.text:
        for word in f.text.split()[:8]:
            conds.append(f"c.object ILIKE {_lit('%' + word.replace('%', '') + '%')}")
    return conds


def list_contracts(
    settings: Settings,
    scope: Scope,
    filters: ContractFilters | None = None,
    *,
    offset: int = 0,
    limit: int = 50,
) -> ContractPage:
    """The contracts of ``scope`` kept by ``filters``, sorted, one page."""
    f = (filters or ContractFilters()).check()
    if not 1 <= limit <= MAX_LIMIT:
        raise ExploreError(f"taille de page {limit} invalide", hint=f"Entre 1 et {MAX_LIMIT}.")
    if offset < 0:
        raise ExploreError(f"décalage {offset} invalide", hint="0 ou plus.")
    where = " AND ".join([scope.where(), *_conditions(f)])
    base = f"FROM contracts c LEFT JOIN contracts_enriched e USING (contract_id) WHERE {where}"
    with reading(settings) as con:
        total = int(con.execute(f"SELECT count(*) {base}").fetchone()[0])  # type: ignore[index]
        found = rows(
            con,
            f"""
            SELECT c.contract_id, c.object, c.kind, coalesce(c.buyer_siret, c.buyer_id) AS buyer,
                c.buyer_name, c.notification_date, c.amount, c.amount_flag, c.is_framework,
                c.cpv, e.segment_label,
                (SELECT list(coalesce(s.supplier_name, s.supplier_siret, s.supplier_id)
                             ORDER BY s.rank)
                 FROM contract_suppliers s WHERE s.contract_id = c.contract_id) AS suppliers
            {base} ORDER BY {SORTS[f.sort]} LIMIT {limit} OFFSET {offset}""",
        )
    items = [
        ContractRow(
            contract_id=str(r["contract_id"]),
            object=r["object"],  # type: ignore[arg-type]
            kind=str(r["kind"]),
            buyer_id=str(r["buyer"]),
            buyer_name=r["buyer_name"],  # type: ignore[arg-type]
            notification_date=r["notification_date"],  # type: ignore[arg-type]
            amount=r["amount"],  # type: ignore[arg-type]
            amount_flag=r["amount_flag"],  # type: ignore[arg-type]
            is_framework=r["is_framework"],  # type: ignore[arg-type]
            cpv=r["cpv"],  # type: ignore[arg-type]
            segment=r["segment_label"],  # type: ignore[arg-type]
            suppliers=[str(s) for s in (r["suppliers"] or [])],  # type: ignore[attr-defined]
        )
        for r in found
    ]
    return ContractPage(total=total, offset=offset, limit=limit, items=items)


_DETAIL_COLUMNS = (
    "contract_id, kind, raw_id, object, cpv, nature, is_framework, procedure, "
    "procedure_family, buyer_id, buyer_siret, buyer_name, place_code, place_type, place_name, "
    "notification_date, publication_date, amount_initial, amount, amount_flag, "
    "duration_initial_months, duration_months, offers_received, env_reported, env_clause, "
    "env_criterion, env_none, social_reported, social_clause, social_criterion, "
    "social_reserved, social_none, source_format, source_file, source_record, "
    "n_modifications, n_subcontracts"
)


def contract_detail(settings: Settings, contract_id: str) -> dict[str, Any]:
    """One contract: what, who, when, how much, its suppliers, modifications and
    subcontracting, and where the record comes from."""
    if not _ID.match(contract_id):
        raise ContractNotFoundError(f"identifiant de contrat « {contract_id} » invalide")
    with reading(settings) as con:
        found = rows(
            con,
            f"SELECT {', '.join('c.' + c for c in _DETAIL_COLUMNS.split(', '))}, "
            "e.segment_label, e.buyer_departement "
            "FROM contracts c LEFT JOIN contracts_enriched e USING (contract_id) "
            "WHERE c.contract_id = ?",
            [contract_id],
        )
        if not found:
            raise ContractNotFoundError(
                f"aucun contrat « {contract_id} »",
                hint="Cherchez-le dans la liste des marchés.",
            )
        suppliers = rows(
            con,
            "SELECT s.rank, s.id_type, coalesce(s.supplier_siret, s.supplier_id) AS id, "
            "s.supplier_name AS name, s.amount_share, se.locality_ring, se.size_class "
            "FROM contract_suppliers s "
            "LEFT JOIN contract_suppliers_enriched se USING (contract_id, rank) "
            "WHERE s.contract_id = ? ORDER BY s.rank",
            [contract_id],
        )
        modifications = rows(
            con,
            "SELECT seq, object, amount, duration_months, notification_date, publication_date "
            "FROM modifications WHERE contract_id = ? ORDER BY seq",
            [contract_id],
        )
        subcontracts = rows(
            con,
            "SELECT seq, coalesce(subcontractor_siret, subcontractor_id) AS id, "
            "subcontractor_name AS name, amount, notification_date "
            "FROM subcontracting WHERE contract_id = ? ORDER BY seq",
            [contract_id],
        )
    out = {k: _plain(v) for k, v in found[0].items()}
    out["suppliers"] = [{k: _plain(v) for k, v in s.items()} for s in suppliers]
    out["modifications"] = [{k: _plain(v) for k, v in m.items()} for m in modifications]
    out["subcontracting"] = [{k: _plain(v) for k, v in s.items()} for s in subcontracts]
    return out


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value

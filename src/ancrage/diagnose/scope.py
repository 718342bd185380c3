"""What a diagnostic covers, turned into SQL common table expressions used by every indicator.

The scope becomes these relations (see :data:`RELATIONS`), which indicator queries read:

- ``sc``: contracts in scope, canonical columns plus enrichment, with the breakdown columns
  ``year``, ``buyer``, ``segment``, ``procedure``, ``amount_band`` and ``amount_eur`` (the amount
  counted in totals: null when flagged, unless ``include_flagged``);
- ``ss``: contract × supplier rows of those contracts, with ``share_eur`` (the supplier's equal
  share of ``amount_eur``), location ring, size and the contract's breakdown columns;
- ``sf``: files contributing contracts in scope (``file_id``, ``synthetic``);
- ``sq``: quarantined records of those files; ``sub``: subcontracting acts of contracts in scope;
- ``te``: establishments located in the territory (all of them without a territory);
- ``sp``: purchases of the buyers' accounts (``spend_enriched``, in-scope lines) of the buyers in
  scope, on their fiscal year, with the columns of ``ss`` an indicator reads (``share_eur`` is the
  line's amount, ``contract_id`` repeats ``spend_id`` so that counting distinct contracts counts
  lines). CPV, kind and framework filters do not apply (accounts have none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Literal

from ancrage.errors import ConfigError
from ancrage.geo import Territory, parse_territory
from ancrage.indicators.relations import Kind
from ancrage.sql import sql_list, sql_str

PurchaseType = Literal["travaux", "fournitures", "services"]
Frameworks = Literal["include", "exclude", "separate", "only"]

# Enriched views the scope reads, with the columns it needs (a missing view gets nulls).
ENRICHED_COLUMNS: dict[str, dict[str, str]] = {
    "contracts_enriched": {
        "contract_id": "VARCHAR",
        "buyer_commune": "VARCHAR",
        "buyer_epci": "VARCHAR",
        "buyer_departement": "VARCHAR",
        "buyer_region": "VARCHAR",
        "buyer_located": "BOOLEAN",
        "purchase_type": "VARCHAR",
        "segment_id": "VARCHAR",
        "segment_label": "VARCHAR",
        "amount_band": "VARCHAR",
    },
    "contract_suppliers_enriched": {
        "contract_id": "VARCHAR",
        "rank": "SMALLINT",
        "locality_ring": "VARCHAR",
        "distance_km": "DOUBLE",
        "size_class": "VARCHAR",
        "artisan": "BOOLEAN",
        "ess": "BOOLEAN",
    },
}
# spend_enriched columns the scope reads (an empty stand-in when no spend was enriched).
SPEND_ENRICHED_COLUMNS: dict[str, str] = {
    "spend_id": "VARCHAR",
    "buyer_siret": "VARCHAR",
    "buyer_commune": "VARCHAR",
    "buyer_epci": "VARCHAR",
    "buyer_departement": "VARCHAR",
    "buyer_region": "VARCHAR",
    "supplier_siret": "VARCHAR",
    "supplier_siren": "VARCHAR",
    "supplier_name": "VARCHAR",
    "amount_eur": "DOUBLE",
    "year": "SMALLINT",
    "purchase_type": "VARCHAR",
    "segment_id": "VARCHAR",
    "locality_ring": "VARCHAR",
    "distance_km": "DOUBLE",
    "size_class": "VARCHAR",
    "artisan": "BOOLEAN",
    "ess": "BOOLEAN",
}

_TERRITORY_COLUMN = {
    "commune": ("buyer_commune", "commune"),
    "epci": ("buyer_epci", "epci"),
    "dep": ("buyer_departement", "departement"),
    "reg": ("buyer_region", "region"),
}
# Rings inside the territory, by territory kind (rings are measured from the buyer).
LOCAL_RINGS: dict[str, tuple[str, ...]] = {
    "commune": ("commune",),
    "epci": ("commune", "epci"),
    "dep": ("commune", "epci", "departement"),
    "reg": ("commune", "epci", "departement", "region"),
}
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:-\s*(\d{4})\s*)?$")
_CPV_PREFIX = re.compile(r"^\d{2,8}$")
_BUYER = re.compile(r"^\d{9}(\d{5})?$")


@dataclass(frozen=True)
class Scope:
    """The perimeter of a diagnostic. Without territory or buyers: the whole warehouse.

    ``kind`` is ``marche`` by default: a concession's value is the estimated value of the whole
    contract over its life, often paid by users, never added to the marchés' amounts (the
    diagnostic shows concessions in their own block).
    """

    territory: Territory | None = None
    buyers: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    kind: Kind = "marche"
    exclude_cpv: tuple[str, ...] = ()
    keep_cpv: tuple[str, ...] = ()
    purchase_type: PurchaseType | None = None
    frameworks: Frameworks = "include"
    include_flagged: bool = False
    label: str = field(default="")

    @property
    def local_rings(self) -> tuple[str, ...]:
        kind = self.territory.kind if self.territory is not None else "dep"
        return LOCAL_RINGS[kind]

    def describe(self) -> dict[str, object]:
        t = self.territory
        return {
            "label": self.name(),
            "territory": None
            if t is None
            else {"kind": t.kind, "code": t.code, "nom": t.nom, "label": t.label},
            "buyers": list(self.buyers),
            "years": None if self.years is None else list(self.years),
            "kind": self.kind,
            "exclude_cpv": list(self.exclude_cpv),
            "keep_cpv": list(self.keep_cpv),
            "purchase_type": self.purchase_type,
            "frameworks": self.frameworks,
            "include_flagged": self.include_flagged,
            "local_rings": list(self.local_rings),
        }

    def name(self) -> str:
        if self.label:
            return self.label
        if self.territory is not None:
            return f"{self.territory.nom} ({self.territory.label})"
        if self.buyers:
            return f"acheteurs {', '.join(self.buyers)}"
        return "tout l'entrepôt"

    def with_frameworks(self, frameworks: Frameworks) -> Scope:
        return replace(self, frameworks=frameworks)

    def with_kind(self, kind: Kind) -> Scope:
        return replace(self, kind=kind)

    def without_place(self, territory: Territory | None, label: str) -> Scope:
        """Same filters over another territory (or the whole warehouse): a benchmark scope."""
        return replace(self, territory=territory, buyers=(), label=label)

    # -- SQL -----------------------------------------------------------------------------------
    def where(self) -> str:
        """The whole filter (aliases ``c`` for contracts, ``e`` for contracts_enriched)."""
        return " AND ".join(["TRUE", *self._enriched_conditions(), *self._contract_conditions()])

    def _enriched_conditions(self) -> list[str]:
        """Conditions on ``contracts_enriched`` (alias ``e``); each rejects a missing row."""
        conds = []
        t = self.territory
        if t is not None:
            column, _ = _TERRITORY_COLUMN[t.kind]
            conds.append(f"e.{column} = {sql_str(t.code)}")
        if self.purchase_type is not None:
            conds.append(f"e.purchase_type = {sql_str(self.purchase_type)}")
        return conds

    def _contract_conditions(self) -> list[str]:
        """Conditions on ``contracts`` (alias ``c``), the kind first."""
        conds = [f"c.kind = {sql_str(self.kind)}"]
        if self.buyers:
            conds.append(self._buyer_condition("coalesce(c.buyer_siret, c.buyer_id)"))
        if self.years is not None:
            conds.append(f"c.notification_year BETWEEN {self.years[0]} AND {self.years[1]}")
        for prefix in self.exclude_cpv:
            conds.append(f"NOT starts_with(coalesce(c.cpv, ''), {sql_str(prefix)})")
        if self.keep_cpv:
            keep = " OR ".join(f"starts_with(c.cpv, {sql_str(p)})" for p in self.keep_cpv)
            conds.append(f"({keep})")
        if self.frameworks == "exclude" or self.frameworks == "separate":
            conds.append("NOT coalesce(c.is_framework, FALSE)")
        elif self.frameworks == "only":
            conds.append("coalesce(c.is_framework, FALSE)")
        return conds

    def _buyer_condition(self, buyer: str) -> str:
        """``buyer`` (a SQL expression) is one of the SIRETs, or belongs to one of the SIRENs."""
        sirets = [b for b in self.buyers if len(b) == 14]
        sirens = [b for b in self.buyers if len(b) == 9]
        parts = []
        if sirets:
            parts.append(f"{buyer} IN ({sql_list(sirets)})")
        if sirens:
            parts.append(f"left({buyer}, 9) IN ({sql_list(sirens)})")
        return "(" + " OR ".join(parts) + ")"

    def spend_where(self) -> str:
        """The filters that apply to a spend line (alias ``e`` for ``spend_enriched``)."""
        conds = ["TRUE"]
        t = self.territory
        if t is not None:
            column, _ = _TERRITORY_COLUMN[t.kind]
            conds.append(f"e.{column} = {sql_str(t.code)}")
        if self.buyers:
            conds.append(self._buyer_condition("e.buyer_siret"))
        if self.years is not None:
            conds.append(f"e.year BETWEEN {self.years[0]} AND {self.years[1]}")
        if self.purchase_type is not None:
            conds.append(f"e.purchase_type = {sql_str(self.purchase_type)}")
        return " AND ".join(conds)

    def ctes(self, *, establishments: bool) -> str:
        """``WITH`` clause defining sc, ss, sf, sq, sub, te and sp."""
        bodies = self.relations(establishments=establishments)
        return "WITH " + ",\n".join(f"{name} AS (\n{sql}\n)" for name, sql in bodies.items())

    def relations(self, *, establishments: bool) -> dict[str, str]:
        """The query of each scoped relation, in dependency order (each reads earlier ones)."""
        amount = (
            "c.amount"
            if self.include_flagged
            else ("CASE WHEN c.amount_flag IS NULL THEN c.amount END")
        )
        te_where = "TRUE"
        if self.territory is not None:
            _, column = _TERRITORY_COLUMN[self.territory.kind]
            te_where = f"{column} = {sql_str(self.territory.code)}"
        te = (
            f"SELECT siret, naf FROM establishments WHERE {te_where}"
            if establishments
            else "SELECT NULL::VARCHAR AS siret, NULL::VARCHAR AS naf WHERE FALSE"
        )
        # The territory (a filter on contracts_enriched) is applied before the join: only the
        # enriched rows in scope are joined to the contracts. An inner join is then exact, since
        # each enriched condition rejects a contract without an enriched row.
        enriched_conds = self._enriched_conditions()
        contract_where = " AND ".join(["TRUE", *self._contract_conditions()])
        if enriched_conds:
            contracts = (
                "(SELECT * FROM contracts_enriched e WHERE "
                + " AND ".join(enriched_conds)
                + ") e\n    JOIN contracts c USING (contract_id)\n"
                + f"    WHERE {contract_where}"
            )
        else:
            contracts = (
                "contracts c LEFT JOIN contracts_enriched e USING (contract_id)\n"
                f"    WHERE {contract_where}"
            )
        # Without any filter every contract is in scope: no semi-join of the enriched rows.
        semi = "" if self.where() == "TRUE" else " SEMI JOIN sc USING (contract_id)"
        return {
            "sc": f"""
    SELECT c.contract_id, c.file_id, c.kind, c.buyer_siret, c.cpv, c.is_framework,
        c.amount, c.amount_flag, {amount} AS amount_eur, c.offers_received, c.innovative,
        c.advance, c.subcontracting_declared, c.n_subcontracts,
        c.env_reported, c.env_clause, c.env_criterion, c.env_none,
        c.social_reported, c.social_clause, c.social_criterion, c.social_reserved,
        c.social_none, e.buyer_located, e.purchase_type, e.segment_label, c.buyer_name,
        c.notification_date,
        strftime(c.notification_date, '%Y') || '-T' || quarter(c.notification_date) AS quarter,
        c.notification_year AS year, coalesce(c.buyer_siret, c.buyer_id) AS buyer,
        e.segment_id AS segment, c.procedure_family AS procedure, e.amount_band
    FROM {contracts}""",
            "ss": f"""
    SELECT s.contract_id, s.rank,
        coalesce(s.supplier_siret, s.id_type || ':' || s.supplier_id, s.supplier_id)
            AS supplier_key,
        CASE WHEN sc.amount_eur IS NOT NULL THEN s.amount_share END AS share_eur,
        coalesce(se.locality_ring, 'unknown') AS locality_ring, se.distance_km,
        se.size_class, se.artisan, se.ess,
        sc.year, sc.buyer, sc.segment, sc.procedure, sc.amount_band
    FROM contract_suppliers s JOIN sc USING (contract_id)
    LEFT JOIN (
        SELECT contract_id, rank, locality_ring, distance_km, size_class, artisan, ess
        FROM contract_suppliers_enriched{semi}
    ) se USING (contract_id, rank)""",
            "sf": """
    SELECT f.file_id, f.synthetic
    FROM loaded_files f SEMI JOIN (SELECT DISTINCT file_id FROM sc) USING (file_id)""",
            "sq": """
    SELECT q.file_id, q.record_id, q.reason FROM quarantine q SEMI JOIN sf USING (file_id)""",
            "sub": """
    SELECT a.contract_id, a.amount FROM subcontracting a SEMI JOIN sc USING (contract_id)""",
            "te": f"""
    {te}""",
            "sp": f"""
    SELECT e.spend_id, e.spend_id AS contract_id,
        coalesce(e.supplier_siret, e.supplier_siren, 'nom:' || upper(trim(e.supplier_name)))
            AS supplier_key,
        e.amount_eur AS share_eur, coalesce(e.locality_ring, 'unknown') AS locality_ring,
        e.distance_km, e.size_class, e.artisan, e.ess, e.purchase_type,
        e.year, e.buyer_siret AS buyer, e.segment_id AS segment
    FROM spend_enriched e
    WHERE {self.spend_where()}""",
        }


# -- parsing user input ------------------------------------------------------------------------
def parse_years(text: str) -> tuple[int, int]:
    """``2024`` or ``2022-2024``."""
    m = _YEARS.match(text)
    if m is None or (m.group(2) is not None and int(m.group(2)) < int(m.group(1))):
        raise ConfigError(
            f"années invalides « {text} »",
            hint="Donnez une année (2024) ou une période (2022-2024).",
        )
    first = int(m.group(1))
    return first, int(m.group(2) or first)


def parse_cpv_prefixes(text: str) -> tuple[str, ...]:
    """Comma-separated CPV prefixes (2 to 8 digits)."""
    out = tuple(p.strip() for p in text.split(",") if p.strip())
    for p in out:
        if not _CPV_PREFIX.match(p):
            raise ConfigError(
                f"préfixe CPV invalide « {p} »", hint="Donnez 2 à 8 chiffres, par ex. 33 ou 4521."
            )
    return out


def parse_buyers(text: str) -> tuple[str, ...]:
    """Comma-separated SIRETs (14 digits) or SIRENs (9 digits); spaces are ignored."""
    out = tuple(b.replace(" ", "") for b in text.split(",") if b.strip())
    for b in out:
        if not _BUYER.match(b):
            raise ConfigError(
                f"identifiant d'acheteur invalide « {b} »",
                hint="Donnez un SIRET (14 chiffres) ou un SIREN (9 chiffres).",
            )
    return out


def build_scope(
    *,
    territory: str | None = None,
    buyers: str | None = None,
    years: str | None = None,
    kind: Kind | None = None,
    exclude_cpv: str | None = None,
    keep_cpv: str | None = None,
    purchase_type: PurchaseType | None = None,
    frameworks: Frameworks = "include",
    include_flagged: bool = False,
) -> Scope:
    """A scope from command-line style text arguments (raises a clear error on bad input)."""
    return Scope(
        territory=parse_territory(territory) if territory else None,
        buyers=parse_buyers(buyers) if buyers else (),
        years=parse_years(years) if years else None,
        kind=kind or "marche",
        exclude_cpv=parse_cpv_prefixes(exclude_cpv) if exclude_cpv else (),
        keep_cpv=parse_cpv_prefixes(keep_cpv) if keep_cpv else (),
        purchase_type=purchase_type,
        frameworks=frameworks,
        include_flagged=include_flagged,
    )

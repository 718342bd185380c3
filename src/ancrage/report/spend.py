"""Where the money of a scope goes, by place: supplier département and commune, buyer commune.

Read from the warehouse views with the scope's own relations (``sc``, ``ss`` of
:meth:`ancrage.diagnose.Scope.relations`), so the maps count exactly what the diagnostic counts.
Amounts are the suppliers' equal shares of each contract amount (``share_eur``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from ancrage.diagnose import Scope
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

_NEEDED = ("contracts_enriched", "contract_suppliers_enriched")


@dataclass(frozen=True)
class PlaceSpend:
    """Amount (€ HT) and contract × supplier rows for one place code."""

    code: str
    amount_eur: float
    rows: int


@dataclass
class Spend:
    """Spend by place for one scope; ``enriched`` is false when the warehouse lacks the views."""

    enriched: bool
    by_departement: list[PlaceSpend] = field(default_factory=list)
    by_commune: list[PlaceSpend] = field(default_factory=list)
    by_buyer_commune: list[PlaceSpend] = field(default_factory=list)
    unplaced_departement_eur: float = 0.0
    unplaced_commune_eur: float = 0.0
    total_eur: float = 0.0
    unplaced_buyer_eur: float = 0.0


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str | None, float, int]]:
    return [(r[0], float(r[1] or 0.0), int(r[2])) for r in con.execute(sql).fetchall()]


def _split(rows: list[tuple[str | None, float, int]]) -> tuple[list[PlaceSpend], float]:
    placed = [PlaceSpend(c, a, n) for c, a, n in rows if c is not None]
    placed.sort(key=lambda p: (-p.amount_eur, p.code))
    return placed, sum(a for c, a, _ in rows if c is None)


def spend_by_place(settings: Settings, scope: Scope) -> Spend:
    """Spend of ``scope`` by supplier département, supplier commune and buyer commune."""
    con = Warehouse(settings).connect()
    try:
        present = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if not all(name in present for name in _NEEDED):
            return Spend(enriched=False)
        relations = scope.relations(establishments=False)
        for name in ("sc", "ss"):  # temp tables on this connection only; ss reads sc
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {relations[name]}")
        # the suppliers' places, read once from the enriched rows of the scope only
        con.execute(
            """CREATE OR REPLACE TEMP TABLE ssp AS
            SELECT s.share_eur, e.supplier_departement, e.supplier_commune
            FROM ss s LEFT JOIN (
                SELECT contract_id, rank, supplier_departement, supplier_commune
                FROM contract_suppliers_enriched SEMI JOIN ss USING (contract_id)
            ) e USING (contract_id, rank)"""
        )
        supplier = "SELECT {col}, sum(share_eur), count(*) FROM ssp GROUP BY 1"
        deps, dep_out = _split(_rows(con, supplier.format(col="supplier_departement")))
        communes, com_out = _split(_rows(con, supplier.format(col="supplier_commune")))
        buyers, buyer_out = _split(
            _rows(
                con,
                """SELECT e.buyer_commune, sum(c.amount_eur), count(*)
                FROM sc c LEFT JOIN (
                    SELECT contract_id, buyer_commune FROM contracts_enriched
                    SEMI JOIN sc USING (contract_id)
                ) e USING (contract_id)
                GROUP BY 1""",
            )
        )
        total = sum(p.amount_eur for p in deps) + dep_out
        return Spend(True, deps, communes, buyers, dep_out, com_out, total, buyer_out)
    finally:
        con.close()

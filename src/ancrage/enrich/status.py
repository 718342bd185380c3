"""Coverage of the enrichment (library side of the « Enrichissement » part of ``ancrage status``).

Works on any connection where the enriched tables are views or tables
(:meth:`ancrage.warehouse.store.Warehouse.attach_enriched` creates them).
"""

from __future__ import annotations

from typing import Any

import duckdb

from ancrage.enrich.rings import RING_ORDER

NEEDED = ("establishments", "contracts_enriched", "contract_suppliers_enriched")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Located / sized supplier rows, located buyers, by source of the facts and by ring."""
    row = con.execute(
        """SELECT
            (SELECT count(*) FROM contract_suppliers_enriched),
            (SELECT count(*) FROM contract_suppliers_enriched WHERE locality_ring <> 'unknown'),
            (SELECT count(*) FROM contract_suppliers_enriched WHERE size_class IS NOT NULL),
            (SELECT count(*) FROM contracts_enriched),
            (SELECT count(*) FROM contracts_enriched WHERE buyer_located),
            (SELECT count(*) FROM establishments)"""
    ).fetchall()[0]
    rows, located, sized, contracts, buyers_located, establishments = (int(v) for v in row)
    by_source = [
        {
            "source": source,
            "supplier_rows": int(n),
            "located": int(n_located),
            "sized": int(n_sized),
        }
        for source, n, n_located, n_sized in con.execute(
            """SELECT source, count(*),
                count(*) FILTER (WHERE locality_ring <> 'unknown'),
                count(*) FILTER (WHERE size_class IS NOT NULL)
            FROM contract_suppliers_enriched GROUP BY source
            ORDER BY source NULLS LAST"""
        ).fetchall()
    ]
    counts = dict(
        con.execute(
            "SELECT locality_ring, count(*) FROM contract_suppliers_enriched GROUP BY ALL"
        ).fetchall()
    )
    buyers_by_source = [
        {"source": source, "contracts": int(n), "located": int(n_located)}
        for source, n, n_located in con.execute(
            """SELECT e.source, count(*), count(*) FILTER (WHERE c.buyer_located)
            FROM contracts_enriched c LEFT JOIN establishments e ON e.siret = c.buyer_siret
            GROUP BY ALL ORDER BY e.source NULLS LAST"""
        ).fetchall()
    ]
    return {
        "supplier_rows": rows,
        "supplier_rows_located": located,
        "supplier_rows_located_share": _share(located, rows),
        "supplier_rows_sized": sized,
        "supplier_rows_sized_share": _share(sized, rows),
        "contracts": contracts,
        "buyers_located": buyers_located,
        "buyers_located_share": _share(buyers_located, contracts),
        "establishments": establishments,
        "by_source": by_source,
        "buyers_by_source": buyers_by_source,
        "rings": {ring: int(counts.get(ring, 0)) for ring in RING_ORDER},
    }


def enrichment_status(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """Coverage of the enriched tables, ``None`` when enrichment has not run."""
    names = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    names |= {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not all(n in names for n in NEEDED):
        return None
    return coverage(con)

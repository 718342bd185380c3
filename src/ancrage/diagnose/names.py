"""Names beside identifiers: what users know a buyer or a supplier by.

A name comes from the contracts as published (the 2019 format and the consolidated extract
name buyers and suppliers; the 2024 format does not), else from SIRENE's denomination when the
warehouse was enriched with it. The most frequent published spelling wins, as users read it:
mojibake repaired where one reading is certain (:func:`ancrage.textrepair.repair`: « Communauté
d'agglomération », not « Communaut� d'agglom�ration »). Reports, the diagnostic's tables and
their CSV/XLSX exports show these names; the warehouse keeps the published spelling.
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import pyarrow as pa

from ancrage.textrepair import repair

_SQL = {
    "buyer": """
        SELECT coalesce(c.buyer_siret, c.buyer_id) AS id, mode(c.buyer_name) AS name
        FROM contracts c SEMI JOIN _wanted w ON w.id = coalesce(c.buyer_siret, c.buyer_id)
        WHERE c.buyer_name IS NOT NULL GROUP BY ALL""",
    "supplier": """
        SELECT coalesce(s.supplier_siret, s.id_type || ':' || s.supplier_id, s.supplier_id)
            AS id, mode(s.supplier_name) AS name
        FROM contract_suppliers s SEMI JOIN _wanted w ON w.id = coalesce(s.supplier_siret,
            s.id_type || ':' || s.supplier_id, s.supplier_id)
        WHERE s.supplier_name IS NOT NULL GROUP BY ALL""",
}


def _has(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return bool(rows[0][0])


def names(con: duckdb.DuckDBPyConnection, who: str, ids: Collection[str | None]) -> dict[str, str]:
    """Name of each buyer (``who="buyer"``) or supplier (``"supplier"``) id found."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    con.register("_wanted", pa.table({"id": pa.array(wanted, pa.string())}))
    try:
        found = dict(con.execute(_SQL[who]).fetchall())
        missing = [i for i in wanted if i not in found]
        if missing and _has(con, "establishments"):
            rows = con.execute(
                "SELECT siret, denomination FROM establishments SEMI JOIN _wanted w"
                " ON w.id = siret WHERE denomination IS NOT NULL"
            ).fetchall()
            found.update({k: v for k, v in rows if k not in found})
    finally:
        con.unregister("_wanted")
    return {str(k): repair(str(v)) or str(v) for k, v in found.items()}

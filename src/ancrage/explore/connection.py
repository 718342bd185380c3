"""A read-only warehouse connection with the enriched views, or null stand-ins for them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from ancrage.diagnose.scope import ENRICHED_COLUMNS
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

# Enriched columns the explorer reads beyond the scope's (buyer and supplier places, sizes).
EXTRA_COLUMNS = {
    "contracts_enriched": {"buyer_commune": "VARCHAR"},
    "contract_suppliers_enriched": {"supplier_commune": "VARCHAR"},
}


@contextmanager
def reading(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    con = Warehouse(settings).connect()
    try:
        tables = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        present = {r[0] for r in tables}
        for name, columns in ENRICHED_COLUMNS.items():
            if name in present:
                continue
            key = ["contract_id", "rank"] if "rank" in columns else ["contract_id"]
            nulls = ", ".join(f"NULL::{t} AS {c}" for c, t in columns.items() if c not in key)
            source = "contract_suppliers" if "rank" in columns else "contracts"
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {', '.join(key)}, {nulls} "
                f"FROM {source}"
            )
        yield con
    finally:
        con.close()


def rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None
) -> list[dict[str, object]]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

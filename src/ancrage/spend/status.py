"""What the spend tables hold (library side of a « Dépenses » part of ``ancrage status``)."""

from __future__ import annotations

from typing import Any

import duckdb

from ancrage.settings import Settings
from ancrage.spend.pipeline import committed
from ancrage.sql import sql_str
from ancrage.warehouse.store import Warehouse


def spend_status(settings: Settings) -> dict[str, Any] | None:
    """Files loaded and totals per buyer and year; ``None`` when no export was loaded.

    Reads only files (manifests and ``enriched/spend.parquet``): no lock on the warehouse.
    """
    manifests = committed(settings)
    path = Warehouse(settings).enriched_dir / "spend.parquet"
    if not manifests or not path.is_file():
        return None
    files = [
        {
            "name": m["report"]["file"].rsplit("/", 1)[-1],
            "buyer_siret": m["report"]["buyer_siret"],
            "detected_format": m["report"]["detected_format"],
            **{k: m["report"][k] for k in ("read", "loaded", "repaired", "quarantined")},
            "duplicates": m["report"]["duplicates"],
            "loaded_at": m["loaded_at"],
        }
        for m in manifests.values()
    ]
    con = duckdb.connect()
    try:
        cur = con.execute(
            f"""SELECT buyer_siret, year, count(*) AS lines,
                round(sum(amount_eur), 2) AS amount_eur,
                count(*) FILTER (WHERE in_scope) AS purchase_lines,
                count(*) FILTER (WHERE supplier_siret IS NOT NULL) AS with_siret,
                count(*) FILTER (WHERE segment_id IS NOT NULL) AS with_segment
            FROM read_parquet({sql_str(str(path))})
            GROUP BY ALL ORDER BY buyer_siret, year"""
        )
        names = [d[0] for d in cur.description]
        by_buyer_year = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    totals = {
        "files": len(files),
        "lines": sum(r["lines"] for r in by_buyer_year),
        "amount_eur": round(sum(r["amount_eur"] or 0.0 for r in by_buyer_year), 2),
        "quarantined": sum(f["quarantined"] for f in files),
    }
    return {"files": files, "totals": totals, "by_buyer_year": by_buyer_year}

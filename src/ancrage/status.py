"""What the warehouse holds (library side of ``ancrage status`` and ``ancrage quarantine``)."""

from __future__ import annotations

from typing import Any

from ancrage.enrich.status import enrichment_status
from ancrage.labels import decp_field
from ancrage.settings import Settings
from ancrage.spend.status import spend_status
from ancrage.warehouse.store import Warehouse

QUARANTINE_COLUMNS = ["source_file", "source_record", "record_id", "field", "raw_value", "reason"]


def _rows(cur: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def warehouse_status(settings: Settings) -> dict[str, Any]:
    """Files loaded, table sizes, contracts per source format and notification year, and the
    buyers' accounting exports (``spend``: :func:`ancrage.spend.status.spend_status`)."""
    warehouse = Warehouse(settings)
    empty: dict[str, Any] = {
        "home": str(settings.home),
        "synthetic": False,
        "files": [],
        "totals": {},
        "enrichment": None,
        "spend": spend_status(settings),
        "interrupted": None,
    }
    if not warehouse.exists():
        return {**empty, "by_source_year": []}
    con = warehouse.connect()
    try:
        files = _rows(
            con.execute(
                "SELECT name, detected_format, synthetic, read, loaded, repaired, quarantined,"
                " duplicates, loaded_at, path FROM loaded_files ORDER BY seq"
            )
        )
        counts = con.execute(
            """SELECT
                (SELECT count(*) FROM contracts),
                (SELECT count(*) FROM contract_suppliers),
                (SELECT count(*) FROM modifications),
                (SELECT count(*) FROM subcontracting),
                (SELECT count(*) FROM repairs),
                (SELECT count(*) FROM quarantine),
                (SELECT count(*) FROM contracts WHERE amount_flag IS NOT NULL)"""
        ).fetchone()
        assert counts is not None
        keys = [
            "contracts",
            "contract_suppliers",
            "modifications",
            "subcontracting",
            "repairs",
            "quarantine",
            "amount_flagged",
        ]
        totals = {"files": len(files), **dict(zip(keys, counts, strict=True))}
        by_year = _rows(
            con.execute(
                """SELECT source_format, notification_year AS year, count(*) AS contracts,
                    sum(amount) FILTER (WHERE amount_flag IS NULL) AS amount_eur,
                    count(*) FILTER (WHERE amount_flag IS NOT NULL) AS amount_flagged
                FROM contracts GROUP BY ALL ORDER BY source_format, year NULLS LAST"""
            )
        )
        enrichment = enrichment_status(con)
        interrupted = warehouse.interrupted(con)
    finally:
        con.close()
    return {
        "home": str(settings.home),
        "synthetic": any(f["synthetic"] for f in files),
        "files": files,
        "totals": totals,
        "by_source_year": by_year,
        "enrichment": enrichment,
        "spend": empty["spend"],
        "interrupted": interrupted,
    }


def quarantine_rows(settings: Settings) -> list[dict[str, Any]]:
    warehouse = Warehouse(settings)
    if not warehouse.exists():
        return []
    con = warehouse.connect()
    try:
        cols = ", ".join(QUARANTINE_COLUMNS)
        rows = _rows(con.execute(f"SELECT {cols} FROM quarantine"))
    finally:
        con.close()
    for row in rows:  # the field under the name the user's file gives it
        row["field"] = decp_field(row["field"])
    return rows

"""Market history of a call: similar awarded contracts in the DECP warehouse, and the buyer's.

Similar = same CPV class (4 digits), same département (place of performance, else the buyer's),
value within ×/÷ 3 of the lot's or the call's estimate (any value when the call gives none).
Who won, how much, how many offers; whether a local firm or an SME won when the enriched tables
(``contracts_enriched``, ``contract_suppliers_enriched``, see ``ancrage enrich``) exist.

The reading sheet gets an optional section through :func:`sheet_with_history` (a hook of this
module: :mod:`ancrage.notices.sheet` is not changed).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from ancrage.fmt import euros, number, pct
from ancrage.notices.model import Lot, Notice, departements
from ancrage.notices.sheet import Item, Section, Sheet, reading_sheet
from ancrage.settings import Settings
from ancrage.textrepair import repair
from ancrage.warehouse.store import Warehouse

VALUE_FACTOR = 3.0
LIMIT = 10
LOCAL_RINGS = ("commune", "epci", "departement")  # labels of ancrage.enrich.rings
SME = ("TPE", "PME")


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {table} LIMIT 0")
    except duckdb.Error:
        return False
    return True


def _criteria(notice: Notice, lot: Lot | None) -> dict[str, Any]:
    cpv = (lot.cpv_main if lot else None) or notice.cpv_main
    deps = sorted(lot.place.departements) if lot and lot.place and lot.place.departements else []
    # the notice's places, the buyer's own département first when it is one of them
    deps = deps or sorted(departements(notice), key=lambda d: (d != notice.buyer.departement, d))
    money = (lot.value if lot else None) or notice.estimated_value
    value = float(money.amount) if money and money.amount else None
    return {
        "cpv_class": cpv[:4] if cpv else None,
        "departement": deps[0] if deps else None,
        "value_min": value / VALUE_FACTOR if value else None,
        "value_max": value * VALUE_FACTOR if value else None,
    }


def market_history(settings: Settings, notice: Notice, lot: Lot | None = None) -> dict[str, Any]:
    """Similar awarded contracts and the buyer's history, as plain data (JSON-ready)."""
    crit = _criteria(notice, lot)
    result: dict[str, Any] = {"criteria": crit, "similar": [], "summary": None, "buyer": None}
    if crit["cpv_class"] is None or crit["departement"] is None:
        result["note"] = "classe CPV ou département inconnus : pas de comparaison possible"
        return result
    warehouse = Warehouse(settings)
    if not warehouse.exists():
        result["note"] = "entrepôt DECP vide : chargez des données avec « ancrage load »"
        return result
    con = warehouse.connect()
    try:
        enriched = _has(con, "contracts_enriched") and _has(con, "contract_suppliers_enriched")
        result["enriched"] = enriched
        dep_sql = (
            "coalesce(e.place_departement, e.buyer_departement, c.buyer_department)"
            if enriched
            else "c.buyer_department"
        )
        join = "LEFT JOIN contracts_enriched e USING (contract_id)" if enriched else ""
        where = ["substr(c.cpv, 1, 4) = $cls", f"{dep_sql} = $dep"]
        params: dict[str, Any] = {"cls": crit["cpv_class"], "dep": crit["departement"]}
        if crit["value_min"] is not None:
            where.append("c.amount BETWEEN $lo AND $hi")
            params |= {"lo": crit["value_min"], "hi": crit["value_max"]}
        sup_cols = (
            "s.size_class, s.locality_ring"
            if enriched
            else "NULL AS size_class, NULL AS locality_ring"
        )
        sup_join = (
            "LEFT JOIN contract_suppliers_enriched s ON s.contract_id = cs.contract_id "
            "AND s.rank = cs.rank"
            if enriched
            else ""
        )
        similar = con.execute(
            f"""
            WITH picked AS (
                SELECT c.contract_id, c.object, c.cpv, c.amount, c.offers_received,
                       c.notification_date, c.buyer_name, c.buyer_siret
                FROM contracts c {join}
                WHERE {" AND ".join(where)}
            )
            SELECT p.*, cs.supplier_name, cs.supplier_siret, {sup_cols}
            FROM picked p
            LEFT JOIN contract_suppliers cs ON cs.contract_id = p.contract_id AND cs.rank = 0
            {sup_join}
            ORDER BY p.notification_date DESC NULLS LAST, p.contract_id
            """,
            params,
        ).fetchall()
        names = [
            "contract_id",
            "object",
            "cpv",
            "amount",
            "offers_received",
            "notification_date",
            "buyer_name",
            "buyer_siret",
            "winner",
            "winner_siret",
            "size_class",
            "locality_ring",
        ]
        rows = [dict(zip(names, r, strict=True)) for r in similar]
        for r in rows:
            r["notification_date"] = str(r["notification_date"]) if r["notification_date"] else None
            r["amount"] = float(r["amount"]) if r["amount"] is not None else None
            r["local"] = (
                None
                if r["locality_ring"] in (None, "unknown")
                else (r["locality_ring"] in LOCAL_RINGS)
            )
            r["sme"] = None if r["size_class"] is None else r["size_class"] in SME
        result["similar"] = rows[:LIMIT]
        result["summary"] = _summary(rows)
        if notice.buyer.siret:
            result["buyer"] = _buyer(con, notice.buyer.siret, enriched)
    finally:
        con.close()
    return result


def _share(values: list[bool | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 3) if known else None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "contracts": len(rows),
        "median_amount": _median([r["amount"] for r in rows if r["amount"] is not None]),
        "median_offers": _median(
            [float(r["offers_received"]) for r in rows if r["offers_received"] is not None]
        ),
        "local_share": _share([r["local"] for r in rows]),
        "sme_share": _share([r["sme"] for r in rows]),
    }


def _buyer(con: duckdb.DuckDBPyConnection, siret: str, enriched: bool) -> dict[str, Any]:
    sup = (
        "LEFT JOIN contract_suppliers_enriched s ON s.contract_id = c.contract_id"
        if enriched
        else ""
    )
    local = (
        f"avg(CASE WHEN s.locality_ring = 'unknown' THEN NULL "
        f"WHEN s.locality_ring IN {LOCAL_RINGS} THEN 1.0 ELSE 0.0 END)"
        if enriched
        else "NULL"
    )
    sme = (
        "avg(CASE WHEN s.size_class IS NULL THEN NULL "
        f"WHEN s.size_class IN {SME} THEN 1.0 ELSE 0.0 END)"
        if enriched
        else "NULL"
    )
    row = con.execute(
        f"""SELECT count(DISTINCT c.contract_id), median(c.offers_received), {local}, {sme}
        FROM contracts c {sup} WHERE c.buyer_siret = ?""",
        [siret],
    ).fetchone()
    assert row is not None
    return {
        "siret": siret,
        "contracts": int(row[0]),
        "median_offers": float(row[1]) if row[1] is not None else None,
        "local_share": round(float(row[2]), 3) if row[2] is not None else None,
        "sme_share": round(float(row[3]), 3) if row[3] is not None else None,
    }


def _pct(value: float | None) -> str:
    return "inconnue" if value is None else pct(value)


def _num(value: float | None) -> str:
    return "inconnue" if value is None else f"{value:g}"


def history_section(history: dict[str, Any]) -> Section:
    """The history as a reading-sheet section (French)."""
    section = Section("Historique du marché (DECP)")
    crit = history["criteria"]
    if history.get("note"):
        section.items.append(Item("Comparaison", history["note"]))
        return section
    scope = f"classe CPV {crit['cpv_class']}, département {crit['departement']}"
    if crit["value_min"] is not None:
        scope += f", montant entre {number(crit['value_min'])} et {euros(crit['value_max'])}"
    summary = history["summary"]
    section.items.append(Item("Marchés comparables", f"{summary['contracts']} ({scope})"))
    if summary["median_offers"] is not None:
        section.items.append(Item("Offres reçues (médiane)", f"{summary['median_offers']:g}"))
    section.items.append(Item("Gagnés par une entreprise locale", _pct(summary["local_share"])))
    section.items.append(Item("Gagnés par une PME", _pct(summary["sme_share"])))
    for r in history["similar"][:5]:
        amount = euros(r["amount"]) if r["amount"] else "montant ?"
        winner = repair(r["winner"]) or r["winner_siret"] or "titulaire inconnu"
        what = repair(r["object"]) or ""
        section.items.append(
            Item(winner, f"{amount}, {r['notification_date'] or 'date ?'} — {what}".strip())
        )
    buyer = history.get("buyer")
    if buyer:
        section.items.append(
            Item(
                "Cet acheteur",
                f"{buyer['contracts']} marchés ; offres (médiane) "
                f"{_num(buyer['median_offers'])} ; part locale {_pct(buyer['local_share'])}"
                f" ; part PME {_pct(buyer['sme_share'])}",
            )
        )
    return section


def sheet_with_history(
    settings: Settings, notice: Notice, *, today: date, lot: Lot | None = None
) -> Sheet:
    """The reading sheet with the market history as its last section."""
    sheet = reading_sheet(notice, today=today)
    sheet.sections.append(history_section(market_history(settings, notice, lot)))
    return sheet

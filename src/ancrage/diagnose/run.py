"""Run the indicator registry over a scope and assemble the diagnostic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from ancrage.diagnose.scope import ENRICHED_COLUMNS, SPEND_ENRICHED_COLUMNS, Scope
from ancrage.errors import ConfigError
from ancrage.geo import Territory, parse_territory
from ancrage.geo.territory import build
from ancrage.indicators.engine import fetch, install_reference, wrap
from ancrage.indicators.locality import RINGS
from ancrage.indicators.registry import registry
from ancrage.reference.segments import segments
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

SIZES = ("TPE", "PME", "ETI", "GE", "unknown")


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}


def _prepare(con: duckdb.DuckDBPyConnection) -> bool:
    """Null stand-ins for missing enriched views; returns whether establishments exist."""
    con.execute("SET preserve_insertion_order = false")
    present = _views(con)
    for name, columns in ENRICHED_COLUMNS.items():
        if name not in present:
            key = "contract_id, rank" if "rank" in columns else "contract_id"
            nulls = ", ".join(
                f"NULL::{t} AS {c}" for c, t in columns.items() if c not in key.split(", ")
            )
            source = "contract_suppliers" if "rank" in columns else "contracts"
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {key}, {nulls} FROM {source}"
            )
    if "spend_enriched" not in present:
        nulls = ", ".join(f"NULL::{t} AS {c}" for c, t in SPEND_ENRICHED_COLUMNS.items())
        con.execute(f"CREATE OR REPLACE TEMP VIEW spend_enriched AS SELECT {nulls} WHERE FALSE")
    install_reference(con)
    return "establishments" in present


@contextmanager
def _connection(settings: Settings) -> Iterator[tuple[duckdb.DuckDBPyConnection, bool]]:
    con = Warehouse(settings).connect()
    try:
        yield con, _prepare(con)
    finally:
        con.close()


def _materialise(con: duckdb.DuckDBPyConnection, scope: Scope, establishments: bool) -> None:
    """The scoped relations as temp tables (computed once, read by every indicator)."""
    for name, sql in scope.relations(establishments=establishments).items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


def _compute(
    con: duckdb.DuckDBPyConnection, scope: Scope, establishments: bool, *, breakdowns: bool
) -> dict[str, list[dict[str, Any]]]:
    """Every indicator of the registry (and, if asked, each declared breakdown) as row lists."""
    _materialise(con, scope, establishments)
    params = {"local_rings": scope.local_rings, "establishments": establishments}
    out: dict[str, list[dict[str, Any]]] = {}
    for ind in registry().values():
        out[ind.id] = fetch(con, wrap(ind, None, **params))
        for b in ind.breakdowns if breakdowns else ():
            out[f"{ind.id}__by_{b}"] = fetch(con, wrap(ind, b, **params))
    return out


_WANTED = (
    "volume__by_year",
    "locality_rings__by_year",
    "environmental__by_year",
    "social__by_year",
    "competition__by_segment",
    "competition__by_procedure",
    "sme_access__by_amount_band",
    "volume__by_segment",
    "spend_volume__by_year",
)


def _some_breakdowns(
    con: duckdb.DuckDBPyConnection, scope: Scope, establishments: bool
) -> dict[str, list[dict[str, Any]]]:
    _materialise(con, scope, establishments)
    params = {"local_rings": scope.local_rings, "establishments": establishments}
    reg = registry()
    out: dict[str, list[dict[str, Any]]] = {}
    for ind in reg.values():
        out[ind.id] = fetch(con, wrap(ind, None, **params))
    for key in _WANTED:
        ind_id, b = key.split("__by_")
        out[key] = fetch(con, wrap(reg[ind_id], b, **params))
    return out


def _shares(
    rows: list[dict[str, Any]], key: str, keys: tuple[str, ...], col: str
) -> dict[str, float]:
    found = {r[key]: r[col] or 0.0 for r in rows}
    return {k: float(found.get(k, 0.0)) for k in keys}


def _spend(t: dict[str, list[dict[str, Any]]], labels: dict[str, str]) -> dict[str, Any] | None:
    """Spend of the buyers' accounts in scope, or ``None`` when there is none."""
    volume = t["spend_volume"][0]
    if not volume["lines"]:
        return None
    rings = t["spend_locality_rings"]
    sizes = t["spend_supplier_size"]
    segs = [
        {
            "segment_id": row["segment"],
            "label": labels.get(row["segment"], "Segment inconnu"),
            "lines": row["contracts"],
            "amount_eur": row["amount_eur"],
            "local_share": row["local_share"],
            "leaving_share": row["leaving_share"],
            "leaving_amount_eur": row["leaving_amount_eur"],
            "local_establishments": row["local_establishments"],
            "establishments_available": row["establishments_available"],
        }
        for row in sorted(
            t["spend_segment_leakage"], key=lambda r: (-(r["amount_eur"] or 0), r["segment"])
        )
    ]
    return {
        "note": "Dépenses d'achat de la comptabilité des acheteurs (mandats payés), par exercice.",
        "totals": {
            "lines": volume["lines"],
            "amount_eur": float(volume["amount_eur"]),
            "buyers": volume["buyers"],
            "suppliers": volume["suppliers"],
            "credit_notes": volume["credit_notes"],
        },
        "by_year": t["spend_volume__by_year"],
        "locality": {
            "by_amount": _shares(rings, "ring", RINGS, "share_amount"),
            "by_count": _shares(rings, "ring", RINGS, "share_count"),
        },
        "supplier_size": {
            "by_amount": _shares(sizes, "size_class", SIZES, "share_amount"),
            "by_count": _shares(sizes, "size_class", SIZES, "share_count"),
            "artisans_ess": t["spend_artisans_ess"][0],
        },
        "segments": segs,
    }


def _assemble(scope: Scope, t: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    volume = t["volume"][0]
    quality = t["quality"][0]
    labels = {s.id: s.label for s in segments().values()}
    seg_volume = {r["segment"]: r for r in t["volume__by_segment"]}
    seg_competition = {r["segment"]: r for r in t["competition__by_segment"]}
    segs = []
    for row in sorted(t["segment_leakage"], key=lambda r: -(r["amount_eur"] or 0)):
        vol = seg_volume.get(None if row["segment"] == "inconnu" else row["segment"], {})
        comp = seg_competition.get(None if row["segment"] == "inconnu" else row["segment"], {})
        segs.append(
            {
                "segment_id": row["segment"],
                "label": labels.get(row["segment"], "Segment inconnu"),
                "contracts": vol.get("contracts", row["contracts"]),
                "amount_eur": vol.get("amount_eur", row["amount_eur"]),
                "local_share": row["local_share"],
                "leaving_share": row["leaving_share"],
                "leaving_amount_eur": row["leaving_amount_eur"],
                "local_establishments": row["local_establishments"],
                "establishments_available": row["establishments_available"],
                "single_offer_share": comp.get("single_offer_share"),
            }
        )

    def consideration(ind: str) -> dict[str, Any]:
        row = dict(t[ind][0])
        row["note"] = (
            "Part calculée sur les contrats dont le format déclare les considérations "
            f"({row['reported']} contrats sur {row['contracts']})."
        )
        row["by_year"] = t[f"{ind}__by_year"]
        return row

    out: dict[str, Any] = {
        "scope": {**scope.describe(), "local_rings": list(scope.local_rings)},
        "fictitious": bool(quality["synthetic_files"]),
        "totals": {
            "contracts": volume["contracts"],
            "amount_eur": float(volume["amount_eur"]),
            "buyers": volume["buyers"],
            "suppliers": volume["suppliers"],
            "framework_contracts": volume["framework_contracts"],
        },
        "by_year": t["volume__by_year"],
        "locality": {
            "by_amount": _shares(t["locality_rings"], "ring", RINGS, "share_amount"),
            "by_count": _shares(t["locality_rings"], "ring", RINGS, "share_count"),
            "by_year": t["locality_rings__by_year"],
            "distance": t["distance"],
        },
        "supplier_size": {
            "by_amount": _shares(t["supplier_size"], "size_class", SIZES, "share_amount"),
            "by_count": _shares(t["supplier_size"], "size_class", SIZES, "share_count"),
            "artisans_ess": t["artisans_ess"][0],
            "sme_access": t["sme_access"][0],
            "sme_by_amount_band": t["sme_access__by_amount_band"],
        },
        "considerations": {
            "environmental": consideration("environmental"),
            "social": consideration("social"),
        },
        "competition": {
            **t["competition"][0],
            "by_segment": t["competition__by_segment"],
            "by_procedure": t["competition__by_procedure"],
        },
        "concentration": t["concentration"][0],
        "practices": t["practices"][0],
        "segments": segs,
        "quality": quality,
    }
    spend = _spend(t, labels)
    if spend is not None:
        out["spend"] = spend
    return out


def _region_of(territory: Territory) -> Territory:
    geo = territory.geography
    if territory.kind == "reg":
        return territory
    if territory.kind == "dep":
        code = geo.departements[territory.code].region
    elif territory.kind == "commune":
        code = geo.communes[territory.code].region
    else:
        code = geo.communes[geo.epcis[territory.code].membres[0]].region
    return build(geo, "reg", code)


def reference_scope(scope: Scope, reference: str) -> Scope:
    """``region`` (the région of the territory), ``france`` (the whole warehouse) or any
    territory, with the same filters as ``scope``."""
    if reference == "france":
        return scope.without_place(None, "France (tout l'entrepôt)")
    if reference == "region":
        if scope.territory is None:
            raise ConfigError(
                "--reference region demande un --territory",
                hint="Donnez un territoire, ou utilisez --reference france ou un territoire.",
            )
        region = _region_of(scope.territory)
        return scope.without_place(region, f"{region.nom} ({region.label})")
    other = parse_territory(reference)
    return scope.without_place(other, f"{other.nom} ({other.label})")


def diagnose(
    settings: Settings, scope: Scope, *, reference: Scope | str | None = None
) -> dict[str, Any]:
    """The diagnostic of ``scope`` (and of a reference scope shown beside, if given)."""
    ref = reference_scope(scope, reference) if isinstance(reference, str) else reference
    with _connection(settings) as (con, establishments):
        main_scope = scope.with_frameworks("exclude") if scope.frameworks == "separate" else scope
        result = _assemble(main_scope, _some_breakdowns(con, main_scope, establishments))
        result["scope"]["frameworks"] = scope.frameworks
        if scope.frameworks == "separate":
            only = _assemble(
                scope.with_frameworks("only"),
                _some_breakdowns(con, scope.with_frameworks("only"), establishments),
            )
            result["frameworks"] = {
                "note": "Accords-cadres : le montant est un plafond, pas une dépense.",
                "totals": only["totals"],
                "locality": {k: only["locality"][k] for k in ("by_amount", "by_count")},
            }
        if ref is not None:
            bench = _assemble(ref, _some_breakdowns(con, ref, establishments))
            result["benchmark"] = bench
            result["fictitious"] = result["fictitious"] or bench["fictitious"]
    return result


def indicator_tables(
    settings: Settings, scope: Scope, *, reference: Scope | str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every table behind every figure: each indicator, overall and by each declared
    breakdown (``<id>`` and ``<id>__by_<breakdown>``); reference tables prefixed ``ref__``."""
    ref = reference_scope(scope, reference) if isinstance(reference, str) else reference
    with _connection(settings) as (con, establishments):
        tables = _compute(con, scope, establishments, breakdowns=True)
        if ref is not None:
            ref_tables = _compute(con, ref, establishments, breakdowns=True)
            tables.update({f"ref__{k}": v for k, v in ref_tables.items()})
    return tables

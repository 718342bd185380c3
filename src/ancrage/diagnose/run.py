"""Run the indicator registry over a scope and assemble the diagnostic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import duckdb

from ancrage.diagnose.assemble import assemble
from ancrage.diagnose.model import Diagnostic, FrameworksBlock
from ancrage.diagnose.scope import ENRICHED_COLUMNS, SPEND_ENRICHED_COLUMNS, Scope
from ancrage.errors import ConfigError
from ancrage.geo import Territory, parse_territory
from ancrage.geo.territory import build
from ancrage.indicators.engine import fetch, install_reference, wrap
from ancrage.indicators.registry import registry
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse


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
) -> Diagnostic:
    """The diagnostic of ``scope`` (and of a reference scope shown beside, if given)."""
    ref = reference_scope(scope, reference) if isinstance(reference, str) else reference
    with _connection(settings) as (con, establishments):
        main_scope = scope.with_frameworks("exclude") if scope.frameworks == "separate" else scope
        result = assemble(main_scope, _some_breakdowns(con, main_scope, establishments))
        result = replace(result, scope=scope)
        if scope.frameworks == "separate":
            only = assemble(
                scope.with_frameworks("only"),
                _some_breakdowns(con, scope.with_frameworks("only"), establishments),
            )
            result = replace(
                result,
                frameworks=FrameworksBlock(
                    note="Accords-cadres : le montant est un plafond, pas une dépense.",
                    totals=only.totals,
                    by_amount=only.locality.by_amount,
                    local=only.locality.local,
                ),
            )
        if ref is not None:
            bench = assemble(ref, _some_breakdowns(con, ref, establishments))
            result = replace(
                result, benchmark=bench, fictitious=result.fictitious or bench.fictitious
            )
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

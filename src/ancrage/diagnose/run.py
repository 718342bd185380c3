"""Run the indicator registry over a scope and assemble the diagnostic."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from ancrage.diagnose.assemble import assemble
from ancrage.diagnose.hints import empty_sentence, placement
from ancrage.diagnose.model import Diagnostic, FrameworksBlock
from ancrage.diagnose.names import names
from ancrage.diagnose.scope import ENRICHED_COLUMNS, SPEND_ENRICHED_COLUMNS, Scope
from ancrage.diagnose.sirene import sirene_advice
from ancrage.errors import ConfigError
from ancrage.geo import Territory, parse_territory
from ancrage.geo.territory import build
from ancrage.indicators.engine import fetch, install_reference, wrap
from ancrage.indicators.registry import Indicator, registry
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}


@dataclass(frozen=True)
class Available:
    """What the warehouse holds beyond the canonical tables: the enriched tables
    (``enriched``), SIRENE establishments with their trade (``establishments``)."""

    enriched: bool
    establishments: bool


def _prepare(con: duckdb.DuckDBPyConnection) -> Available:
    """Null stand-ins for missing enriched views; says what is really there."""
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
    # establishments count as SIRENE's only when some carries a NAF code (the COG alone places
    # a buyer, it does not tell its trade): else « établissements locaux » is unknown, not 0
    with_naf = "establishments" in present and bool(
        con.execute("SELECT count(*) FROM establishments WHERE naf IS NOT NULL").fetchall()[0][0]
    )
    return Available("contracts_enriched" in present, with_naf)


@contextmanager
def _connection(settings: Settings) -> Iterator[tuple[duckdb.DuckDBPyConnection, Available]]:
    con = Warehouse(settings).connect()
    try:
        yield con, _prepare(con)
    finally:
        con.close()


def _materialise(con: duckdb.DuckDBPyConnection, scope: Scope, establishments: bool) -> None:
    """The scoped relations as temp tables (computed once, read by every indicator)."""
    for name, sql in scope.relations(establishments=establishments).items():
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")


def _run(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    ind: Indicator,
    breakdown: str | None,
    establishments: bool,
) -> list[dict[str, Any]]:
    """One indicator over the materialised relations, or, for an indicator about another kind
    of contract, over the contracts of that kind in the same scope (``sc__<kind>``, which such an
    indicator reads as ``sc``)."""
    sql = wrap(ind, breakdown, local_rings=scope.local_rings, establishments=establishments)
    if ind.kind is not None and ind.kind != scope.kind:
        sql = f"WITH sc AS (SELECT * FROM sc__{ind.kind})\n{sql}"
    return fetch(con, sql)


def _compute(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    establishments: bool,
    wanted: Collection[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Every indicator of the registry, and each declared breakdown (``<id>__by_<b>``) that is
    ``wanted`` (all when ``None``), as row lists."""
    _materialise(con, scope, establishments)
    for kind in sorted({i.kind for i in registry().values() if i.kind and i.kind != scope.kind}):
        other = scope.with_kind(kind).relations(establishments=establishments)["sc"]
        con.execute(f"CREATE OR REPLACE TEMP TABLE sc__{kind} AS {other}")
    out: dict[str, list[dict[str, Any]]] = {}
    for ind in registry().values():
        out[ind.id] = _run(con, scope, ind, None, establishments)
        for b in ind.breakdowns:
            key = f"{ind.id}__by_{b}"
            if wanted is None or key in wanted:
                out[key] = _run(con, scope, ind, b, establishments)
    return out


# The breakdowns the diagnostic shows (the export writes them all).
WANTED = frozenset(
    {
        "volume__by_year",
        "locality_rings__by_year",
        "environmental__by_year",
        "social__by_year",
        "competition__by_segment",
        "competition__by_procedure",
        "sme_access__by_amount_band",
        "volume__by_segment",
        "spend_volume__by_year",
        "concessions__by_year",
        "concessions__by_buyer",
        "environmental__by_quarter",
        "env_obligation__by_buyer",
    }
)


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


def _diagnostic(con: duckdb.DuckDBPyConnection, scope: Scope, available: Available) -> Diagnostic:
    t = _compute(con, scope, available.establishments, WANTED)
    buyers = [
        r["buyer"]
        for key in ("concessions__by_buyer", "env_obligation__by_buyer")
        for r in t.get(key, ())
    ]
    d = assemble(scope, t, names(con, "buyer", buyers))
    place = placement(con, scope, available.enriched)
    if place is not None:
        d = replace(d, placement=place, quality=replace(d.quality, buyers_unlocated=place.buyers))
    if d.totals.contracts == 0:
        if d.concessions is not None:
            other = d.concessions.contracts
        else:
            other = _count(con, scope.with_kind("marche"))
        d = replace(d, empty=empty_sentence(con, scope, place, available.enriched, other))
    return d


def _count(con: duckdb.DuckDBPyConnection, scope: Scope) -> int:
    sql = scope.relations(establishments=False)["sc"]
    return int(con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0])


def diagnose(
    settings: Settings, scope: Scope, *, reference: Scope | str | None = None
) -> Diagnostic:
    """The diagnostic of ``scope`` (and of a reference scope shown beside, if given)."""
    ref = reference_scope(scope, reference) if isinstance(reference, str) else reference
    with _connection(settings) as (con, available):
        main_scope = scope.with_frameworks("exclude") if scope.frameworks == "separate" else scope
        result = replace(_diagnostic(con, main_scope, available), scope=scope)
        if scope.frameworks == "separate":
            only = _diagnostic(con, scope.with_frameworks("only"), available)
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
            bench = _diagnostic(con, ref, available)
            result = replace(
                result, benchmark=bench, fictitious=result.fictitious or bench.fictitious
            )
        size = result.supplier_size
        if available.enriched and size.rows and size.rows_known < size.rows / 2:
            result = replace(result, sirene=sirene_advice(settings, con))
    return result


def indicator_tables(
    settings: Settings, scope: Scope, *, reference: Scope | str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every table behind every figure: each indicator, overall and by each declared
    breakdown (``<id>`` and ``<id>__by_<breakdown>``); reference tables prefixed ``ref__``."""
    ref = reference_scope(scope, reference) if isinstance(reference, str) else reference
    with _connection(settings) as (con, available):
        tables = _compute(con, scope, available.establishments)
        if ref is not None:
            ref_tables = _compute(con, ref, available.establishments)
            tables.update({f"ref__{k}": v for k, v in ref_tables.items()})
    return tables


def buyer_names(settings: Settings, tables: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Names of the buyers listed by id in ``tables`` (the ``buyer`` column)."""
    ids = {r.get("buyer") for rows in tables.values() for r in rows if "buyer" in r}
    with _connection(settings) as (con, _):
        return names(con, "buyer", ids)

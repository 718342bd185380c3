"""Compute indicators with DuckDB: over a scope (CTEs) or over self-test rows."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import duckdb
import pyarrow as pa

from ancrage.indicators.registry import Indicator, SelfTest, render
from ancrage.indicators.relations import RELATIONS
from ancrage.reference.naf_cpv import naf_cpv_rules
from ancrage.reference.segments import segment_of


@cache
def naf_segment_rows() -> tuple[tuple[str, str], ...]:
    """(NAF prefix, segment id) pairs from the curated NAF ↔ CPV rules."""
    pairs = {
        (rule.naf_prefix, segment_of(rule.cpv_prefix.ljust(8, "0")).id) for rule in naf_cpv_rules()
    }
    return tuple(sorted(pairs))


def install_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The ``naf_segment`` reference table, as a temp table of the connection."""
    rows = naf_segment_rows()
    table = pa.table({"naf_prefix": [r[0] for r in rows], "segment": [r[1] for r in rows]})
    con.register("_naf_segment_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE naf_segment AS SELECT * FROM _naf_segment_arrow")
    con.unregister("_naf_segment_arrow")


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [{k: _plain(v) for k, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _plain(value: Any) -> Any:
    """JSON-friendly numbers (Decimal → float), NaN → None."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ == "Decimal":
        return float(value)
    return value


def wrap(indicator: Indicator, breakdown: str | None, **params: Any) -> str:
    """The indicator query as a subquery with a deterministic order."""
    return f"SELECT * FROM (\n{render(indicator, breakdown, **params)}\n) ORDER BY ALL"


def run_selftest(indicator: Indicator, test: SelfTest) -> list[dict[str, Any]]:
    """Run an indicator on the rows of a self-test, in a fresh in-memory database."""
    con = duckdb.connect()
    try:
        install_reference(con)
        for name, columns in RELATIONS.items():
            rows: list[dict[str, Any]] = getattr(test, name)
            unknown = {k for r in rows for k in r} - set(columns)
            if unknown:
                raise ValueError(f"self-test {test.name}: unknown columns {sorted(unknown)}")
            cols = ", ".join(f"{c} {t}" for c, t in columns.items())
            con.execute(f"CREATE TEMP TABLE {name} ({cols})")
            for row in rows:
                names = list(row)
                if names:
                    con.execute(
                        f"INSERT INTO {name} ({', '.join(names)}) VALUES "
                        f"({', '.join('?' * len(names))})",
                        [row[n] for n in names],
                    )
                else:
                    con.execute(f"INSERT INTO {name} DEFAULT VALUES")
        return fetch(
            con,
            wrap(
                indicator,
                test.breakdown,
                local_rings=test.local_rings,
                establishments=test.establishments,
            ),
        )
    finally:
        con.close()


def matches(actual: list[dict[str, Any]], expect: list[dict[str, Any]]) -> bool:
    """Same number of rows, and each expected key equal (floats to 1e-9)."""
    if len(actual) != len(expect):
        return False
    for got, want in zip(actual, expect, strict=True):
        for key, value in want.items():
            if key not in got:
                return False
            if isinstance(value, float) and isinstance(got[key], int | float):
                if not math.isclose(got[key], value, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif got[key] != value:
                return False
    return True

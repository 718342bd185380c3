"""Benchmark of the territorial diagnostic on a synthetic (FICTITIOUS) warehouse.

Generates the canonical parts and the enriched tables directly with DuckDB SQL from
``range()`` — 1.5 M contracts and 2.5 M contract × supplier rows at ``--scale 1`` — records the
file as synthetic, materialises the warehouse, then times a full diagnostic (warm) of one
département and of the whole warehouse (targets: < 2 s and < 10 s).

    python benchmarks/diagnose.py [--scale 0.2] [--home DIR] [--repeat 3]
    (an existing DIR is reused; each figure is printed with the load average)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from ancrage.diagnose import Scope, build_scope, diagnose
from ancrage.model import CONTRACT_SUPPLIERS, CONTRACTS
from ancrage.settings import Settings
from ancrage.warehouse.store import Warehouse

FILE_ID = "bench000000000000000"


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return "VARCHAR[]"
    return {
        pa.string(): "VARCHAR",
        pa.bool_(): "BOOLEAN",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.float64(): "DOUBLE",
        pa.date32(): "DATE",
    }[t]


def _select(schema: pa.Schema, exprs: dict[str, str]) -> str:
    return ", ".join(
        f"({exprs[f.name]})::{_duck_type(f.type)} AS {f.name}"
        if f.name in exprs
        else f"NULL::{_duck_type(f.type)} AS {f.name}"
        for f in schema
    )


CONTRACT_EXPRS = {
    "contract_id": "'C' || i",
    "kind": "CASE WHEN i % 50 = 0 THEN 'concession' ELSE 'marche' END",
    "file_id": f"'{FILE_ID}'",
    "source_format": "'synthetic'",
    "buyer_id": "'2' || lpad((i % 20000)::VARCHAR, 13, '0')",
    "buyer_siret": "'2' || lpad((i % 20000)::VARCHAR, 13, '0')",
    "cpv": "lpad(((i * 7919) % 90 + 3)::VARCHAR, 2, '0') || '000000'",
    "is_framework": "i % 8 = 0",
    "procedure_family": "['adaptee', 'formalisee_ouverte', 'negociee'][i % 3 + 1]",
    "notification_year": "2019 + i % 6",
    "amount": "40000 + (i * 104729) % 2000000",
    "amount_flag": "CASE WHEN i % 997 = 0 THEN 'placeholder' END",
    "offers_received": "1 + i % 7",
    "innovative": "i % 40 = 0",
    "advance": "i % 3 = 0",
    "env_reported": "i % 6 >= 5",
    "env_clause": "i % 4 = 0",
    "env_criterion": "i % 5 = 0",
    "social_reported": "i % 6 >= 5",
    "social_clause": "i % 7 = 0",
    "social_criterion": "FALSE",
    "social_reserved": "i % 50 = 0",
    "n_suppliers": "1 + (i % 3 <> 0)::INT",
    "n_modifications": "0",
}


def build(home: Path, scale: float) -> Settings:
    settings = Settings.resolve(home)
    wh = Warehouse(settings)
    n = int(1_500_000 * scale)
    with wh.writing() as con:
        for table in ("contracts", "contract_suppliers"):
            wh.part_path(table, FILE_ID).parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"COPY (SELECT {_select(CONTRACTS, CONTRACT_EXPRS)} FROM range({n}) t(i))"
            f" TO '{wh.part_path('contracts', FILE_ID)}' (FORMAT parquet)"
        )
        supplier_exprs = {
            "contract_id": "'C' || i",
            "file_id": f"'{FILE_ID}'",
            "rank": "r",
            "id_type": "'SIRET'",
            "supplier_id": "'3' || lpad(((i * 31 + r) % 300000)::VARCHAR, 13, '0')",
            "supplier_siret": "'3' || lpad(((i * 31 + r) % 300000)::VARCHAR, 13, '0')",
            "amount_share": "(40000 + (i * 104729) % 2000000) / (1 + (i % 3 <> 0)::INT)",
            "share_method": "'equal_split'",
            "origin": "'initial'",
        }
        con.execute(
            f"COPY (SELECT {_select(CONTRACT_SUPPLIERS, supplier_exprs)}"
            f" FROM range({n}) t(i), range(2) s(r) WHERE r = 0 OR i % 3 <> 0)"
            f" TO '{wh.part_path('contract_suppliers', FILE_ID)}' (FORMAT parquet)"
        )
        record = {
            "file_id": FILE_ID,
            "sha256": "0" * 64,
            "path": "synthetic",
            "name": "benchmark",
            "size_bytes": 0,
            "detected_format": "synthetic",
            "synthetic": True,
            "loaded_at": dt.datetime.now(),
            "read": n,
            "loaded": n,
            "repaired": 0,
            "quarantined": 0,
            "duplicates": 0,
        }
        wh.begin_commit(con)
        wh.materialise(con, [record])
        enriched = wh.enriched_dir
        enriched.mkdir(exist_ok=True)
        dep = "lpad((1 + (i % 95))::VARCHAR, 2, '0')"
        con.execute(
            f"""COPY (SELECT 'C' || i AS contract_id,
                '2' || lpad((i % 20000)::VARCHAR, 13, '0') AS buyer_siret,
                {dep} || lpad((i % 300)::VARCHAR, 3, '0') AS buyer_commune,
                '2000' || lpad((i % 1200)::VARCHAR, 5, '0') AS buyer_epci,
                {dep} AS buyer_departement, ((i % 95) % 13 + 11)::VARCHAR AS buyer_region,
                'commune' AS buyer_kind, TRUE AS buyer_located,
                lpad(((i * 7919) % 90 + 3)::VARCHAR, 2, '0') AS cpv_division,
                NULL::VARCHAR AS cpv_group, NULL::VARCHAR AS cpv_class,
                ['travaux', 'fournitures', 'services'][i % 3 + 1] AS purchase_type,
                ['travaux-batiment', 'nettoyage', 'informatique-telecoms', 'energie'][i % 4 + 1]
                    AS segment_id, NULL::VARCHAR AS segment_label,
                NULL::VARCHAR AS place_level, NULL::VARCHAR AS place_commune,
                NULL::VARCHAR AS place_departement, NULL::VARCHAR AS place_region,
                ['40-90k', '90-215k', '215k-5M'][i % 3 + 1] AS amount_band
            FROM range({n}) t(i)) TO '{enriched}/contracts_enriched.parquet' (FORMAT parquet)"""
        )
        con.execute(
            f"""COPY (SELECT 'C' || i AS contract_id, r::SMALLINT AS rank,
                ['commune', 'epci', 'departement', 'region', 'france', 'abroad', 'unknown']
                    [(i * 13 + r) % 7 + 1] AS locality_ring,
                ((i * 17 + r) % 800)::DOUBLE AS distance_km,
                ['TPE', 'PME', 'ETI', 'GE', NULL][(i + r) % 5 + 1] AS size_class,
                (i + r) % 9 = 0 AS artisan, (i + r) % 31 = 0 AS ess
            FROM range({n}) t(i), range(2) s(r) WHERE r = 0 OR i % 3 <> 0)
            TO '{enriched}/contract_suppliers_enriched.parquet' (FORMAT parquet)"""
        )
    return settings


def timed(settings: Settings, scope: Scope, label: str, repeat: int = 1) -> float:
    """The best of ``repeat`` warm runs (after a cold one), with the load average: other
    processes on the machine slow every figure down."""
    diagnose(settings, scope)  # cold
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = diagnose(settings, scope)
        runs.append(time.perf_counter() - start)
    took = min(runs)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{label}: {took:.2f} s warm (best of {repeat}), {result.totals.contracts:,}"
        f" contracts, fictitious={result.fictitious}, load average {load}"
    )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--repeat", type=int, default=1, help="warm runs; the best is shown")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        settings = Settings.resolve(home)
        if Warehouse(settings).exists():
            print(f"reusing the warehouse in {home}")
        else:
            start = time.perf_counter()
            settings = build(home, args.scale)
            took = time.perf_counter() - start
            print(f"built scale {args.scale} in {took:.1f} s (FICTITIOUS data)")
        timed(
            settings, build_scope(territory="dep:74"), "département 74 (target < 2 s)", args.repeat
        )
        timed(settings, Scope(), "all France (target < 10 s)", args.repeat)


if __name__ == "__main__":
    main()

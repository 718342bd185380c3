"""Benchmark: look up wanted SIRETs in a synthetic SIRENE stock (Parquet or CSV).

    python benchmarks/enrich_stock.py                       # 42 M establishments / 29 M units
    python benchmarks/enrich_stock.py --establishments 2000000 --legal-units 1400000 \
        --wanted 1000000 --dir /tmp/sirene_bench

Generation and lookup each run in a child process so that the peak memory (max RSS) printed is
the lookup's own. The files are fictitious (see ancrage.sirene.synth).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
from pathlib import Path

import duckdb


def _generate(out_dir: Path, n_et: int, n_ul: int, fmt: str, seed: int) -> tuple[float, int]:
    from ancrage.sirene.synth import write_synthetic_stock

    start = time.perf_counter()
    write_synthetic_stock(out_dir, n_et, n_ul, seed=seed, formats=(fmt,))
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _lookup(et: Path, ul: Path, wanted: Path, memory_limit: str) -> tuple[float, int, int]:
    import pyarrow.parquet as pq

    from ancrage.sirene.stock import EngineLimits, StockFiles, lookup_stock

    table = pq.read_table(wanted)
    start = time.perf_counter()
    result = lookup_stock(table, StockFiles(et, ul), EngineLimits(memory_limit=memory_limit))
    elapsed = time.perf_counter() - start
    return elapsed, result.num_rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=42_000_000)
    parser.add_argument("--legal-units", type=int, default=29_000_000)
    parser.add_argument("--wanted", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the stock")
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    out_dir = args.dir or Path(tempfile.mkdtemp(prefix="sirene_bench_"))
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        gen_s, gen_rss = pool.apply(
            _generate, (out_dir, args.establishments, args.legal_units, args.format, args.seed)
        )
    et = out_dir / f"StockEtablissement_synthetic.{args.format}"
    ul = out_dir / f"StockUniteLegale_synthetic.{args.format}"
    print(
        f"generated {args.establishments:,} establishments / {args.legal_units:,} legal units "
        f"({args.format}) in {gen_s:.1f} s, peak RSS {gen_rss / 1024:.0f} MiB; "
        f"sizes {et.stat().st_size / 2**20:.0f} MiB + {ul.stat().st_size / 2**20:.0f} MiB"
    )

    # 95 % of the wanted SIRETs exist, 5 % do not (a SIREN past the generated range).
    wanted = out_dir / "wanted.parquet"
    n_found = args.wanted * 95 // 100
    reader = f"read_csv('{et}', all_varchar = true)" if args.format == "csv" else f"'{et}'"
    duckdb.sql(
        f"COPY (SELECT siret FROM (SELECT siret FROM {reader} USING SAMPLE {n_found} ROWS "
        f"(reservoir, {args.seed})) UNION ALL SELECT '999999999' || lpad(CAST(range AS VARCHAR), "
        f"5, '0') FROM range({args.wanted - n_found})) TO '{wanted}' (FORMAT parquet)"
    )
    with ctx.Pool(1) as pool:
        look_s, rows, look_rss = pool.apply(_lookup, (et, ul, wanted, args.memory_limit))
    print(
        f"looked up {args.wanted:,} wanted SIRETs → {rows:,} records in {look_s:.1f} s, "
        f"peak RSS {look_rss / 1024:.0f} MiB (memory_limit {args.memory_limit})"
    )


if __name__ == "__main__":
    main()

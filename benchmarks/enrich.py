"""Benchmark: ``ancrage.enrich`` end to end on a synthetic stock and a synthetic warehouse.

    python benchmarks/enrich.py              # 42 M establishments / 29 M units, 1 M rows
    python benchmarks/enrich.py --scale 0.1 --rows 200000 --dir /tmp/enrich_bench

The warehouse holds ``--rows`` contract × supplier rows (about 1.25 suppliers per contract)
whose supplier SIRETs are sampled from the stock (a pool of rows / 4 distinct suppliers) and
whose buyers are 5,000 SIRETs of the stock; places of execution, CPV codes and département
columns are drawn from small real lists. Stock generation and enrichment each run in a child
process, so the peak memory (max RSS) printed is the enrichment's own. Everything is fictitious.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

PLACES = ("86194", "59183", "75056", "33063", "74282", "73065", "13055", "2A004", "97411")
CPVS = ("45210000", "45331000", "79710000", "90911200", "15811000", "72000000", "34110000")
DEPARTEMENTS = ("86", "59", "75", "33", "74", "73", "13", "2A", "974")


def _generate(out_dir: Path, n_et: int, n_ul: int, seed: int) -> tuple[float, int]:
    from ancrage.sirene.synth import write_synthetic_stock

    start = time.perf_counter()
    write_synthetic_stock(out_dir, n_et, n_ul, seed=seed, formats=("parquet",))
    return time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _lit(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _pick(values: tuple[str, ...], key: str, salt: str) -> str:
    return f"{_lit(values)}[CAST(1 + hash({key}, '{salt}') % {len(values)} AS BIGINT)]"


def build_warehouse(home: Path, et: Path, rows: int, seed: int) -> None:
    """An empty warehouse whose canonical tables are replaced by synthetic rows."""
    from ancrage.model import TABLES
    from ancrage.settings import Settings
    from ancrage.warehouse.store import Warehouse

    settings = Settings.resolve(home)
    warehouse = Warehouse(settings)
    with warehouse.writing() as wcon:
        paths = {t: warehouse.table_path(wcon, t) for t in TABLES}
    n_contracts = max(1, rows * 4 // 5)
    n_suppliers = max(1, rows // 4)
    con = duckdb.connect(config={"threads": 2, "memory_limit": "1GB"})
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"CREATE TABLE pool AS SELECT row_number() OVER () - 1 AS i, siret FROM "
        f"(SELECT siret FROM '{et}' USING SAMPLE {n_suppliers + 5000} ROWS (reservoir, {seed}))"
    )

    def write(table: str, select: str) -> None:
        schema = TABLES[table]
        given = {r[0] for r in con.execute(f"DESCRIBE {select}").fetchall()}
        cols = ", ".join(
            f"CAST(t.{f.name} AS {_duck_type(f.type)}) AS {f.name}"
            if f.name in given
            else f"CAST(NULL AS {_duck_type(f.type)}) AS {f.name}"
            for f in schema
        )
        con.execute(
            f"COPY (SELECT {cols} FROM ({select}) t) TO '{paths[table]}'"
            " (FORMAT parquet, COMPRESSION zstd)"
        )

    write(
        "contracts",
        f"""SELECT 'C' || range AS contract_id, 'marche' AS kind, 'bench' AS file_id,
            'decp-2024' AS source_format,
            b.siret AS buyer_siret,
            {_pick(DEPARTEMENTS, "range", "dep")} AS buyer_department,
            {_pick(CPVS, "range", "cpv")} AS cpv,
            {_pick(PLACES, "range", "place")} AS place_code, 'Code commune' AS place_type,
            CAST(1000 + hash(range, 'amount') % 3000000 AS DOUBLE) AS amount,
            CAST(2024 AS SMALLINT) AS notification_year
        FROM range({n_contracts}) r
        JOIN pool b ON b.i = {n_suppliers} + hash(r.range, 'b') % 5000""",
    )
    write(
        "contract_suppliers",
        f"""SELECT 'C' || (range % {n_contracts}) AS contract_id, 'bench' AS file_id,
            CAST(range // {n_contracts} AS SMALLINT) AS rank, 'SIRET' AS id_type,
            p.siret AS supplier_id, p.siret AS supplier_siret,
            {_pick(DEPARTEMENTS, "range", "sdep")} AS department,
            CAST(1000 AS DOUBLE) AS amount_share
        FROM range({rows}) r JOIN pool p ON p.i = hash(r.range, 's') % {n_suppliers}""",
    )
    con.close()


def _duck_type(arrow_type: object) -> str:
    import pyarrow as pa

    mapping = {
        pa.string(): "VARCHAR",
        pa.float64(): "DOUBLE",
        pa.int16(): "SMALLINT",
        pa.int32(): "INTEGER",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
    }
    if arrow_type in mapping:
        return mapping[arrow_type]
    if isinstance(arrow_type, pa.ListType) and arrow_type.value_type == pa.string():
        return "VARCHAR[]"
    if isinstance(arrow_type, pa.ListType):
        return "STRUCT(id_type VARCHAR, id VARCHAR, name VARCHAR)[]"
    raise ValueError(arrow_type)


class _Steps:
    """A progress sink that records how long each step took."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self._step = ("", 0.0)

    def start_step(self, name: str, total: int | None) -> None:  # noqa: ARG002
        self._step = (name, time.perf_counter())

    def advance(self, done: int) -> None:
        pass

    def end_step(self) -> None:
        name, start = self._step
        self.times.append((name, time.perf_counter() - start))


def _enrich(home: Path, stock: Path) -> tuple[float, int, dict[str, object]]:
    from ancrage.enrich import enrich
    from ancrage.settings import Settings

    steps = _Steps()
    start = time.perf_counter()
    report = enrich(Settings.resolve(home), stock_dir=stock, progress=steps)
    elapsed = time.perf_counter() - start
    out = report.as_json()
    out["steps"] = steps.times
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--establishments", type=int, default=42_000_000)
    parser.add_argument("--legal-units", type=int, default=29_000_000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the stock sizes")
    parser.add_argument("--rows", type=int, default=1_000_000, help="contract × supplier rows")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cold", action="store_true", help="drop the SIRENE facts cache of a kept warehouse"
    )
    args = parser.parse_args()

    n_et = int(args.establishments * args.scale)
    n_ul = int(args.legal_units * args.scale)
    work = args.dir or Path(tempfile.mkdtemp(prefix="enrich_bench_"))
    stock = work / "stock"
    et = stock / "StockEtablissement_synthetic.parquet"
    ctx = multiprocessing.get_context("spawn")
    if not et.is_file():
        with ctx.Pool(1) as pool:
            gen_s, gen_rss = pool.apply(_generate, (stock, n_et, n_ul, args.seed))
        print(
            f"stock: {n_et:,} establishments / {n_ul:,} legal units in {gen_s:.1f} s "
            f"(peak RSS {gen_rss / 1024:.0f} MiB)"
        )
    home = work / f"home-{args.rows}"
    if not home.exists():
        start = time.perf_counter()
        build_warehouse(home, et, args.rows, args.seed)
        print(
            f"warehouse: {args.rows:,} contract × supplier rows in "
            f"{time.perf_counter() - start:.1f} s"
        )
    if args.cold:
        shutil.rmtree(home / "cache", ignore_errors=True)
    with ctx.Pool(1) as pool:
        seconds, rss, report = pool.apply(_enrich, (home, stock))
    cov = report["coverage"]
    assert isinstance(cov, dict)
    print(
        f"enrich: {seconds:.1f} s, peak RSS {rss / 1024:.0f} MiB; "
        f"{report['sirets']:,} SIRETs, {report['looked_up_stock']:,} looked up in the stock; "
        f"supplier rows located {cov['supplier_rows_located_share']}, "
        f"sized {cov['supplier_rows_sized_share']}"
    )
    for name, step_s in report["steps"]:  # type: ignore[attr-defined]
        print(f"  {name}: {step_s:.1f} s")


if __name__ == "__main__":
    main()

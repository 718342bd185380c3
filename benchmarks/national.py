"""Benchmark at national scale on one machine, on FICTITIOUS data.

    python benchmarks/national.py [--scale 1] [--home DIR] [--keep] [--departements N]
                                  [--only warehouse|watch]

At ``--scale 1``: the whole DECP (1.5 M contracts from :func:`ancrage.synth.generate_decp`, in
DECP 2019 and 2024 JSON files), the whole SIRENE stock (42 M establishments / 29 M legal units
from :func:`ancrage.sirene.synth.write_synthetic_stock`, the parties of the DECP planted in it so
that enrichment finds them), a year of notices (150,000, BOAMP-like, with lots: the generator of
``benchmarks/watch.py``, publication dates spread over the year) and 100,000 watch profiles.

Stages, each in its own child process: load the DECP files (``load_paths``), enrich with the stock
(``enrich``), load the notices into the store and its search index, diagnose every département
(every indicator of the registry, then all France), run the watch as ``ancrage watch run
--no-mail`` does (every open call of the store matched, alerts queued in the outbox, no e-mail
sent). Generating the inputs is timed apart (labelled "input") and skipped when ``--home`` already
holds them for the same scale. For each stage: wall time, CPU time (the stage's process and its
children, from ``getrusage(RUSAGE_CHILDREN)``), peak memory of the process tree (RSS summed over
the stage's process and its descendants, sampled every 0.2 s from /proc, Linux only) and the
largest single process (``ru_maxrss``), with the load average; the run fails the check if a stage
goes over ``--limit-gb`` (8).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import notices as notices_bench
import watch as watch_bench
from ancrage.synth import FICTITIOUS_NOTICE, generate_decp

CONTRACTS = 1_500_000
ESTABLISHMENTS = 42_000_000
LEGAL_UNITS = 29_000_000
NOTICES = 150_000
PROFILES = 100_000
NOW = watch_bench.NOW
FORMATS = ("decp-2019", "decp-2024")
PAGE = os.sysconf("SC_PAGE_SIZE")
OVERSEAS = ("971", "972", "973", "974", "976")


# --- measurement ---------------------------------------------------------------------------


def _tree_rss(root: int) -> tuple[int, int]:
    """RSS in bytes summed over ``root`` and its descendants, and the largest of them."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:  # noqa: PTH123
                stat = f.read()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(b")") + 2 :].split()[1])
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += [child for child, parent in parents.items() if parent == pid]
    sizes = []
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm", "rb") as f:  # noqa: PTH123
                sizes.append(int(f.read().split()[1]) * PAGE)
        except (OSError, IndexError):
            continue
    return sum(sizes), max(sizes, default=0)


@dataclass
class Stage:
    name: str
    wall: float
    cpu: float
    peak_tree: int
    peak_process: int
    load: tuple[float, float]
    lines: list[str] = field(default_factory=list)
    is_input: bool = False


def _child(target: str, args: tuple[Any, ...], queue: Any) -> None:
    lines = globals()[target](*args)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    queue.put((lines, max(own, kids)))


def run_stage(
    name: str, target: Callable[..., list[str]], *args: Any, is_input: bool = False
) -> Stage:
    """Run ``target(*args)`` in a child process and measure it."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.SimpleQueue()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    process = ctx.Process(target=_child, args=(target.__name__, args, queue))
    process.start()
    peak = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            total, largest = _tree_rss(process.pid or 0)
            peak[0], peak[1] = max(peak[0], total), max(peak[1], largest)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = None
    while process.is_alive() or not queue.empty():
        if not queue.empty():
            result = queue.get()
            break
        process.join(0.2)
    process.join()
    done.set()
    sampler.join()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result is None or process.exitcode:
        print(f"stage « {name} » failed (exit code {process.exitcode})", file=sys.stderr)
        raise SystemExit(2)
    lines, maxrss = result
    stage = Stage(
        name, wall, cpu, max(peak[0], maxrss), max(peak[1], maxrss), (load, os.getloadavg()[0]),
        lines, is_input,
    )
    print(format_stage(stage), flush=True)
    return stage


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB"


def format_stage(s: Stage) -> str:
    kind = "input" if s.is_input else "stage"
    head = (
        f"[{kind}] {s.name}: wall {s.wall:.1f} s, CPU {s.cpu:.1f} s, peak memory "
        f"{_gib(s.peak_tree)} (process tree; largest process {_gib(s.peak_process)}), "
        f"load average (1 min) {s.load[0]:.2f} -> {s.load[1]:.2f}"
    )
    return "\n".join([head, *(f"    {line}" for line in s.lines)])


# --- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    contracts: int
    establishments: int
    legal_units: int
    notices: int
    profiles: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        def n(full: int) -> int:
            return max(1, round(full * scale))

        return cls(n(CONTRACTS), n(ESTABLISHMENTS), n(LEGAL_UNITS), n(NOTICES), n(PROFILES))


def gen_decp(out: Path, contracts: int) -> list[str]:
    files = generate_decp(out, contracts=contracts, formats=FORMATS)
    size = sum(p.stat().st_size for p in files)
    manifest = json.loads((out / "manifest.json").read_bytes())
    return [f"{contracts:,} contracts + {manifest['duplicates']:,} duplicates in {len(files)} "
            f"files, {size / 2**20:,.0f} MiB"]


def gen_sirene(out: Path, home: Path, establishments: int, legal_units: int) -> list[str]:
    import duckdb

    from ancrage.settings import Settings
    from ancrage.sirene.synth import write_synthetic_stock
    from ancrage.warehouse.store import Warehouse

    warehouse = Warehouse(Settings.resolve(home))
    with warehouse.writing() as wcon:
        contracts = warehouse.table_path(wcon, "contracts")
        suppliers = warehouse.table_path(wcon, "contract_suppliers")
    planted = [
        r[0]
        for r in duckdb.sql(
            f"SELECT buyer_siret FROM read_parquet('{contracts}') UNION "
            f"SELECT supplier_siret FROM read_parquet('{suppliers}')"
        ).fetchall()
        if r[0] and len(r[0]) == 14 and r[0].isdigit()
    ]
    stock = write_synthetic_stock(
        out, establishments, legal_units, planted=planted, places=_places()
    )["parquet"]
    rows = duckdb.sql(
        f"SELECT (SELECT count(*) FROM '{stock.establishments}'), "
        f"(SELECT count(*) FROM '{stock.legal_units}')"
    ).fetchall()[0]
    size = stock.establishments.stat().st_size + stock.legal_units.stat().st_size
    return [f"{rows[0]:,} establishments / {rows[1]:,} legal units ({len(planted):,} SIRETs of "
            f"the DECP planted), {size / 2**20:,.0f} MiB of Parquet"]


def _places(n: int = 5000) -> list[tuple[str, str]]:
    """``n`` (commune, postal code) pairs drawn by population (France, overseas included)."""
    from ancrage.geo import Geography

    communes = [
        c for c in Geography().communes.values()
        if c.type == "commune-actuelle" and c.population and c.codes_postaux
    ]
    rng = random.Random(0)
    drawn = rng.choices(communes, weights=[c.population or 0 for c in communes], k=n)
    return [(c.code, c.codes_postaux[0]) for c in drawn]


def gen_notices(out: Path, n: int) -> list[str]:
    """BOAMP-like notices published over the year before NOW, deadline 3–45 days later."""
    from ancrage.notices.store import dump_notice

    rng = random.Random(0)
    world = watch_bench.World(watch_bench.CPV_FILE)
    year = dt.timedelta(days=365)
    with out.open("wb") as f:
        for first in range(0, n, 10_000):
            made = watch_bench.make_notices(min(10_000, n - first), rng, world)
            for i, notice in enumerate(made):
                published = NOW - year * rng.random()
                notice = replace(
                    notice,
                    id=f"synth:{first + i}", source="synth", source_id=str(first + i),
                    source_format="ancrage-synth (fictitious)",
                    publication_date=published.date(),
                    deadline=published + ((notice.deadline or NOW) - NOW),
                )
                f.write(dump_notice(notice) + b"\n")
    return [f"{n:,} notices, {out.stat().st_size / 2**20:,.0f} MiB of JSON lines"]


# --- stages ----------------------------------------------------------------------------------


def stage_load(home: Path, decp: Path) -> list[str]:
    from ancrage.ingest.pipeline import default_workers, load_paths
    from ancrage.settings import Settings

    files = sorted(p for p in decp.iterdir() if p.name.startswith("synth_"))
    workers = default_workers()
    result = load_paths(Settings.resolve(home), files, workers=workers)
    if result.errors:
        raise SystemExit("; ".join(str(e) for e in result.errors))
    read = sum(r.read for r in result.reports)
    loaded = sum(r.loaded for r in result.reports)
    quarantined = sum(r.quarantined for r in result.reports)
    duplicates = sum(r.duplicates for r in result.reports)
    repaired = sum(r.repaired for r in result.reports)
    return [f"{len(files)} files, {workers} workers: {read:,} records read, {loaded:,} loaded "
            f"({repaired:,} repaired), {quarantined:,} quarantined, {duplicates:,} duplicates; "
            f"loaded + quarantined + duplicates = {loaded + quarantined + duplicates:,}"]


def stage_enrich(home: Path, stock: Path) -> list[str]:
    from ancrage.enrich.pipeline import enrich
    from ancrage.settings import Settings
    from ancrage.warehouse.store import Warehouse

    settings = Settings.resolve(home)
    postal = watch_bench.POSTAL_BASE if watch_bench.POSTAL_BASE.is_file() else None
    report = enrich(settings, stock_dir=stock, postal_base_dir=postal)
    con = Warehouse(settings).connect()
    try:
        rows = [
            con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in ("contracts_enriched", "contract_suppliers_enriched")
        ]
    finally:
        con.close()
    return [f"{report.sirets:,} SIRETs, {report.looked_up_stock:,} found in the stock, "
            f"{rows[0]:,} contracts and {rows[1]:,} contract × supplier rows enriched; "
            f"distances {'yes' if report.distances else 'no'}"]


def stage_notices(home: Path, source: Path) -> list[str]:
    from ancrage.notices.index import IndexSession
    from ancrage.notices.store import NoticeStore, load_notice
    from ancrage.settings import Settings

    settings = Settings.resolve(home)
    count = 0
    with NoticeStore(settings).writing() as con, IndexSession(settings, con) as index:
        chunk: list[Any] = []
        with source.open("rb") as f:
            for line in f:
                chunk.append(load_notice(line))
                if len(chunk) == notices_bench.CHUNK:
                    notices_bench.write_chunk(con, index, chunk, count)
                    count, chunk = count + len(chunk), []
        if chunk:
            notices_bench.write_chunk(con, index, chunk, count)
            count += len(chunk)
    size = sum(p.stat().st_size for p in (home / "notices").rglob("*") if p.is_file())
    return [f"{count:,} notices stored and indexed, store {size / 2**20:,.0f} MiB"]


def stage_diagnose(home: Path, limit: int | None) -> list[str]:
    from ancrage.diagnose import Scope, build_scope, diagnose
    from ancrage.geo import Geography
    from ancrage.settings import Settings

    settings = Settings.resolve(home)
    # the 101 départements (metropolitan and overseas), not the overseas collectivities
    codes = [c for c in sorted(Geography().departements) if len(c) == 2 or c in OVERSEAS]
    codes = codes[:limit]
    took: dict[str, float] = {}
    contracts, empty, fictitious = 0, 0, True
    for code in codes:
        start = time.perf_counter()
        result = diagnose(settings, build_scope(territory=f"dep:{code}"))
        took[code] = time.perf_counter() - start
        contracts += result.totals.contracts
        empty += not result.totals.contracts
        fictitious &= result.fictitious or not result.totals.contracts
    start = time.perf_counter()
    france = diagnose(settings, Scope())
    whole = time.perf_counter() - start
    slowest = max(took, key=took.__getitem__)
    return [
        f"{len(codes)} départements: {sum(took.values()):.1f} s, median "
        f"{statistics.median(took.values()):.2f} s, slowest {slowest} {took[slowest]:.2f} s; "
        f"{contracts:,} contracts over the départements ({empty} without any); every "
        f"diagnostic says fictitious: {fictitious}",
        f"all France: {whole:.1f} s, {france.totals.contracts:,} contracts, fictitious: "
        f"{france.fictitious}",
    ]


def gen_profiles(home: Path, n: int) -> list[str]:
    from ancrage.settings import Settings
    from ancrage.watch import db as watch_db

    world = watch_bench.World(watch_bench.CPV_FILE)
    profiles = watch_bench.make_profiles(n, random.Random(0), world)
    engine = watch_db.open_db(Settings.resolve(home))
    watch_bench.insert_profiles(engine, profiles)
    engine.dispose()
    return [f"{n:,} profiles in the application database (SQLite)"]


def stage_watch(home: Path) -> list[str]:
    from ancrage.settings import Settings
    from ancrage.watch import db as watch_db
    from ancrage.watch.matching import Locator
    from ancrage.watch.runner import run_watch

    settings = Settings.resolve(home)
    engine = watch_db.open_db(settings)
    report = run_watch(settings, engine, now=NOW, smtp=None, locator=Locator.for_settings(settings))
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    return [f"{report.notices:,} open notices x {report.profiles:,} profiles: "
            f"{len(report.matches):,} matches, {report.enqueued:,} alerts queued, none sent",
            f"steps: {steps}"]


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1 = national")
    parser.add_argument("--home", type=Path, help="working folder; its inputs are reused")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument("--departements", type=int, help="diagnose only the first N")
    parser.add_argument("--limit-gb", type=float, default=8.0)
    parser.add_argument(
        "--only", choices=("warehouse", "watch"),
        help="only the DECP side (load, enrich, diagnose) or the notice side (store, watch): "
        "two runs in two working folders at the same time",
    )
    args = parser.parse_args()
    sizes = Sizes.at(args.scale)
    root = args.home or Path(tempfile.mkdtemp(prefix="ancrage-national-"))
    inputs, home = root / "inputs", root / "home"
    print(f"DONNÉES FICTIVES — {FICTITIOUS_NOTICE}")
    print(f"scale {args.scale}: {sizes.contracts:,} contracts, {sizes.establishments:,} "
          f"establishments / {sizes.legal_units:,} legal units, {sizes.notices:,} notices, "
          f"{sizes.profiles:,} profiles; {os.cpu_count()} cores; working folder {root}")
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(
        *os.getloadavg()))
    stamp = inputs / "sizes.json"
    if stamp.is_file() and json.loads(stamp.read_text()) != vars(sizes):
        raise SystemExit(f"{inputs} holds inputs of another scale: remove it or change --home")
    inputs.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(vars(sizes)))
    shutil.rmtree(home, ignore_errors=True)
    stages: list[Stage] = []
    decp, stock, notices = inputs / "decp", inputs / "sirene", inputs / "notices.jsonl"
    warehouse, watch = args.only in (None, "warehouse"), args.only in (None, "watch")
    try:
        if warehouse and not (decp / "manifest.json").is_file():
            stages.append(run_stage("DECP files", gen_decp, decp, sizes.contracts, is_input=True))
        if warehouse:
            stages.append(run_stage("load", stage_load, home, decp))
        if warehouse and not stock.is_dir():
            stages.append(run_stage("SIRENE stock", gen_sirene, stock.with_suffix(".tmp"), home,
                                    sizes.establishments, sizes.legal_units, is_input=True))
            stock.with_suffix(".tmp").rename(stock)
        if warehouse:
            stages.append(run_stage("enrich", stage_enrich, home, stock))
        if watch and not notices.is_file():
            stages.append(run_stage("notices", gen_notices, notices.with_suffix(".tmp"),
                                    sizes.notices, is_input=True))
            notices.with_suffix(".tmp").rename(notices)
        if watch:
            stages.append(run_stage("notice store", stage_notices, home, notices))
        if warehouse:
            stages.append(run_stage("diagnose", stage_diagnose, home, args.departements))
        if watch:
            stages.append(run_stage("profiles", gen_profiles, home, sizes.profiles,
                                    is_input=True))
            stages.append(run_stage("watch run", stage_watch, home))
    finally:
        if not args.keep and args.home is None:
            shutil.rmtree(root, ignore_errors=True)
    pipeline = [s for s in stages if not s.is_input]
    limit = int(args.limit_gb * 2**30)
    over = [s.name for s in stages if s.peak_tree > limit]
    print(f"pipeline (stages, without inputs): wall {sum(s.wall for s in pipeline):.1f} s, CPU "
          f"{sum(s.cpu for s in pipeline):.1f} s, highest peak "
          f"{_gib(max(s.peak_tree for s in pipeline))}")
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"memory check (< {args.limit_gb:g} GB per stage): "
          + ("OK" if not over else f"OVER in {', '.join(over)}"))
    if over:
        sys.exit(1)


if __name__ == "__main__":
    main()

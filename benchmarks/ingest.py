"""Ingestion benchmark: generate a realistic synthetic DECP dataset, load it, print figures.

    python benchmarks/ingest.py --contracts 500000 --workers 2 [--data DIR] [--home DIR]
    python benchmarks/ingest.py --repeat FILE --copies 50 --data DIR --workers 2

Generates FICTITIOUS data with Ancrage's own generator (2019 and 2024 JSON formats, with dirty
values in realistic proportions), then loads it into a fresh warehouse and prints throughput
(records/s) and peak memory (resident set size of this process and of its workers).
With ``--repeat FILE`` the data is instead a real DECP 2019 file (``{"marches": [...]}``) repeated
``--copies`` times, each copy's record ids suffixed with ``-<copy>`` so that they stay distinct
(the file's own duplicates stay duplicates): real values at a size no published sample has.
With ``--home DIR`` the files are loaded into that data home, which is kept: loading a second
set of files (``--data`` with another seed) into it measures a load into a warehouse that
already holds contracts (memory must not grow with the warehouse).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

from ancrage.ingest import normalise
from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp
from ancrage.warehouse import Warehouse


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def cpu_seconds() -> tuple[float, float]:
    """User + system CPU time of this process, and of its finished children (the workers)."""
    own, children = (
        u.ru_utime + u.ru_stime
        for u in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    return own, children


def repeat_file(sample: Path, copies: int, out: Path) -> Path:
    """``sample`` (DECP 2019) repeated ``copies`` times with distinct record ids, into ``out``."""
    records = json.loads(sample.read_text(encoding="utf-8"))["marches"]
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"repeated_{copies}x_{sample.name}"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{\n  "marches": [\n')
        for copy in range(copies):
            for i, record in enumerate(records):
                if record.get("id") is not None:
                    record = {**record, "id": f"{record['id']}-{copy}"}
                fh.write(",\n" if copy or i else "")
                fh.write(json.dumps(record, ensure_ascii=False, indent=2))
        fh.write("\n  ]\n}\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=500_000)
    parser.add_argument("--files-per-format", type=int, default=2)
    parser.add_argument("--formats", default="decp-2019,decp-2024")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, help="reuse/keep the generated files here")
    parser.add_argument("--seed", type=int, default=42, help="of the generated files")
    parser.add_argument("--home", type=Path, help="load into this data home and keep it")
    parser.add_argument("--repeat", type=Path, help="a real DECP 2019 file to repeat instead")
    parser.add_argument("--copies", type=int, default=50, help="of the --repeat file")
    parser.add_argument(
        "--python-path",
        action="store_true",
        help="normalise every value in Python (no column fast path), to compare",
    )
    args = parser.parse_args()
    if args.python_path:  # in this process, and for the worker processes as they start
        normalise.FAST_PATH = False
        os.environ["ANCRAGE_INGEST_FAST_PATH"] = "0"

    work = Path(tempfile.mkdtemp(prefix="ancrage-bench-"))
    data = args.data or work / "data"
    formats = tuple(args.formats.split(","))
    pattern = f"repeated_{args.copies}x_{args.repeat.name}" if args.repeat else "synth_*"
    files = sorted(data.glob(pattern)) if data.is_dir() else []
    if not files and args.repeat:
        files = [repeat_file(args.repeat, args.copies, data)]
        print(f"repeated {args.repeat.name} {args.copies} times: {files[0]}")
    elif not files:
        t0 = time.perf_counter()
        files = generate_decp(
            data,
            contracts=args.contracts,
            seed=args.seed,
            formats=formats,
            files_per_format=args.files_per_format,
        )
        print(
            f"generated {args.contracts:,} fictitious contracts in {len(files)} files "
            f"({sum(f.stat().st_size for f in files) / 2**20:,.0f} MiB) "
            f"in {time.perf_counter() - t0:,.1f} s"
        )
    size = sum(f.stat().st_size for f in files)
    home = args.home or work / "home"
    settings = Settings.resolve(home)
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    result = load_paths(settings, files, workers=args.workers)
    elapsed = time.perf_counter() - t0
    if result.errors:
        raise SystemExit("\n".join(e.one_line() for e in result.errors))
    read = sum(r.read for r in result.reports)
    own, children = peak_mib()
    (own1, workers1), (own0, workers0) = cpu_seconds(), cpu0
    own_cpu, workers_cpu = own1 - own0, workers1 - workers0
    cpu = own_cpu + workers_cpu
    print(
        f"loaded {read:,} records ({size / 2**20:,.0f} MiB) in {elapsed:,.1f} s "
        f"with {args.workers} worker(s)"
        + (", Python path only" if args.python_path else "")
    )
    print(f"throughput: {read / elapsed:,.0f} records/s ({size / 2**20 / elapsed:,.1f} MiB/s)")
    print(f"peak memory: main process {own:,.0f} MiB, largest worker {children:,.0f} MiB")
    print(
        f"CPU time (every process): {cpu:,.1f} s, {cpu / read * 1e6:,.1f} µs/record "
        f"(main process {own_cpu:,.1f} s, workers {workers_cpu:,.1f} s); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    con = Warehouse(settings).connect()
    held = con.execute("SELECT count(*) FROM contracts").fetchone()
    con.close()
    print(f"the warehouse now holds {held[0] if held else 0:,} contracts")
    for r in result.reports:
        print(
            f"  {Path(r.file).name}: read {r.read:,} loaded {r.loaded:,} repaired "
            f"{r.repaired:,} quarantined {r.quarantined:,} duplicates {r.duplicates:,}"
        )
    if not args.home:
        shutil.rmtree(home, ignore_errors=True)
    if not args.data:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

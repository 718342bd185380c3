"""Where the time of a DECP load goes, per record and per core, against the 50,000 records/s target.

    python benchmarks/ingest_floor.py --data /tmp/bench500 [--files 2]

Reads the FICTITIOUS files made by ``benchmarks/ingest.py --data DIR`` and times, on one core
each, the steps of staging a file and the lower bounds no Python pipeline can go under:

* ``json parse (orjson, whole file)``: the fastest JSON parser into Python objects, on the whole
  file at once (no streaming, no mapping): what any pipeline that hands records to Python pays;
* ``json parse (DuckDB read_json)``: DuckDB's native JSON reader, one thread, counting the
  records (no Python objects at all);
* ``read + map (ancrage reader)``: the streaming reader of the format, records mapped to
  canonical names, values untouched;
* ``stage (read + normalise + Parquet)``: what a load worker does for a file.

The target, 50,000 records/s on 2 cores, leaves 40 µs per record per core for everything
(reading, normalising, de-duplicating, committing and materialising the tables).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import orjson

from ancrage.ingest.pipeline import _stage
from ancrage.sources.base import ReadContext
from ancrage.sources.registry import detect

TARGET_PER_CORE_US = 2 / 50_000 * 1e6


def _cpu(fn: Callable[[], object]) -> float:
    """CPU seconds of this process (every thread) spent in ``fn``."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def _records(path: Path) -> int:
    doc = orjson.loads(path.read_bytes())
    marches = doc["marches"]
    if isinstance(marches, dict):
        return sum(len(v) for v in marches.values() if isinstance(v, list))
    return len(marches)


def _orjson(path: Path) -> None:
    orjson.loads(path.read_bytes())


def _duckdb(path: Path) -> None:
    con = duckdb.connect(config={"threads": 1})
    size = path.stat().st_size + 1
    rel = f"read_json({str(path)!r}, maximum_object_size={size})"
    (kind,) = con.execute(f"SELECT json_type(marches) FROM {rel}").fetchone() or ("",)
    col = "marches" if kind != "OBJECT" else "marches.marche"
    con.execute(f"SELECT count(*) FROM (SELECT unnest({col}) FROM {rel})").fetchall()
    con.close()


def _read(path: Path) -> None:
    for _ in detect(path).read(path, ReadContext(path)):
        pass


def _staged(path: Path) -> None:
    with tempfile.TemporaryDirectory() as stage:
        _stage(detect(path), path, "bench", Path(stage), None, dt.date.today())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="files of benchmarks/ingest.py")
    parser.add_argument("--files", type=int, default=2, help="how many files (one per format)")
    args = parser.parse_args()
    files = sorted(args.data.glob("synth_*.json"))
    by_format: dict[str, Path] = {}
    for f in files:
        by_format.setdefault(f.name.split("_")[1], f)
    chosen = list(by_format.values())[: args.files]
    if not chosen:
        raise SystemExit(f"no synth_*.json file in {args.data}: run benchmarks/ingest.py first")
    print(f"load average {os.getloadavg()[0]:.2f}; target {TARGET_PER_CORE_US:.0f} µs/record/core")
    steps: list[tuple[str, Callable[[Path], None]]] = [
        ("json parse (orjson, whole file)", _orjson),
        ("json parse (DuckDB read_json)", _duckdb),
        ("read + map (ancrage reader)", _read),
        ("stage (read + normalise + Parquet)", _staged),
    ]
    for path in chosen:
        n = _records(path)
        print(f"{path.name}: {n:,} records, {path.stat().st_size / n:,.0f} bytes/record")
        for label, step in steps:
            us = _cpu(lambda step=step, path=path: step(path)) / n * 1e6  # type: ignore[misc]
            print(f"  {label:<36} {us:7.1f} µs/record/core  ({1e6 / us:9,.0f} records/s/core)")


if __name__ == "__main__":
    main()

"""Many small files: the cost of a file must not grow with the number of files already loaded.

    python benchmarks/small_files.py [--sizes 250,1000] [--workers 1] [--repeat 1]

For each size N, writes N FICTITIOUS one-contract DECP 2019 files (Ancrage's own generator), loads
them into a fresh warehouse with one ``load_paths`` call (as ``ancrage load FOLDER`` does) and
prints the time (wall clock, and CPU time of this process, which DuckDB's threads count in and
other programs on a shared machine do not), the time per file and the ratios to the first size.
With a constant cost per file, 4x the files take about 4x the time. On a shared machine,
``--repeat 2`` keeps the best of two loads of each size (each into a fresh warehouse).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp


def one_contract_files(folder: Path, n: int, seed: int) -> list[Path]:
    """``n`` files of one fictitious contract each (distinct contracts)."""
    [source] = generate_decp(folder / "all", contracts=n, seed=seed, formats=("decp-2019",))
    data = json.loads(source.read_text(encoding="utf-8"))
    seen: set[str] = set()
    paths: list[Path] = []
    for record in data["marches"]:
        if record["uid"] in seen:  # the generator's ~1 % duplicates
            continue
        seen.add(record["uid"])
        path = folder / f"contrat-{len(paths):05d}.json"
        doc = {"_avertissement": data["_avertissement"], "marches": [record]}
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    shutil.rmtree(folder / "all")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="250,1000")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="loads per size (best kept)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="ancrage-small-files-"))
    first: tuple[float, float] | None = None
    try:
        for n in sizes:
            files = one_contract_files(work / f"data-{n}", n, args.seed)
            times = []
            for attempt in range(args.repeat):
                settings = Settings.resolve(work / f"home-{n}-{attempt}")
                started, cpu = time.perf_counter(), time.process_time()
                result = load_paths(settings, files, workers=args.workers)
                times.append((time.perf_counter() - started, time.process_time() - cpu))
                assert not result.errors, result.errors[0].one_line()
                shutil.rmtree(settings.home)
            elapsed, cpu = min(times)
            loaded = sum(r.loaded for r in result.reports)
            first = first or (elapsed, cpu)
            print(
                f"{len(files):>6,} one-contract files: {elapsed:7.1f} s"
                f" ({1000 * elapsed / len(files):5.1f} ms/file), CPU {cpu:6.1f} s"
                f" ({1000 * cpu / len(files):5.1f} ms/file), {loaded:,} contracts loaded;"
                f" ratio to the first size: {elapsed / first[0]:4.2f} (CPU {cpu / first[1]:4.2f})"
            )
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

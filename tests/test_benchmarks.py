"""Smoke tests of the benchmark scripts at a tiny size, so that none rots when the library
changes (``benchmarks/diagnose.py`` once called a warehouse method that had been removed). The
figures are not checked: performance is measured by running the scripts, not by tests.
``national.py`` has its own test (tests/synth); ``serve.py`` needs wrk and a built warehouse;
``notice_search.py`` and ``ingest_floor.py`` read what another script made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

RUNS = {
    "diagnose.py": (["--scale", "0.001"], "all France (target < 10 s)"),
    "ingest.py": (["--contracts", "300", "--workers", "1"], "records/s"),
    "enrich.py": (["--scale", "0.0001", "--rows", "1000"], "Écriture des tables enrichies"),
    "enrich_stock.py": (
        ["--establishments", "10000", "--legal-units", "8000", "--wanted", "100"],
        "looked up 100 wanted SIRETs",
    ),
    "notices.py": (["--n", "500", "--queries", "20"], "peak memory"),
    "watch.py": (["--profiles", "50", "--notices", "50"], "peak memory"),
    "small_files.py": (["--sizes", "5,10"], "load average"),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_script_runs(script: str, tmp_path: Path) -> None:
    args, expected = RUNS[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout, done.stdout[-2000:]


def test_every_script_is_smoke_tested() -> None:
    own_tests = {"national.py", "serve.py", "notice_search.py", "ingest_floor.py"}
    scripts = {p.name for p in BENCHMARKS.glob("*.py")}
    assert scripts - own_tests == set(RUNS)

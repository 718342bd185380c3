"""Smoke test of ``benchmarks/national.py`` at a tiny scale, so that it does not rot (the
figures it prints are not checked: performance is measured by running it, not by tests)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "national.py"
STAGES = ("load", "enrich", "notice store", "diagnose", "watch run")
INPUTS = ("DECP files", "SIRENE stock", "notices", "profiles")


def _run(home: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), "--scale", "0.0001", "--departements", "2",
         "--home", str(home), *extra],
        capture_output=True, text=True, timeout=600, check=False,
    )


@pytest.mark.slow
def test_tiny_national_run(tmp_path: Path) -> None:
    done = _run(tmp_path, "--limit-gb", "0.001")  # every stage goes over: the check must fail
    assert done.returncode == 1, done.stderr  # (a stage that breaks exits with 2)
    out = done.stdout
    assert out.startswith("DONNÉES FICTIVES — Données fictives")
    assert "150 contracts, 4,200 establishments / 2,900 legal units, 15 notices, 10 profiles" in out
    for name in STAGES:
        assert re.search(rf"^\[stage\] {name}: wall [\d.]+ s, CPU [\d.]+ s, peak memory "
                         r"[\d.]+ GiB \(process tree; largest process [\d.]+ GiB\)", out, re.M)
    for name in INPUTS:
        assert f"[input] {name}: " in out
    read = re.search(r"([\d,]+) records read", out)
    accounted = re.search(r"loaded \+ quarantined \+ duplicates = ([\d,]+)", out)
    assert read and accounted and read.group(1) == accounted.group(1)
    assert "2 départements:" in out
    assert "every diagnostic says fictitious: True" in out
    assert "all France: " in out and "contracts, fictitious: True" in out
    assert "none sent" in out
    assert out.rstrip().endswith(
        "memory check (< 0.001 GB per stage): OVER in DECP files, load, SIRENE stock, enrich, "
        "notices, notice store, diagnose, profiles, watch run"
    )
    # the inputs stay in --home, to be reused by the next run
    inputs = tmp_path / "inputs"
    assert (inputs / "decp" / "manifest.json").is_file()
    assert (inputs / "sirene" / "StockEtablissement_synthetic.parquet").is_file()
    assert (inputs / "notices.jsonl").is_file()

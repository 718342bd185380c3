"""One switch per commit: readers see the manifest and the tables of one generation, an
interrupted commit is reported to readers and rolled back by the next writer; files are committed
in batches with their own counts; a load stopped by SIGTERM leaves no staging behind."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ancrage.ingest import pipeline
from ancrage.ingest.pipeline import load_paths
from ancrage.model import TABLES
from ancrage.settings import Settings
from ancrage.status import warehouse_status
from ancrage.synth.decp import generate_decp
from ancrage.warehouse import Warehouse
from tests.warehouse.notes import WHEN, only_note

TODAY = dt.date(2026, 12, 7)


def files(folder: Path, n: int, contracts: int = 40) -> list[Path]:
    return generate_decp(
        folder, contracts=contracts, seed=11, formats=("decp-2019",), files_per_format=n
    )


def test_a_load_killed_before_its_switch_shows_the_last_generation_then_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = files(tmp_path / "data", 2)
    settings = Settings.resolve(tmp_path / "home")
    assert load_paths(settings, [first], today=TODAY).errors == []
    before = warehouse_status(settings)

    def killed(self: Warehouse, con: Any, added: Any = None) -> None:
        raise KeyboardInterrupt  # the process dies after placing its parts, before the switch

    monkeypatch.setattr(Warehouse, "materialise", killed)
    with pytest.raises(KeyboardInterrupt):
        load_paths(settings, [second], today=TODAY)
    monkeypatch.undo()
    after = warehouse_status(settings)
    assert (after["files"], after["totals"]) == (before["files"], before["totals"])
    assert re.fullmatch(
        rf"un enregistrement dans l'entrepôt a été interrompu \(processus {os.getpid()} « .+ »,"
        rf" {WHEN}\) : les données montrées sont celles de la génération 2, la dernière"
        r" complète ; le prochain chargement le terminera ou l'annulera",
        after["interrupted"],
    ), after["interrupted"]

    only_note(
        load_paths(settings, [second], today=TODAY),
        rf"enregistrement interrompu \(processus {os.getpid()} « .+ », {WHEN}\) annulé :"
        r" l'entrepôt reste à la génération 2",
    )
    done = warehouse_status(settings)
    assert done["interrupted"] is None
    assert done["totals"]["files"] == 2
    assert done["totals"]["contracts"] == sum(f["loaded"] for f in done["files"])


def test_files_are_committed_in_batches_with_their_own_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = files(tmp_path / "data", 5, contracts=30)
    again = tmp_path / "again.json"  # the first file's contracts, in a file loaded last
    again.write_bytes(paths[0].read_bytes() + b"\n")
    settings = Settings.resolve(tmp_path / "home")
    monkeypatch.setattr(pipeline, "COMMIT_EVERY", 2)
    result = load_paths(settings, [*paths, again], today=TODAY)
    assert result.errors == []
    reports = {Path(r.file).name: r for r in result.reports}
    for r in result.reports:
        assert r.read == r.loaded + r.quarantined + r.duplicates
    assert reports["again.json"].loaded == 0
    assert reports["again.json"].duplicates == reports[paths[0].name].read
    status = warehouse_status(settings)
    assert status["totals"]["files"] == 6
    assert status["totals"]["contracts"] == sum(r.loaded for r in result.reports)
    con = Warehouse(settings).connect()
    try:
        assert Warehouse.generation(con) == 4  # the first (empty) one, then three batches
        seqs = con.execute("SELECT name FROM loaded_files ORDER BY seq").fetchall()
    finally:
        con.close()
    assert [s[0] for s in seqs] == [p.name for p in [*paths, again]]
    batched = tables(settings)
    warehouse = Warehouse(settings)
    with warehouse.writing() as con:
        warehouse.materialise(con)  # a rebuild from every part
    assert tables(settings) == batched


def tables(settings: Settings) -> dict[str, list[str]]:
    con = Warehouse(settings).connect()
    try:
        return {t: sorted(map(repr, con.execute(f"FROM {t}").fetchall())) for t in TABLES}
    finally:
        con.close()


def test_sigterm_during_a_load_of_many_files_leaves_no_staging(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    files(folder, 300, contracts=300)
    (folder / "manifest.json").unlink()  # the generator's counts, not DECP
    home = tmp_path / "home"
    staging = Settings.resolve(home).warehouse_dir / "staging"
    args = [sys.executable, "-m", "ancrage", "--home", str(home), "load", str(folder)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (staging.is_dir() and any(staging.rglob("*.parquet"))):
        assert process.poll() is None, "the load ended before it staged anything"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.endswith(INTERRUPTED)
    assert list(staging.iterdir()) == []


INTERRUPTED = "interrompu : rien n'a été écrit à moitié (chargements atomiques).\n"


@pytest.mark.slow
def test_sigterm_at_any_moment_of_a_load_is_an_interruption(tmp_path: Path) -> None:
    """Whether the signal lands in Python, in a DuckDB query (its client turns the interrupt
    into « Query interrupted »: once shown as an internal error, once lost so that the load went
    on to the end and exited 0) or between files: exit 130, the French line, nothing staged
    left, nothing committed. The moments are shares of a whole load timed first on the same
    machine."""
    folder = tmp_path / "many"
    files(folder, 120, contracts=120)
    (folder / "manifest.json").unlink()

    def load(home: Path) -> subprocess.Popen[str]:
        args = [sys.executable, "-m", "ancrage", "--home", str(home), "load", str(folder)]
        return subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )

    began = time.monotonic()
    whole = load(tmp_path / "whole")
    whole.communicate(timeout=300)
    assert whole.returncode == 0
    duration = time.monotonic() - began
    for i, share in enumerate((0.15, 0.3, 0.45, 0.6, 0.75)):
        home = tmp_path / f"home{i}"
        staging = Settings.resolve(home).warehouse_dir / "staging"
        began = time.monotonic()
        process = load(home)
        try:
            while not (staging.is_dir() and any(staging.rglob("*.parquet"))):
                assert process.poll() is None, "the load ended before it staged anything"
                assert time.monotonic() < began + 120
                time.sleep(0.05)
            time.sleep(max(0.0, began + share * duration - time.monotonic()))
            assert process.poll() is None, f"the load ended before {share:.0%} of {duration} s"
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()
        assert (process.returncode, stderr) == (130, INTERRUPTED), share
        assert list(staging.iterdir()) == []
        assert warehouse_status(Settings.resolve(home))["totals"].get("contracts", 0) == 0

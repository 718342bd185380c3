"""The kill test: ``ancrage load`` with worker processes, killed (SIGKILL) at random moments.

Each time: no process of the load survives it, ``status`` and ``diagnose`` show the warehouse
before the load or after it (never a mix), and the next load starts at once and ends with the
figures of a clean run. The load is that of a FICTITIOUS file (Ancrage's generator) into a
warehouse already holding another; the threshold from which a load uses workers is lowered so
that a file of a few seconds is staged by two worker processes. At least :data:`KILLS` kills,
within :data:`BUDGET` seconds once the clean runs are measured.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from ancrage.diagnose import build_scope, diagnose
from ancrage.settings import Settings
from ancrage.status import warehouse_status
from ancrage.synth.decp import generate_decp

KILLS = 10
CHAIN = 3  # kills in a row on one home before a load is let finish
BUDGET = 150.0  # seconds for the kills (a loaded 2-core machine)
# ``ancrage`` with worker processes for any file size
ANCRAGE = (
    "import sys; import ancrage.ingest.pipeline as p; p.PARALLEL_MIN_BYTES = 0;"
    " from ancrage.cli.app import main; sys.argv[0] = 'ancrage'; main()"
)


def ancrage(home: Path, *args: str, tag: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", ANCRAGE, "--home", str(home), *args]
    env = {**os.environ, "ANCRAGE_KILL_TEST": tag}  # inherited by every process of the load
    with (home.parent / f"{home.name}.log").open("ab") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=log)


def survivors(tag: str) -> list[int]:
    """Live processes started by a load tagged ``tag``."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes()
            state = (proc / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"ANCRAGE_KILL_TEST={tag}".encode() in environ.split(b"\0") and state not in "ZX":
            found.append(int(proc.name))
    return found


def seen(home: Path) -> tuple[Any, ...]:
    """What readers show: files and totals of ``status``, volume of ``diagnose``."""
    settings = Settings.resolve(home)
    status = warehouse_status(settings)
    files = tuple(sorted((f["name"], f["loaded"]) for f in status["files"]))
    d = diagnose(settings, build_scope())
    assert status["totals"]["contracts"] == sum(f["loaded"] for f in status["files"])
    return files, status["totals"]["contracts"], d.totals.contracts, d.totals.amount_eur


@pytest.mark.slow
def test_load_killed_anywhere_leaves_no_process_and_no_half_commit(tmp_path: Path) -> None:
    [first] = generate_decp(tmp_path / "a", contracts=200, seed=1, formats=("decp-2019",))
    [second] = generate_decp(tmp_path / "b", contracts=4000, seed=2, formats=("decp-2019",))
    base = tmp_path / "base"
    tag = uuid.uuid4().hex
    assert ancrage(base, "load", str(first), tag=tag).wait(timeout=300) == 0
    before = seen(base)
    clean = tmp_path / "clean"
    shutil.copytree(base, clean)
    started = time.monotonic()
    assert ancrage(clean, "load", "--workers", "2", str(second), tag=tag).wait(timeout=600) == 0
    duration = time.monotonic() - started
    after = seen(clean)
    assert after != before

    rng = random.Random(20261207)
    kills, homes = 0, 0
    deadline = time.monotonic() + BUDGET
    while kills < KILLS and time.monotonic() < deadline:
        home = tmp_path / f"kill-{homes}"
        homes += 1
        shutil.copytree(base, home)
        for _ in range(CHAIN):
            tag = uuid.uuid4().hex
            process = ancrage(home, "load", "--workers", "2", str(second), tag=tag)
            try:
                process.wait(timeout=rng.uniform(0.5, duration))
                assert process.returncode == 0
                break  # it finished first: nothing left to interrupt on this home
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
            wait_until = time.monotonic() + 5  # the kernel's signals take a moment
            while (left := survivors(tag)) and time.monotonic() < wait_until:
                time.sleep(0.05)
            assert left == [], f"processes of the killed load survive: {left}"
            assert seen(home) in (before, after), "readers see half a commit"
        tag = uuid.uuid4().hex
        finish = ancrage(home, "load", "--workers", "2", str(second), tag=tag)
        assert finish.wait(timeout=600) == 0, (home.parent / f"{home.name}.log").read_text()
        assert "occupé" not in (home.parent / f"{home.name}.log").read_text()
        assert seen(home) == after
        shutil.rmtree(home)
    print(f"{kills} kills on {homes} homes; a clean load takes {duration:.1f} s")
    assert kills >= KILLS, f"only {kills} kills within {BUDGET:.0f} s"

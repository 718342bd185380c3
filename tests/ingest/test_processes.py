"""The load's processes: workers die with their parent; what is not a regular file is refused at
once (a FIFO would block its reader forever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PARENT = """
import multiprocessing as mp, os, time
from ancrage.ingest.pipeline import workers_init

def worker(parent, done):
    workers_init(parent, done)
    time.sleep(120)

if __name__ == "__main__":
    context = mp.get_context("spawn")
    process = context.Process(target=worker, args=(os.getpid(), context.RawArray("q", 1)))
    process.start()
    while process.is_alive() and not os.path.exists(f"/proc/{process.pid}/stat"):
        time.sleep(0.01)
    time.sleep(2)  # the worker has run its initialiser
    print(process.pid, flush=True)
    time.sleep(120)
"""


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def test_a_worker_dies_with_its_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    parent.stdout.close()
    assert alive(worker)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if alive(worker):
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its parent")


@pytest.mark.parametrize("command", ["load", "load --source-format decp-2019", "notice load"])
def test_a_fifo_is_refused_in_one_line_without_waiting(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "tube.json"
    os.mkfifo(fifo)
    args = [sys.executable, "-m", "ancrage", "--home", str(tmp_path / "home")]
    done = subprocess.run(
        [*args, *command.split(), str(fifo)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.endswith(
        f"erreur : {fifo}: pas un fichier ordinaire (tube, socket ou périphérique). Enregistrez"
        " d'abord les données dans un fichier, puis chargez ce fichier.\n"
    ), done.stderr

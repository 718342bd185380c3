"""Who holds the warehouse: a busy warehouse names its holder (exit 3, never an internal error);
the lock of a writer that was killed is taken over with a note."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ancrage.ingest.pipeline import load_paths
from ancrage.settings import Settings
from ancrage.synth.decp import generate_decp
from ancrage.warehouse import Warehouse
from tests.warehouse.notes import WHEN, only_note

# A process that holds the warehouse: « write » (the writer lock) or « read » (a reader such as
# « ancrage export »); « fork » also leaves a child that inherits the writer's lock.
HOLDER = """
import os, sys, time
from ancrage.settings import Settings
from ancrage.warehouse import Warehouse

warehouse = Warehouse(Settings.resolve(sys.argv[2]))
if sys.argv[1] == "read":
    con = warehouse.connect()
    print("ready", flush=True)
    time.sleep(120)
with warehouse.writing():
    if sys.argv[1] == "fork" and os.fork() == 0:
        time.sleep(120)
        os._exit(0)
    print("ready", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def home(tmp_path: Path) -> Settings:
    settings = Settings.resolve(tmp_path / "home")
    [path] = generate_decp(tmp_path / "a", contracts=20, seed=1, formats=("decp-2019",))
    assert load_paths(settings, [path]).errors == []
    return settings


@pytest.fixture
def new_file(tmp_path: Path) -> Path:
    [path] = generate_decp(tmp_path / "b", contracts=20, seed=2, formats=("decp-2019",))
    return path


def hold(mode: str, settings: Settings, script: Path) -> subprocess.Popen[str]:
    script.write_text(HOLDER, encoding="utf-8")
    args = [sys.executable, str(script), mode, str(settings.home)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def killed_holder(
    mode: str, settings: Settings, script: Path, holders: list[Any]
) -> subprocess.Popen[str]:
    """A holder, killed (SIGKILL) while it holds the warehouse."""
    holder = hold(mode, settings, script)
    holders.append(holder)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    return holder


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def ancrage_load(settings: Settings, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ancrage", "--home", str(settings.home), "load", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("mode", ["write", "read"])
def test_a_busy_warehouse_names_its_holder_and_exits_3(
    home: Settings, new_file: Path, tmp_path: Path, mode: str, holders: list[Any]
) -> None:
    holder = hold(mode, home, tmp_path / "holder.py")
    holders.append(holder)
    done = ancrage_load(home, new_file)
    assert done.returncode == 3, done.stderr
    where = Warehouse(home).root if mode == "write" else Warehouse(home).db_path
    assert re.fullmatch(
        rf"erreur : {re.escape(str(where))}: l'entrepôt est occupé par un autre processus :"
        rf" processus {holder.pid} « holder.py {mode} home », {WHEN}\. Attendez qu'il se"
        r" termine, puis relancez\.\n",
        done.stderr,
    ), done.stderr


def test_the_lock_of_a_killed_writer_is_taken_over_with_a_note(
    home: Settings, new_file: Path, tmp_path: Path, holders: list[Any]
) -> None:
    holder = killed_holder("write", home, tmp_path / "holder.py", holders)
    only_note(
        load_paths(home, [new_file]),
        rf"verrou de l'entrepôt repris : son détenteur \(processus {holder.pid}"
        rf" « holder.py write home », {WHEN}\) s'est arrêté sans le libérer",
    )
    assert load_paths(home, [new_file]).notes == []  # a writer that ends lets go cleanly


def test_a_process_that_inherited_the_lock_is_named(
    home: Settings, new_file: Path, tmp_path: Path, holders: list[Any]
) -> None:
    killed_holder("fork", home, tmp_path / "holder.py", holders)
    with pytest.raises(Exception) as err:
        load_paths(home, [new_file])
    [child] = [
        int(p.name)
        for p in Path("/proc").glob("[0-9]*")
        if p.name != str(os.getpid()) and _cmdline(p).endswith(f"holder.py\0fork\0{home.home}\0")
    ]
    try:
        assert f"processus {child} « holder.py fork home »" in str(err.value)
    finally:
        os.kill(child, signal.SIGKILL)


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""

"""Who holds the warehouse: the process recorded in its writer lock, or named by DuckDB.

A writer records itself in ``<warehouse>/.lock`` (pid, start time of the process, host, command,
since when) while it holds the lock, and clears it when it lets go. A record found with the lock
free is the trace of a writer that was killed; a process is the same one only when its start time
matches too (pids are reused).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO


def _start_ticks(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks after boot), None when it does not exist (or
    without ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    args = [a.decode(errors="replace") for a in raw.split(b"\0") if a]
    return _short(args)


def _short(args: list[str]) -> str:
    """``ancrage load x.json`` rather than ``/usr/bin/python3 -m ancrage load /long/x.json``."""
    if len(args) > 2 and args[1] == "-m":
        args = args[2:]
    elif args and Path(args[0]).name.startswith("python") and len(args) > 1:
        args = args[1:]
    words = [Path(args[0]).name, *(Path(a).name if "/" in a else a for a in args[1:])]
    text = " ".join(words)
    return text if len(text) <= 80 else text[:79] + "…"


def _since(pid: int) -> str | None:
    """When process ``pid`` started, as an ISO date-time (from ``/proc``)."""
    ticks = _start_ticks(pid)
    if ticks is None:
        return None
    try:
        btime = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text(encoding="ascii").splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration):
        return None
    started = btime + ticks / os.sysconf("SC_CLK_TCK")
    return dt.datetime.fromtimestamp(started).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Owner:
    """A process that holds (or held) the warehouse."""

    pid: int
    host: str
    command: str
    since: str  # ISO date-time
    start_ticks: int | None = None

    @staticmethod
    def me() -> Owner:
        pid = os.getpid()
        return Owner(
            pid,
            socket.gethostname(),
            _short([sys.executable, *sys.argv]),
            dt.datetime.now().isoformat(timespec="seconds"),
            _start_ticks(pid),
        )

    @staticmethod
    def of_pid(pid: int) -> Owner:
        """Process ``pid`` of this machine, as ``/proc`` describes it."""
        since = _since(pid) or dt.datetime.now().isoformat(timespec="seconds")
        return Owner(pid, socket.gethostname(), _command(pid), since, _start_ticks(pid))

    def alive(self) -> bool:
        """Still running (on another host: assumed so)."""
        if self.host != socket.gethostname():
            return True
        ticks = _start_ticks(self.pid)
        return ticks is not None and (self.start_ticks is None or ticks == self.start_ticks)

    def describe(self) -> str:
        """``processus 123 « ancrage load x.json », depuis le 07/12/2026 à 19:58:02``."""
        when = dt.datetime.fromisoformat(self.since)
        host = "" if self.host == socket.gethostname() else f" sur {self.host}"
        return (
            f"processus {self.pid}{host} « {self.command} », depuis le "
            f"{when:%d/%m/%Y} à {when:%H:%M:%S}"
        )

    # -- the record in the lock file -----------------------------------------------------------
    def write(self, lock: IO[str]) -> None:
        lock.seek(0)
        lock.truncate()
        lock.write(json.dumps(asdict(self)))
        lock.flush()

    @staticmethod
    def read(lock: IO[str]) -> Owner | None:
        lock.seek(0)
        try:
            data = json.loads(lock.read() or "null")
            return Owner(**data) if isinstance(data, dict) else None
        except (ValueError, TypeError):
            return None

    @staticmethod
    def clear(lock: IO[str]) -> None:
        lock.seek(0)
        lock.truncate()
        lock.flush()


def lock_holders(path: Path) -> list[int]:
    """Processes of this user that have ``path`` open (from ``/proc``; empty elsewhere): who
    keeps a lock whose recorded owner is gone (a process that inherited it)."""
    target = str(path.resolve())
    pids: list[int] = []
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(str(fd.readlink()) == target for fd in fd_dir.iterdir()):
                pids.append(int(fd_dir.parent.name))
        except OSError:  # another user's process, or gone meanwhile
            continue
    return sorted(p for p in pids if p != os.getpid())


_DUCKDB_PID = re.compile(r"\(PID (\d+)\)")


def duckdb_holder(message: str) -> Owner | None:
    """The process DuckDB names in a « Conflicting lock is held in … (PID n) » error."""
    found = _DUCKDB_PID.search(message)
    return Owner.of_pid(int(found.group(1))) if found else None

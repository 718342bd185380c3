"""One watch run at a time: a lock row in the application database (SQLite and PostgreSQL).

The row ``watch_locks['watch-run']`` holds the owner's token, process id, host, start and last
heartbeat. It is taken by a compare-and-swap in one transaction: read the row, decide whether
its owner is gone, then ``UPDATE … WHERE token = <the token read>`` — the database lets only
one of two concurrent runs change the row (PostgreSQL re-checks the condition after the other's
commit; SQLite writes one transaction at a time), so exactly one wins, on any number of hosts.

An owner is *gone* when its heartbeat (written every :data:`HEARTBEAT_S` seconds by a thread of
the running process) is older than :data:`STALE_AFTER`, or at once when it ran on this host and
its process no longer exists (killed, crashed). Only then is the lock taken over, and with it
the alerts the owner left ``sending`` (:func:`ancrage.watch.outbox.send_due`): while the owner
lives, nobody else touches them.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ancrage.watch.db import locks, utcnow
from ancrage.watch.errors import WatchBusyError
from ancrage.watch.mail import when

LOCK_NAME = "watch-run"
HEARTBEAT_S = 30.0
STALE_AFTER = timedelta(minutes=5)  # ten missed heartbeats: the owner is gone


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) the lock."""

    token: str | None
    pid: int | None
    host: str | None
    started_at: datetime | None  # naive UTC
    heartbeat_at: datetime | None

    def describe(self) -> str:
        """« pid 1234, depuis le 07/12/2026 à 21:15 (heure de Paris) » (host when another)."""
        parts = [f"pid {self.pid}"]
        if self.host and self.host != socket.gethostname():
            parts[0] += f" sur {self.host}"
        if self.started_at is not None:
            parts.append(f"depuis le {when(self.started_at.replace(tzinfo=UTC).isoformat())}")
        return ", ".join(parts)


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return stat.rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def owner_gone(holder: Holder, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    if holder.token is None:
        return True
    if holder.heartbeat_at is None or now - holder.heartbeat_at > stale_after:
        return True
    if holder.host == socket.gethostname() and holder.pid is not None:
        return not pid_alive(holder.pid)
    return False


class RunLock:
    """The lock once taken: a heartbeat thread keeps it alive until :meth:`release`.

    ``taken_over``: the gone owner it was taken from (its ``sending`` alerts are resumed).
    ``lost``: set when another run took the lock over (this one stalled longer than
    :data:`STALE_AFTER`); the sender stops before its next message (:meth:`check`)."""

    def __init__(
        self, engine: Engine, token: str, taken_over: Holder | None, heartbeat_s: float
    ) -> None:
        self.engine = engine
        self.token = token
        self.taken_over = taken_over
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(heartbeat_s,), name="watch-lock", daemon=True
        )
        self._thread.start()

    def _beat(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                with self.engine.begin() as con:
                    changed = con.execute(
                        update(locks)
                        .where(locks.c.name == LOCK_NAME, locks.c.token == self.token)
                        .values(heartbeat_at=utcnow())
                    ).rowcount
            except SQLAlchemyError:  # a busy database: the next beat tries again
                continue
            if changed == 0:
                self.lost.set()
                return

    def check(self) -> None:
        if self.lost.is_set():
            raise WatchBusyError(
                "la veille a perdu son verrou : une autre exécution l'a repris",
                hint="Cette exécution s'arrête ; l'autre envoie les alertes restantes.",
            )

    def release(self) -> None:
        self._stop.set()
        self._thread.join()
        with self.engine.begin() as con:
            con.execute(
                update(locks)
                .where(locks.c.name == LOCK_NAME, locks.c.token == self.token)
                .values(token=None, pid=None, host=None, started_at=None, heartbeat_at=None)
            )


def _holder(engine: Engine) -> Holder:
    with engine.connect() as con:
        row = con.execute(select(locks).where(locks.c.name == LOCK_NAME)).one_or_none()
    if row is None:
        try:
            with engine.begin() as con:
                con.execute(insert(locks).values(name=LOCK_NAME))
        except IntegrityError:  # inserted meanwhile by another run
            pass
        return Holder(None, None, None, None, None)
    return Holder(row.token, row.pid, row.host, row.started_at, row.heartbeat_at)


def busy(holder: Holder) -> WatchBusyError:
    return WatchBusyError(
        f"une autre exécution de la veille est en cours ({holder.describe()})",
        hint="Attendez qu'elle se termine, puis relancez (« ancrage watch outbox » montre "
        "les alertes en attente).",
    )


def acquire(
    engine: Engine,
    *,
    heartbeat_s: float = HEARTBEAT_S,
    stale_after: timedelta = STALE_AFTER,
) -> RunLock:
    """Take the run lock, or raise :class:`WatchBusyError` naming the live owner."""
    now = utcnow()
    holder = _holder(engine)
    if not owner_gone(holder, now, stale_after):
        raise busy(holder)
    token = uuid.uuid4().hex
    read = locks.c.token.is_(None) if holder.token is None else locks.c.token == holder.token
    with engine.begin() as con:
        taken = con.execute(
            update(locks)
            .where(locks.c.name == LOCK_NAME, read)
            .values(
                token=token,
                pid=os.getpid(),
                host=socket.gethostname(),
                started_at=now,
                heartbeat_at=now,
            )
        ).rowcount
    if taken != 1:  # another run took it between our read and our write
        raise busy(_holder(engine))
    return RunLock(engine, token, holder if holder.token is not None else None, heartbeat_s)


@contextmanager
def run_lock(
    engine: Engine, *, heartbeat_s: float = HEARTBEAT_S, stale_after: timedelta = STALE_AFTER
) -> Iterator[RunLock]:
    """The run lock for the ``with`` block (released at its end, even on error)."""
    lock = acquire(engine, heartbeat_s=heartbeat_s, stale_after=stale_after)
    try:
        yield lock
    finally:
        lock.release()

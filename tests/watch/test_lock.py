"""The run lock: one sender at a time on SQLite and PostgreSQL; a gone owner's lock and its
``sending`` alerts are taken over, a live owner's never."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, update

from ancrage.settings import Settings
from ancrage.watch.db import locks, outbox, utcnow
from ancrage.watch.errors import WatchBusyError
from ancrage.watch.lock import LOCK_NAME, RunLock, acquire, owner_gone, pid_alive, run_lock
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.matching import Locator
from ancrage.watch.outbox import send_due
from tests.watch.sink import smtp_sink
from tests.watch.test_retry import queue_alerts
from tests.watch.test_watch import NOW


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _hold(engine: Engine, pid: int, host: str, beat_ago: timedelta) -> None:
    """The lock as another process left it."""
    now = utcnow()
    with engine.begin() as con:
        con.execute(
            update(locks)
            .where(locks.c.name == LOCK_NAME)
            .values(token="other", pid=pid, host=host, started_at=now - beat_ago,
                    heartbeat_at=now - beat_ago)
        )


def test_second_run_is_refused_while_the_first_holds_the_lock(engine: Engine) -> None:
    with run_lock(engine) as first:
        assert first.taken_over is None
        with pytest.raises(WatchBusyError) as busy:
            acquire(engine)
    line = busy.value.one_line()
    assert busy.value.exit_code == 3
    assert line.startswith(
        f"une autre exécution de la veille est en cours (pid {os.getpid()}, depuis le "
    )
    assert line.endswith(
        "(heure de Paris)). Attendez qu'elle se termine, puis relancez (« ancrage watch outbox » "
        "montre les alertes en attente)."
    )
    with run_lock(engine) as again:  # released at the end of the block
        assert again.taken_over is None


def test_lock_of_a_dead_process_is_taken_over(engine: Engine) -> None:
    dead = _dead_pid()
    assert not pid_alive(dead)
    _hold(engine, dead, socket.gethostname(), timedelta(seconds=1))
    with run_lock(engine) as lock:
        assert lock.taken_over is not None and lock.taken_over.pid == dead


def test_lock_of_another_host_waits_for_its_heartbeat(engine: Engine) -> None:
    _hold(engine, 1, "autre-machine", timedelta(seconds=10))
    with pytest.raises(WatchBusyError) as busy:
        acquire(engine)
    assert "(pid 1 sur autre-machine, depuis le " in busy.value.one_line()
    _hold(engine, 1, "autre-machine", timedelta(minutes=6))  # no heartbeat for 6 minutes
    with run_lock(engine) as lock:
        assert lock.taken_over is not None and lock.taken_over.host == "autre-machine"


def test_heartbeat_keeps_the_lock_and_a_lost_lock_is_noticed(engine: Engine) -> None:
    lock = acquire(engine, heartbeat_s=0.05)
    try:
        with engine.connect() as con:
            first = con.execute(select(locks.c.heartbeat_at)).scalar_one()
        threading.Event().wait(0.5)
        with engine.connect() as con:
            holder = con.execute(select(locks)).one()
        assert holder.heartbeat_at > first and holder.pid == os.getpid()
        assert not owner_gone(holder, utcnow())  # type: ignore[arg-type]
        _hold(engine, 1, "autre-machine", timedelta(0))  # taken over by another run
        assert lock.lost.wait(5)
        with pytest.raises(WatchBusyError) as lost:
            lock.check()
        assert lost.value.one_line() == (
            "la veille a perdu son verrou : une autre exécution l'a repris. Cette exécution "
            "s'arrête ; l'autre envoie les alertes restantes."
        )
    finally:
        lock.release()
    with engine.connect() as con:  # release leaves the other's lock alone
        assert con.execute(select(locks.c.host)).scalar_one() == "autre-machine"


def _race(engine: Engine, runs: int) -> tuple[list[RunLock], list[WatchBusyError]]:
    won: list[RunLock] = []
    refused: list[WatchBusyError] = []
    start = threading.Barrier(runs)

    def attempt() -> None:
        start.wait()
        try:
            won.append(acquire(engine, heartbeat_s=60))
        except WatchBusyError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(runs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won, refused


def test_concurrent_acquires_one_winner(engine: Engine) -> None:
    for _ in range(5):
        won, refused = _race(engine, 4)
        assert len(won) == 1 and len(refused) == 3
        won[0].release()


def test_sending_rows_of_a_live_owner_are_left_alone(
    engine: Engine, home: Settings, locator: Locator
) -> None:
    queue_alerts(engine, home, locator)
    with engine.begin() as con:  # a live run claimed them and is talking to the server
        claimed = con.execute(select(outbox.c.id, outbox.c.profile_id)).all()
        for row_id, profile_id in claimed:
            con.execute(
                update(outbox)
                .where(outbox.c.id == row_id)
                .values(state="sending", message_id=f"<{profile_id}@ancrage.test>")
            )
    _hold(engine, os.getppid(), socket.gethostname(), timedelta(seconds=1))
    with smtp_sink() as (sink, port):
        config = SmtpConfig(host="127.0.0.1", port=port)
        with pytest.raises(WatchBusyError):
            send_due(engine, config, NOW)
        assert sink.messages == []
        with engine.connect() as con:
            assert {r.state for r in con.execute(select(outbox.c.state))} == {"sending"}
        # the owner is gone: its message is sent again, same Message-ID
        _hold(engine, _dead_pid(), socket.gethostname(), timedelta(seconds=1))
        report = send_due(engine, config, NOW)
    assert report.resent == 2 and report.alerts == 2
    assert sorted(sink.message_ids()) == sorted(f"<{p}@ancrage.test>" for _, p in claimed)

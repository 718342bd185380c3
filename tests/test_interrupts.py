"""Ctrl+C and SIGTERM stay interruptions when a library turns them into its own error (DuckDB's
Python client answers a pending KeyboardInterrupt with RuntimeError « Query interrupted ») or
swallows them: the signal is remembered."""

from __future__ import annotations

import os
import signal
import threading

import duckdb
import pytest

from ancrage.interrupts import signalled, terminated_as_interrupt


def test_a_duckdb_query_interrupted_by_sigterm_ends_as_an_interruption() -> None:
    con = duckdb.connect()
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    with pytest.raises(KeyboardInterrupt) as caught, terminated_as_interrupt():
        timer.start()
        # seconds of work: the signal lands while DuckDB runs it
        con.execute("SELECT count(*) FROM range(10000000000) t(i) WHERE i % 7 = 3").fetchall()
    timer.join()
    assert signalled()
    # what DuckDB raised, kept as the cause
    assert isinstance(caught.value.__cause__, (RuntimeError, duckdb.Error))
    assert "interrupted" in str(caught.value.__cause__).lower()


def test_a_signal_swallowed_on_the_way_is_raised_at_the_end() -> None:
    with pytest.raises(KeyboardInterrupt), terminated_as_interrupt():
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs between two bytecodes
                pass
        except KeyboardInterrupt:
            pass  # a library that takes it for its own business
    assert signalled()


def test_an_error_without_signal_stays_itself() -> None:
    with pytest.raises(ValueError, match="vraie erreur"), terminated_as_interrupt():
        raise ValueError("vraie erreur")
    assert not signalled()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers given back

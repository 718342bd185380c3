"""Ctrl+C and SIGTERM as interruptions, even when a library turns them into an error of its own.

Python answers SIGINT by raising ``KeyboardInterrupt`` in the main thread. DuckDB's Python client
checks for a pending signal while it runs a query and, when the handler raises, stops the query
and raises ``RuntimeError("Query interrupted")`` instead; a reader that takes a DuckDB error for
a bad file would even go on with the next file. So the handlers here also *remember* the signal:
an error raised after it is an interruption (exit 130, « interrompu »), and loops over files
stop at the next one.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_SIGNALLED = threading.Event()


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    _SIGNALLED.set()
    raise KeyboardInterrupt


def signalled() -> bool:
    """Whether Ctrl+C (or SIGTERM during a load) arrived since the handlers were installed."""
    return _SIGNALLED.is_set()


def stop_if_signalled() -> None:
    """Raise ``KeyboardInterrupt`` if a signal arrived whose interrupt was lost on the way."""
    if _SIGNALLED.is_set():
        raise KeyboardInterrupt


def remember_ctrl_c() -> None:
    """In the main thread of a command: Ctrl+C raises ``KeyboardInterrupt`` as before, and is
    remembered."""
    if threading.current_thread() is threading.main_thread():
        _SIGNALLED.clear()
        signal.signal(signal.SIGINT, _interrupt)


@contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """SIGTERM (and Ctrl+C) end the body as an interruption: any error raised after the signal
    becomes ``KeyboardInterrupt``, and one whose interrupt was lost is raised on the way out.
    Outside the main thread, nothing changes (signals are the main thread's)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _SIGNALLED.clear()
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
        stop_if_signalled()
    except Exception as exc:
        if _SIGNALLED.is_set():
            raise KeyboardInterrupt from exc
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

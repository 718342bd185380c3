"""One writer at a time on the notice store: a file lock that says who holds it.

``<home>/notices/write.lock`` is locked (``flock``) by the process that writes to the store (a
load) for as long as it writes, and holds a line saying what that process is (command, process
id, start time), so that a second load is refused at once with « occupé » and who holds the
store, instead of waiting and failing on SQLite's « database is locked ». The lock dies with its
process: a killed load leaves nothing to clean.
"""

from __future__ import annotations

import fcntl
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from ancrage.notices.errors import NoticeStoreBusyError

LOCK_FILE = "write.lock"


_WORD = re.compile(r"[a-z][a-z-]*")


def _holder() -> str:
    """« ancrage notice load », processus 1234, depuis … (the command's words, not its
    options nor paths)."""
    words = [a for a in sys.argv[1:] if _WORD.fullmatch(a)][:2]
    command = " ".join([Path(sys.argv[0]).name if sys.argv else "python", *words])
    return f"« {command} », processus {os.getpid()}, depuis {datetime.now():%d/%m/%Y %H:%M:%S}"


def busy(path: Path, holder: str) -> NoticeStoreBusyError:
    return NoticeStoreBusyError(
        f"la base des avis est occupée par un autre chargement ({holder})",
        file=path,
        hint="Attendez qu'il se termine, puis relancez ; les recherches restent possibles "
        "pendant ce temps.",
    )


@contextmanager
def writer_lock(directory: Path) -> Iterator[None]:
    """Hold the writer lock of the store in ``directory``, or raise
    :class:`NoticeStoreBusyError` at once when another process holds it."""
    path = directory / LOCK_FILE
    with path.open("a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "un autre processus"
            raise busy(directory, holder) from None
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(_holder() + "\n")
            fh.flush()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)

"""What the warehouse says in its notes: one line each, with a process and a moment."""

from __future__ import annotations

import re
import socket

from ancrage.ingest.pipeline import LoadResult
from ancrage.settings import Settings
from ancrage.warehouse import Warehouse
from ancrage.warehouse.owner import Owner

WHEN = r"depuis le \d\d/\d\d/\d{4} à \d\d:\d\d:\d\d"


def only_note(result: LoadResult, pattern: str) -> None:
    """A load that went well, with one note matching ``pattern`` (a regular expression)."""
    assert result.errors == []
    [note] = result.notes
    assert re.fullmatch(pattern, note), note


def dead_writer_lock(settings: Settings) -> str:
    """Leave the record of a writer killed while it held the warehouse (the kernel freed its
    lock, the record stays); the French line the next writer prints, ``note : …``."""
    root = Warehouse(settings).root
    root.mkdir(parents=True, exist_ok=True)
    dead = Owner(4242, socket.gethostname(), "ancrage load x.json", "2026-12-07T19:58:02", 1)
    with (root / ".lock").open("w", encoding="utf-8") as lock:
        dead.write(lock)
    return (
        "note : verrou de l'entrepôt repris : son détenteur (processus 4242 « ancrage load"
        " x.json », depuis le 07/12/2026 à 19:58:02) s'est arrêté sans le libérer\n"
    )

"""What the warehouse says in its notes: one line each, with a process and a moment."""

from __future__ import annotations

import re

from ancrage.ingest.pipeline import LoadResult

WHEN = r"depuis le \d\d/\d\d/\d{4} à \d\d:\d\d:\d\d"


def only_note(result: LoadResult, pattern: str) -> None:
    """A load that went well, with one note matching ``pattern`` (a regular expression)."""
    assert result.errors == []
    [note] = result.notes
    assert re.fullmatch(pattern, note), note

"""What a notice reader sees: the DECP read context plus the eForms SDK field table to use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ancrage.notices.eforms_sdk import EformsTable, shipped_table, table_from_dir
from ancrage.sources.base import ReadContext, Rejection

__all__ = ["NoticeReadContext", "Rejection"]


@dataclass
class NoticeReadContext(ReadContext):
    """``eforms_dir``: a directory holding a full SDK ``fields.json`` to read every eForms notice
    with (``--eforms-dir``); by default, the table shipped with Ancrage (every SDK version)."""

    eforms_dir: Path | None = None

    def eforms_table(self) -> EformsTable:
        if self.eforms_dir is None:
            return shipped_table()
        return table_from_dir(self.eforms_dir)

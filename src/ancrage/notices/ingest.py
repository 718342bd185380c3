"""Load notice files (BOAMP JSON, BOAMP XML, TED eForms XML) into the notice store.

The format of each file is found by :func:`ancrage.notices.base.detect`. Each file is loaded
in one SQLite transaction (all or nothing), its notices written in batches (``NoticeWriter``);
a file already loaded (same sha256) is not read again, and a notice already stored with the
same content is counted as a duplicate, so re-loading changes nothing. The search index follows
(:class:`ancrage.notices.index.IndexSession`): the notices of each file committed are sent to
it, and it is committed once at the end.
Per file, ``read = loaded + quarantined + duplicates``; every rejection is recorded in the
``quarantine`` table with its file, record and reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ancrage.errors import AncrageError, InputFileError
from ancrage.ingest.pipeline import LoadProgress
from ancrage.notices.base import NoticeReader, detect
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.index import IndexProgress, IndexSession
from ancrage.notices.store import NoticeStore, NoticeWriter
from ancrage.settings import Settings

SUFFIXES = (".json", ".xml")


@dataclass
class NoticeFileReport:
    file: str
    detected_format: str | None
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    already_loaded: bool = False
    error: AncrageError | None = None

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of ``ancrage notice load --format json``."""
        return {
            "file": self.file,
            "detected_format": self.detected_format,
            "read": self.read,
            "loaded": self.loaded,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "already_loaded": self.already_loaded,
            "error": self.error.one_line() if self.error else None,
        }


def expand(paths: Sequence[Path]) -> list[Path]:
    """Files as given; a directory stands for its ``.json`` and ``.xml`` files, recursively."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def errors_by_cause(reports: Sequence[NoticeFileReport]) -> list[tuple[str, list[str]]]:
    """The errors of a load, one per cause: ``(message, files)``, the message without the
    file when several files failed the same way (the eForms table missing fails every TED
    file alike), in the order they first came."""
    causes: dict[str, list[NoticeFileReport]] = {}
    for report in reports:
        if report.error is not None:
            error = report.error
            key = error.one_line().replace(f"{error.file}: ", "", 1) if error.file else ""
            causes.setdefault(key or error.one_line(), []).append(report)
    out: list[tuple[str, list[str]]] = []
    for key, failed in causes.items():
        if len(failed) == 1:
            assert failed[0].error is not None
            out.append((failed[0].error.one_line(), [failed[0].file]))
        else:
            out.append((key, [r.file for r in failed]))
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def load_notices(
    settings: Settings,
    paths: Sequence[Path],
    progress: LoadProgress | None = None,
    *,
    eforms_dir: Path | None = None,
    index_progress: IndexProgress | None = None,
) -> list[NoticeFileReport]:
    """Load files one after the other; a file that fails is reported, the others still load.

    ``eforms_dir`` holds a full eForms SDK field table to read eForms notices with (default:
    the table shipped with Ancrage); ``index_progress`` shows the rebuild of the search index,
    when it has to be rebuilt."""
    reports: list[NoticeFileReport] = []
    with (
        NoticeStore(settings).writing() as con,
        IndexSession(settings, con, index_progress) as search_index,
    ):
        for path in expand(paths):
            report = NoticeFileReport(file=str(path), detected_format=None)
            try:
                reader = detect(path)
                report.detected_format = reader.name
                _load_one(con, reader, path, eforms_dir, report, progress, search_index)
            except AncrageError as exc:
                report.read = report.loaded = report.quarantined = report.duplicates = 0
                report.error = exc
            reports.append(report)
    return reports


def _load_one(
    con: Any,
    reader: NoticeReader,
    path: Path,
    eforms_dir: Path | None,
    report: NoticeFileReport,
    progress: LoadProgress | None,
    search_index: IndexSession,
) -> None:
    sha = _sha256(path)
    known = con.execute("SELECT read, quarantined FROM files WHERE sha256 = ?", (sha,)).fetchone()
    if known is not None:
        report.read, report.quarantined = known
        report.duplicates = report.read - report.quarantined
        report.already_loaded = True
        return
    ctx = NoticeReadContext(
        path=path, on_progress=progress.advance if progress else None, eforms_dir=eforms_dir
    )
    if progress:
        progress.start_file(path.name, path.stat().st_size)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    con.execute("BEGIN IMMEDIATE")
    sink = search_index.sink()
    try:
        writer = NoticeWriter(con, sink=sink)
        for index, notice in enumerate(reader.read(path, ctx)):
            report.read += 1
            writer.add(notice, file=str(path), record=str(index))
        writer.flush()
        report.loaded, report.duplicates = writer.loaded, writer.duplicates
        report.read += len(ctx.rejections)
        report.quarantined = len(ctx.rejections)
        con.executemany(
            """INSERT INTO quarantine (file, record, record_id, field, raw_value, reason,
            loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)""",
            [
                (str(path), r.ref, r.record_id, r.field, r.raw_value, r.reason, now)
                for r in ctx.rejections
            ],
        )
        con.execute(
            """INSERT INTO files (sha256, path, format, read, loaded, quarantined, duplicates,
            loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                sha,
                str(path.resolve()),
                reader.name,
                report.read,
                report.loaded,
                report.quarantined,
                report.duplicates,
                now,
            ),
        )
        con.execute("COMMIT")
    except AncrageError:
        con.execute("ROLLBACK")
        search_index.rolled_back(sink)
        raise
    except Exception as exc:  # a reader bug must not become a traceback nor a half load
        con.execute("ROLLBACK")
        search_index.rolled_back(sink)
        raise InputFileError(
            f"erreur inattendue en lisant le fichier ({type(exc).__name__}: {exc})",
            file=path,
            hint="Rien n'a été chargé. Signalez le problème avec ce fichier.",
        ) from exc
    finally:
        if progress:
            progress.end_file()
    search_index.committed(sink)

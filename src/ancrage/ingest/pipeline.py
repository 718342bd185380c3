"""Load DECP files into the warehouse: detect, read, normalise, stage, de-duplicate, commit.

Each file is loaded atomically: its rows are staged to Parquet in bounded memory, then committed in
one step; a file that fails (truncated, wrong encoding...) leaves the warehouse as it was. Counts
per file always satisfy ``read = loaded + quarantined + duplicates``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ancrage.errors import AncrageError, InputFileError
from ancrage.ingest.normalise import Normaliser
from ancrage.model import CONTRACT_KEY, RECORD_POS, TABLES
from ancrage.settings import Settings
from ancrage.sources.base import ReadContext, Source
from ancrage.sources.registry import by_name, detect
from ancrage.warehouse.store import Warehouse, _sql_str

FLUSH_EVERY = 20_000
# Files made by Ancrage's own generator say so in their first bytes (see ancrage.synth).
SYNTHETIC_MARKERS = (b"ancrage.synth", b"ancrage-synth")
_RECORD_TABLES = ("contract_suppliers", "modifications", "subcontracting", "repairs")


class LoadProgress(Protocol):
    """What the pipeline tells about its progress (the CLI shows a rich progress bar)."""

    def start_file(self, name: str, total_bytes: int) -> None: ...

    def advance(self, bytes_done: int) -> None: ...

    def end_file(self) -> None: ...


@dataclass
class FileReport:
    file: str
    detected_format: str
    read: int
    loaded: int
    repaired: int
    quarantined: int
    duplicates: int
    already_loaded: bool = False

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of ``ancrage load --format json``."""
        data = asdict(self)
        del data["already_loaded"]
        return data


@dataclass
class LoadResult:
    reports: list[FileReport] = field(default_factory=list)
    errors: list[AncrageError] = field(default_factory=list)


def _staging_schema(table: str) -> pa.Schema:
    schema = TABLES[table]
    if table == "contracts":
        schema = schema.append(pa.field(CONTRACT_KEY, pa.string()))
    if table == "contracts" or table in _RECORD_TABLES:
        schema = schema.append(pa.field(RECORD_POS, pa.int64()))
    return schema


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def is_synthetic(path: Path) -> bool:
    """True for fictitious data made by Ancrage's generator (labelled in every output)."""
    with path.open("rb") as fh:
        head = fh.read(65536)
    return any(marker in head for marker in SYNTHETIC_MARKERS)


def load_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    progress: LoadProgress | None = None,
    source_format: str | None = None,
    today: dt.date | None = None,
) -> LoadResult:
    """Load files one after the other; a bad file is reported and the others still load."""
    result = LoadResult()
    warehouse = Warehouse(settings)
    with warehouse.writing() as con:
        committed = 0
        for path in paths:
            try:
                report = _load_one(
                    warehouse, con, Path(path), progress, source_format, today or dt.date.today()
                )
            except AncrageError as exc:
                result.errors.append(exc)
                continue
            result.reports.append(report)
            committed += not report.already_loaded
        if committed:
            warehouse.materialise(con)
    return result


def _load_one(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    progress: LoadProgress | None,
    source_format: str | None,
    today: dt.date,
) -> FileReport:
    source = by_name(source_format) if source_format else detect(path)
    sha = file_digest(path)
    known = warehouse.find_file(con, sha)
    if known is not None:
        return FileReport(
            file=str(path),
            detected_format=source.name,
            read=known["read"],
            loaded=0,
            repaired=0,
            quarantined=known["quarantined"],
            duplicates=known["read"] - known["quarantined"],
            already_loaded=True,
        )
    file_id = sha[:20]
    stage = warehouse.staging_dir / file_id
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        staged, read, norm = _stage(source, path, file_id, stage, progress, today)
        report, parts = _finalise(warehouse, con, path, source, staged, read, norm)
        warehouse.commit_file(
            con,
            {
                "file_id": file_id,
                "sha256": sha,
                "path": str(path.resolve()),
                "name": path.name,
                "size_bytes": path.stat().st_size,
                "detected_format": source.name,
                "synthetic": is_synthetic(path),
                "loaded_at": dt.datetime.now(),
                "read": report.read,
                "loaded": report.loaded,
                "repaired": report.repaired,
                "quarantined": report.quarantined,
                "duplicates": report.duplicates,
            },
            parts,
        )
        return report
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _stage(
    source: Source,
    path: Path,
    file_id: str,
    stage: Path,
    progress: LoadProgress | None,
    today: dt.date,
) -> tuple[dict[str, Path], int, Normaliser]:
    norm = Normaliser(file_id, source.name, path.name, today=today)
    staged = {t: stage / f"{t}.parquet" for t in TABLES}
    writers = {t: pq.ParquetWriter(p, _staging_schema(t)) for t, p in staged.items()}
    ctx = ReadContext(path, on_progress=progress.advance if progress else None)
    if progress:
        progress.start_file(path.name, path.stat().st_size)
    read = 0
    try:
        for pos, raw in enumerate(source.read(path, ctx)):
            read += 1
            norm.add(pos, raw)
            if read % FLUSH_EVERY == 0:
                read += _flush(norm, ctx, writers)
        read += _flush(norm, ctx, writers)
    except AncrageError:
        raise
    except Exception as exc:  # a reader bug must not become a traceback nor a half load
        raise InputFileError(
            f"erreur inattendue en lisant le fichier ({type(exc).__name__}: {exc})",
            file=path,
            hint="Rien n'a été chargé. Signalez le problème avec ce fichier.",
        ) from exc
    finally:
        for w in writers.values():
            w.close()
        if progress:
            progress.end_file()
    return staged, read, norm


def _flush(norm: Normaliser, ctx: ReadContext, writers: dict[str, pq.ParquetWriter]) -> int:
    """Write buffered rows to the staging files; return the number of rejections moved."""
    rejected = len(ctx.rejections)
    for rej in ctx.rejections:
        norm.reject(rej.ref, rej.record_id, rej.field, rej.raw_value, rej.reason)
    ctx.rejections.clear()
    for table, rows in norm.drain().items():
        if rows:
            writers[table].write_table(pa.Table.from_pylist(rows, schema=writers[table].schema))
    return rejected


def _finalise(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: Source,
    staged: dict[str, Path],
    read: int,
    norm: Normaliser,
) -> tuple[FileReport, dict[str, Path]]:
    """De-duplicate within the file and against the warehouse; write the file's parts."""
    src = {t: f"read_parquet({_sql_str(str(p))})" for t, p in staged.items()}
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _keep AS
        SELECT record_pos, contract_id FROM (
            SELECT record_pos, contract_id, row_number() OVER (
                PARTITION BY contract_id
                ORDER BY publication_date DESC NULLS LAST, n_modifications DESC, record_pos DESC
            ) AS rn FROM {src["contracts"]}
        ) WHERE rn = 1"""
    )
    # known: contracts of files already committed (in this run too, before materialisation)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _known AS
        SELECT k.record_pos FROM _keep k
        SEMI JOIN read_parquet({warehouse.parts_sql(con, "contracts")}) c USING (contract_id)"""
    )
    row = con.execute(
        f"""SELECT
            (SELECT count(*) FROM {src["contracts"]}),
            (SELECT count(*) FROM _keep),
            (SELECT count(*) FROM _known),
            (SELECT count(DISTINCT record_pos) FROM {src["repairs"]}
                WHERE record_pos IN (SELECT record_pos FROM _keep)
                AND record_pos NOT IN (SELECT record_pos FROM _known))"""
    ).fetchone()
    assert row is not None
    staged_n, kept, known, repaired = (int(v) for v in row)
    quarantined = norm.quarantined_records
    duplicates = (staged_n - kept) + known
    report = FileReport(
        file=str(path),
        detected_format=source.name,
        read=read,
        loaded=read - quarantined - duplicates,
        repaired=repaired,
        quarantined=quarantined,
        duplicates=duplicates,
    )
    parts: dict[str, Path] = {}
    for table in TABLES:
        out = staged[table].with_name(f"final-{table}.parquet")
        cols = ", ".join(f"t.{c}" for c in TABLES[table].names)
        where = "" if table == "quarantine" else "SEMI JOIN _keep k ON t.record_pos = k.record_pos"
        con.execute(
            f"COPY (SELECT {cols} FROM {src[table]} t {where}) TO {_sql_str(str(out))}"
            " (FORMAT parquet, COMPRESSION zstd)"
        )
        parts[table] = out
    con.execute("DROP TABLE _keep")
    con.execute("DROP TABLE _known")
    return report, parts

"""Load DECP files into the warehouse: detect, read, normalise, stage, de-duplicate, commit.

Each file is loaded atomically: its rows are staged to Parquet in bounded memory, then committed in
one step; a file that fails (truncated, wrong encoding...) leaves the warehouse as it was. Counts
per file always satisfy ``read = loaded + quarantined + duplicates``.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import multiprocessing as mp
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ancrage.children import die_with_parent
from ancrage.errors import AncrageError, InputFileError
from ancrage.ingest import lookups
from ancrage.ingest.audit import record_rules
from ancrage.ingest.normalise import Normaliser
from ancrage.interrupts import stop_if_signalled, terminated_as_interrupt
from ancrage.model import CONTRACT_KEY, RECORD_POS, TABLES
from ancrage.settings import Settings
from ancrage.sources.base import RawContract, ReadContext, Source
from ancrage.sources.registry import by_name, check_regular, detect
from ancrage.sql import sql_str
from ancrage.warehouse.store import Warehouse

BATCH_SIZE = 2_000  # records normalised together (column by column)
# Below this many bytes to stage, worker processes cost more (start-up) than they save; a file
# is split in shares between processes only from this size too.
PARALLEL_MIN_BYTES = 32 * 2**20
FLUSH_EVERY = 20_000  # records buffered before they are written to the staging files
# Files made by Ancrage's own generator say so in their first bytes (see ancrage.synth).
SYNTHETIC_MARKERS = (b"ancrage.synth", b"ancrage-synth")
# Staging files live for one load and are read once: neither compressed nor with statistics
_STAGING: dict[str, Any] = {
    "compression": "none",
    "write_statistics": False,
}
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
    notes: list[str] = field(default_factory=list)  # French, one line each


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


@dataclass(frozen=True)
class _Job:
    """A file (or share ``k`` of ``n`` of a file) to stage: picklable, so staging can run in a
    worker process."""

    path: Path
    source_name: str
    sha256: str
    stage: Path
    today: dt.date
    share: tuple[int, int] = (0, 1)

    @property
    def file_id(self) -> str:
        return self.sha256[:20]

    @property
    def key(self) -> str:
        return f"{self.path}#{self.share[0]}"

    def split(self, n: int) -> list[_Job]:
        """The ``n`` shares of the file, each staged in a folder of its own."""
        if n <= 1:
            return [self]
        return [replace(self, stage=self.stage / f"part-{k}", share=(k, n)) for k in range(n)]


@dataclass(frozen=True)
class _Staged:
    staged: dict[str, list[Path]]  # table -> staged Parquet files (one per share)
    read: int
    quarantined: int
    rules: dict[str, int] = field(default_factory=dict)  # fix rules used (lookups.usage)

    @staticmethod
    def merge(shares: Sequence[_Staged]) -> _Staged:
        rules: dict[str, int] = {}
        for share in shares:
            for key, n in share.rules.items():
                rules[key] = rules.get(key, 0) + n
        return _Staged(
            {t: [p for s in shares for p in s.staged[t]] for t in shares[0].staged},
            sum(s.read for s in shares),
            sum(s.quarantined for s in shares),
            rules,
        )


def default_workers() -> int:
    """Processes for a load: one per core, at most 4 (each holds a few hundred MB)."""
    return max(1, min(os.cpu_count() or 1, 4))


def load_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    progress: LoadProgress | None = None,
    source_format: str | None = None,
    today: dt.date | None = None,
    workers: int = 1,
    parallel_min_bytes: int | None = None,
) -> LoadResult:
    """Load files; a bad file is reported and the others still load.

    With ``workers > 1``, files are read and normalised in parallel processes (one file per
    process; when there are fewer files than workers, a file whose format can be read in shares
    is staged by several processes, each normalising its share). Files are committed in the
    order given, :data:`COMMIT_EVERY` at a time (one new generation each), so that a file costs
    the same whatever the number of files already loaded. Files that add up to less than
    ``parallel_min_bytes`` (default :data:`PARALLEL_MIN_BYTES`) are staged in this process.
    ``result.notes`` says what the warehouse repaired on the way in (an interrupted load…).
    """
    result = LoadResult()
    warehouse = Warehouse(settings)
    day = today or dt.date.today()
    min_bytes = PARALLEL_MIN_BYTES if parallel_min_bytes is None else parallel_min_bytes
    with terminated_as_interrupt(), warehouse.writing() as con:
        result.notes += warehouse.notes
        run_stage = warehouse.staging_dir / f"load-{uuid.uuid4().hex[:12]}"
        try:
            outcomes: list[FileReport | AncrageError | _Job] = []
            for path in map(Path, paths):
                stop_if_signalled()
                try:
                    outcomes.append(_prepare(warehouse, con, path, source_format, day, run_stage))
                except AncrageError as exc:
                    outcomes.append(exc)
            jobs = [o for o in outcomes if isinstance(o, _Job)]
            staged = _run_jobs(jobs, progress, workers, min_bytes)
            _commit_all(warehouse, con, outcomes, staged, result)
        finally:
            shutil.rmtree(run_stage, ignore_errors=True)
    return result


COMMIT_EVERY = 500  # files committed together (one new generation of the tables)


def _commit_all(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    outcomes: list[FileReport | AncrageError | _Job],
    staged: dict[_Job, _Staged | AncrageError],
    result: LoadResult,
) -> None:
    """De-duplicate and place the files' parts, then commit them in batches."""
    batch = _Batch(con)
    for outcome in outcomes:
        stop_if_signalled()
        try:
            if isinstance(outcome, AncrageError):
                raise outcome
            report = (
                _commit(warehouse, batch, outcome, staged[outcome])
                if isinstance(outcome, _Job)
                else outcome
            )
        except AncrageError as exc:
            result.errors.append(exc)
            continue
        finally:
            if isinstance(outcome, _Job):
                shutil.rmtree(outcome.stage, ignore_errors=True)
        result.reports.append(report)
        if len(batch.records) >= COMMIT_EVERY:
            batch.flush(warehouse)
    batch.flush(warehouse)
    con.execute("DROP TABLE _run_keys")


class _Batch:
    """Files placed but not committed yet: their manifest rows, and the contracts they brought
    (to recognise duplicates in the next files without re-reading every part)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.records: list[dict[str, Any]] = []
        con.execute("CREATE OR REPLACE TEMP TABLE _run_keys (contract_id VARCHAR)")

    def find(self, sha256: str) -> dict[str, Any] | None:
        found = Warehouse.find_file(self.con, sha256)
        return found or next((r for r in self.records if r["sha256"] == sha256), None)

    def add(self, warehouse: Warehouse, record: dict[str, Any]) -> None:
        if not self.records:
            warehouse.begin_commit(self.con)
        self.records.append(record)

    def flush(self, warehouse: Warehouse) -> None:
        if self.records:
            warehouse.materialise(self.con, self.records)
            self.records = []




def _already_loaded(path: Path, source_name: str, known: dict[str, Any]) -> FileReport:
    return FileReport(
        file=str(path),
        detected_format=source_name,
        read=known["read"],
        loaded=0,
        repaired=0,
        quarantined=known["quarantined"],
        duplicates=known["read"] - known["quarantined"],
        already_loaded=True,
    )


def _prepare(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source_format: str | None,
    today: dt.date,
    run_stage: Path,
) -> FileReport | _Job:
    check_regular(path)
    source = by_name(source_format) if source_format else detect(path)
    sha = file_digest(path)
    known = warehouse.find_file(con, sha)
    if known is not None:
        return _already_loaded(path, source.name, known)
    # the folder is made when the file is staged (10,000 files do not make 10,000 folders)
    return _Job(path, source.name, sha, run_stage / f"{sha[:20]}-{uuid.uuid4().hex[:8]}", today)


def _run_jobs(
    files: list[_Job], progress: LoadProgress | None, workers: int, min_bytes: int
) -> dict[_Job, _Staged | AncrageError]:
    """Stage the files (in ``workers`` processes); a file's result, or the error that stopped
    it."""
    out: dict[_Job, _Staged | AncrageError] = {}
    small = sum(job.path.stat().st_size for job in files) < min_bytes
    split = {
        job: job.split(_shares(job, workers // max(len(files), 1), min_bytes)) for job in files
    }
    one_job = len(files) <= 1 and all(len(shares) == 1 for shares in split.values())
    if workers <= 1 or small or one_job:
        for job in files:
            stop_if_signalled()
            try:
                out[job] = _stage_job(job, progress)
            except AncrageError as exc:
                out[job] = exc
        return out
    jobs = [share for shares in split.values() for share in shares]
    total = sum(job.path.stat().st_size for job in jobs)  # each share reads the whole file
    results: dict[_Job, _Staged | AncrageError] = {}
    if progress:
        progress.start_file(f"{len(files)} fichier(s) ({workers} processus)", total)
    context = mp.get_context("spawn")
    done = context.RawArray("q", len(jobs))  # bytes read by each job (no manager process)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=workers_init,
        initargs=(os.getpid(), done),
    )
    try:
        futures = {
            pool.submit(_stage_job_in_worker, job, i): (i, job) for i, job in enumerate(jobs)
        }
        pending = set(futures)
        while pending:
            stop_if_signalled()
            finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if progress:
                progress.advance(sum(done))
            for future in finished:
                i, job = futures[future]
                try:
                    results[job] = future.result()
                except AncrageError as exc:
                    results[job] = exc
                done[i] = job.path.stat().st_size
    except BaseException:  # interrupted: stop the workers now rather than let them finish
        for process in list(pool._processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    if progress:
        progress.end_file()
    for file, shares in split.items():
        parts = [results[share] for share in shares]
        errors = [r for r in parts if isinstance(r, AncrageError)]
        out[file] = (
            errors[0] if errors else _Staged.merge([r for r in parts if isinstance(r, _Staged)])
        )
    return out


def _shares(job: _Job, processes: int, min_bytes: int) -> int:
    """In how many shares to stage a file with ``processes`` processes for it: one unless its
    format can be read in shares and it has ``min_bytes`` at least."""
    if processes <= 1 or not by_name(job.source_name).shares:
        return 1
    return processes if job.path.stat().st_size >= min_bytes else 1


_DONE: Any = None  # in a worker: the shared array of bytes read per job


def workers_init(parent: int, done: Any) -> None:
    """In each worker, first: die with the parent (a killed load leaves no process behind),
    and keep the shared progress array."""
    global _DONE
    _DONE = done
    die_with_parent(parent)


class _SharedProgress:
    """Progress of one job in a worker, written to the shared array at most 4 times a second."""

    def __init__(self, index: int) -> None:
        self.index, self.last = index, 0.0

    def start_file(self, name: str, total_bytes: int) -> None:
        pass

    def advance(self, bytes_done: int) -> None:
        now = time.monotonic()
        if now - self.last > 0.25:
            _DONE[self.index] = bytes_done
            self.last = now

    def end_file(self) -> None:
        pass


def _stage_job_in_worker(job: _Job, index: int) -> _Staged:
    return _stage_job(job, _SharedProgress(index))


def _stage_job(job: _Job, progress: LoadProgress | None) -> _Staged:
    job.stage.mkdir(parents=True, exist_ok=True)
    before = lookups.usage()
    staged, read, norm = _stage(
        by_name(job.source_name),
        job.path,
        job.file_id,
        job.stage,
        progress,
        job.today,
        share=job.share,
    )
    return _Staged(
        {t: [p] for t, p in staged.items()},
        read,
        norm.quarantined_records,
        lookups.usage_since(before),
    )


def _commit(
    warehouse: Warehouse, batch: _Batch, job: _Job, staged: _Staged | AncrageError
) -> FileReport:
    if isinstance(staged, AncrageError):
        raise staged
    known = batch.find(job.sha256)  # the same file twice in one call
    if known is not None:
        return _already_loaded(job.path, job.source_name, known)
    source = by_name(job.source_name)
    report, parts = _finalise(warehouse, batch.con, job, source, staged)
    warehouse.place_parts(job.file_id, parts)
    batch.add(
        warehouse,
        {
            "file_id": job.file_id,
            "sha256": job.sha256,
            "path": str(job.path.resolve()),
            "name": job.path.name,
            "size_bytes": job.path.stat().st_size,
            "detected_format": source.name,
            "synthetic": is_synthetic(job.path),
            "loaded_at": dt.datetime.now(),
            "read": report.read,
            "loaded": report.loaded,
            "repaired": report.repaired,
            "quarantined": report.quarantined,
            "duplicates": report.duplicates,
        },
    )
    record_rules(warehouse.root, job.file_id, staged.rules)
    return report


def _stage(
    source: Source,
    path: Path,
    file_id: str,
    stage: Path,
    progress: LoadProgress | None,
    today: dt.date,
    *,
    share: tuple[int, int] = (0, 1),
) -> tuple[dict[str, Path], int, Normaliser]:
    """Read, normalise and write to staging files the records of a file (or of its share
    ``share``: see :class:`ancrage.sources.base.ReadContext`)."""
    if share != (0, 1) and not source.shares:
        raise ValueError(f"{source.name} cannot be read in shares")
    norm = Normaliser(file_id, source.name, path.name, today=today)
    staged = {t: stage / f"{t}.parquet" for t in TABLES}
    writers = {t: pq.ParquetWriter(p, _staging_schema(t), **_STAGING) for t, p in staged.items()}
    ctx = ReadContext(path, on_progress=progress.advance if progress else None, share=share)
    if progress:
        progress.start_file(path.name, path.stat().st_size)
    read = 0
    # The records are acyclic: the cyclic garbage collector would only rescan the buffered rows
    # again and again (a third of the CPU time); reference counting frees everything anyway.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        batch: list[RawContract] = []
        # position of each record: among the items of the file when the reader says (shares),
        # else among the records the reader yielded
        positions: list[int] = []
        count = 0
        for raw in source.read(path, ctx):
            batch.append(raw)
            positions.append(count if ctx.position is None else ctx.position)
            count += 1
            if len(batch) == BATCH_SIZE:
                norm.add_batch(positions, batch)
                batch, positions = [], []
                if count % FLUSH_EVERY == 0:
                    read += _flush(norm, ctx, writers)
        norm.add_batch(positions, batch)
        read += count + _flush(norm, ctx, writers)
    except AncrageError:
        raise
    except Exception as exc:  # a reader bug must not become a traceback nor a half load
        raise InputFileError(
            f"erreur inattendue en lisant le fichier ({type(exc).__name__}: {exc})",
            file=path,
            hint="Rien n'a été chargé. Signalez le problème avec ce fichier.",
        ) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
        for w in writers.values():
            w.close()
        if progress:
            progress.end_file()
    return staged, read, norm


def _flush(norm: Normaliser, ctx: ReadContext, writers: dict[str, pq.ParquetWriter]) -> int:
    """Write buffered rows to the staging files; return the number of rejections moved."""
    rejected = 0
    for rej in ctx.rejections:
        if rej.field is None:  # the whole item is not a record: quarantined, counted as read
            norm.reject(rej.ref, rej.record_id, rej.field, rej.raw_value, rej.reason)
            rejected += 1
        else:  # one field of a record that was still read: the value was dropped
            norm.repairs.append(
                {
                    "file_id": norm.file_id,
                    "source_file": norm.source_file,
                    "source_record": rej.ref,
                    "contract_id": None,
                    "field": rej.field,
                    "raw_value": rej.raw_value,
                    "new_value": None,
                    "rule": "wrong_type_dropped",
                    RECORD_POS: None,
                }
            )
    ctx.rejections.clear()
    contracts, tables = norm.drain_columns()
    if contracts[CONTRACT_KEY]:
        schema = writers["contracts"].schema
        arrays = [pa.array(contracts[f.name], type=f.type) for f in schema]
        writers["contracts"].write_table(pa.Table.from_arrays(arrays, schema=schema))
    for table, rows in tables.items():
        if rows:
            writers[table].write_table(_to_arrow(rows, writers[table].schema))
    return rejected


def _to_arrow(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows to an Arrow table, column by column (several times faster than from_pylist)."""
    getter = itemgetter(*schema.names)
    columns = zip(*map(getter, rows), strict=True)
    arrays = [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)


def _finalise(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    job: _Job,
    source: Source,
    result: _Staged,
) -> tuple[FileReport, dict[str, Path]]:
    """De-duplicate within the file and against the warehouse; write the file's parts."""
    path, staged, read = job.path, result.staged, result.read
    src = {
        t: "read_parquet([" + ", ".join(sql_str(str(p)) for p in ps) + "])"
        for t, ps in staged.items()
    }
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _keep AS
        SELECT record_pos, contract_id FROM (
            SELECT record_pos, contract_id, row_number() OVER (
                PARTITION BY contract_id
                ORDER BY publication_date DESC NULLS LAST, n_modifications DESC, record_pos DESC
            ) AS rn FROM {src["contracts"]}
        ) WHERE rn = 1"""
    )
    # known: contracts of the current generation (every committed file's), and of the files
    # of this run not committed yet; never a read of every part (a cost growing with the files)
    current = sql_str(str(warehouse.table_path(con, "contracts")))
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _known AS
        SELECT k.record_pos FROM _keep k
        SEMI JOIN (SELECT contract_id FROM read_parquet({current})
            UNION ALL SELECT contract_id FROM _run_keys) c USING (contract_id)"""
    )
    row = con.execute(
        f"""SELECT
            (SELECT count(*) FROM {src["contracts"]}),
            (SELECT count(*) FROM _keep),
            (SELECT count(*) FROM _known),
            (SELECT count(DISTINCT record_pos) FROM {src["repairs"]}
                WHERE record_pos IN (SELECT record_pos FROM _keep)
                AND record_pos NOT IN (SELECT record_pos FROM _known)),
            {", ".join(f"(SELECT count(*) FROM {src[t]})" for t in TABLES)}"""
    ).fetchone()
    assert row is not None
    staged_n, kept, known, repaired, *rows = (int(v) for v in row)
    staged_rows = dict(zip(TABLES, rows, strict=True))
    quarantined = result.quarantined
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
        if not staged_rows[table]:  # no part (a small file's empty tables cost nothing)
            continue
        out = job.stage / f"final-{table}.parquet"
        cols = ", ".join(f"t.{c}" for c in TABLES[table].names)
        where = {
            "quarantine": "",
            # field-level problems reported by the reader are not tied to a kept record
            "repairs": "WHERE t.record_pos IS NULL"
            " OR t.record_pos IN (SELECT record_pos FROM _keep)",
        }.get(table, "SEMI JOIN _keep k ON t.record_pos = k.record_pos")
        con.execute(
            f"COPY (SELECT {cols} FROM {src[table]} t {where}) TO {sql_str(str(out))}"
            " (FORMAT parquet, COMPRESSION zstd)"
        )
        parts[table] = out
    con.execute("INSERT INTO _run_keys SELECT contract_id FROM _keep")
    con.execute("DROP TABLE _keep")
    con.execute("DROP TABLE _known")
    return report, parts

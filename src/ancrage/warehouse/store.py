"""Layout and life cycle of the warehouse in the data home.

```
<home>/warehouse/
  ancrage.duckdb                     loaded_files (manifest), state, views over the tables
  parts/<table>/<file_id>.parquet    rows of each loaded file, immutable
  tables/gen-<n>/<table>.parquet     canonical tables, de-duplicated across files
  staging/                           work in progress (removed after each load)
  tmp/                               DuckDB's spill files while a write runs (memory limit)
  .lock                              one writer at a time
```

A load writes its parts, then records the file in ``loaded_files`` in one transaction: a crash
before that leaves only orphan parts, which are ignored and swept. The canonical tables are then
re-materialised into a new generation and the views switched to it in one transaction.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ancrage.errors import WarehouseError
from ancrage.model import TABLES
from ancrage.settings import Settings
from ancrage.sql import sql_str

# How the canonical ``contracts`` table picks one version of a contract published several times
# (same kind, buyer and id; in one file or in several): the most recently published data first,
# then the version with the most modifications, then the file loaded last.
DEDUP_ORDER = "publication_date DESC NULLS LAST, n_modifications DESC, _seq DESC"

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS loaded_files (
    file_id VARCHAR PRIMARY KEY,
    seq INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    detected_format VARCHAR NOT NULL,
    synthetic BOOLEAN NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    read INTEGER NOT NULL,
    loaded INTEGER NOT NULL,
    repaired INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    duplicates INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS state (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
"""


class Warehouse:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.warehouse_dir
        self.db_path = self.root / "ancrage.duckdb"
        self.parts_dir = self.root / "parts"
        self.tables_dir = self.root / "tables"
        self.staging_dir = self.root / "staging"
        self.enriched_dir = self.root / "enriched"

    def exists(self) -> bool:
        return self.db_path.exists()

    # -- connections ---------------------------------------------------------------------------
    def connect(self, *, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection with the canonical tables as views. Read-only by default."""
        empty = WarehouseError(
            "l'entrepôt est vide",
            file=self.root,
            hint="Chargez d'abord des données : ancrage load FICHIER… (ou ancrage demo).",
        )
        if not self.exists():
            raise empty
        try:
            con = duckdb.connect(str(self.db_path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseError(
                "l'entrepôt est occupé par un autre processus",
                file=self.db_path,
                hint="Attendez la fin du chargement en cours, puis relancez.",
            ) from exc
        # no progress bar of DuckDB's own on stdout (a server's log, the CLI's rich output)
        con.execute("SET enable_progress_bar = false")
        try:
            tables = self.generation(con)
        except duckdb.CatalogException:  # a first load killed before it created its tables
            tables = None
        if tables is None:
            con.close()
            raise empty
        self._check_views(con, read_only=read_only)
        self.attach_enriched(con)
        return con

    def attach_enriched(self, con: duckdb.DuckDBPyConnection) -> None:
        """Derived tables (``enriched/<name>.parquet``, written by enrichment) as temp views."""
        if self.enriched_dir.is_dir():
            for path in sorted(self.enriched_dir.glob("*.parquet")):
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {path.stem} AS"
                    f" SELECT * FROM read_parquet({sql_str(str(path))})"
                )

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Exclusive write access (a file lock), with the schema in place."""
        self.settings.ensure()
        for d in (self.root, self.parts_dir, self.tables_dir, self.staging_dir):
            d.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise WarehouseError(
                    "un autre chargement est en cours sur cet entrepôt",
                    file=self.root,
                    hint="Attendez qu'il se termine, puis relancez.",
                ) from exc
            con = duckdb.connect(
                str(self.db_path),
                # bounded memory whatever the warehouse size: sorts and joins spill to disk
                config={
                    "memory_limit": self.settings.memory_limit,
                    "temp_directory": str(self.root / "tmp"),
                },
            )
            try:
                con.execute(_SCHEMA_SQL)
                if self.generation(con) is None or self.stale(con):
                    self.materialise(con)
                self.sweep(con)
                self.attach_enriched(con)
                yield con
            finally:
                con.close()
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- manifest ----------------------------------------------------------------------------
    @staticmethod
    def generation(con: duckdb.DuckDBPyConnection) -> int | None:
        row = con.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def stale(con: duckdb.DuckDBPyConnection) -> bool:
        """True when files were committed after the last materialisation (a crash in between)."""
        row = con.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM loaded_files)::VARCHAR"
            " <> coalesce((SELECT value FROM state WHERE key = 'files_seq'), '0')"
        ).fetchone()
        return bool(row and row[0])

    @staticmethod
    def find_file(con: duckdb.DuckDBPyConnection, sha256: str) -> dict[str, Any] | None:
        cur = con.execute("SELECT * FROM loaded_files WHERE sha256 = ?", [sha256])
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        return dict(zip(names, row, strict=True))

    def part_path(self, table: str, file_id: str) -> Path:
        return self.parts_dir / table / f"{file_id}.parquet"

    def commit_file(
        self, con: duckdb.DuckDBPyConnection, record: dict[str, Any], staged: dict[str, Path]
    ) -> None:
        """Move the staged parts in place, then record the file: atomic for readers."""
        for table, path in staged.items():
            target = self.part_path(table, record["file_id"])
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
        seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM loaded_files").fetchone()
        assert seq is not None
        cols = ["seq", *record]
        con.execute(
            f"INSERT INTO loaded_files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [seq[0], *record.values()],
        )

    def sweep(self, con: duckdb.DuckDBPyConnection) -> None:
        """Remove parts of files that never got committed, staging leftovers and old generations."""
        committed = {r[0] for r in con.execute("SELECT file_id FROM loaded_files").fetchall()}
        for table in TABLES:
            folder = self.parts_dir / table
            if folder.is_dir():
                for part in folder.glob("*.parquet"):
                    if part.stem not in committed:
                        part.unlink()
        for leftover in self.staging_dir.glob("*"):
            shutil.rmtree(leftover, ignore_errors=True)
        current = self.generation(con)
        for gen in self.tables_dir.glob("gen-*"):
            if gen.name != f"gen-{current}":
                shutil.rmtree(gen, ignore_errors=True)

    # -- canonical tables --------------------------------------------------------------------
    def materialise(self, con: duckdb.DuckDBPyConnection) -> None:
        """Rebuild the canonical tables from all committed parts into a new generation."""
        current = self.generation(con)
        new = (current or 0) + 1
        out = self.tables_dir / f"gen-{new}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)

        def parts(table: str) -> str:
            return self.parts_sql(con, table)

        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _winners AS
            SELECT c.contract_id, c.file_id FROM (
                SELECT c.contract_id, c.file_id, row_number() OVER (
                    PARTITION BY c.contract_id ORDER BY {DEDUP_ORDER}) AS _rn
                FROM read_parquet({parts("contracts")}) c
                LEFT JOIN (SELECT file_id, seq AS _seq FROM loaded_files) f USING (file_id)
            ) c WHERE _rn = 1
            """
        )
        con.execute(
            f"""COPY (
                SELECT c.* FROM read_parquet({parts("contracts")}) c
                SEMI JOIN _winners w ON c.contract_id = w.contract_id AND c.file_id = w.file_id
                ORDER BY notification_year, buyer_id, contract_id
            ) TO {sql_str(str(out / "contracts.parquet"))} (FORMAT parquet, COMPRESSION zstd)"""
        )
        for table in ("contract_suppliers", "modifications", "subcontracting", "repairs"):
            # repairs without a contract (a field the reader could not read) are kept as well
            orphans = (
                f"UNION ALL SELECT * FROM read_parquet({parts(table)}) WHERE contract_id IS NULL"
                if table == "repairs"
                else ""
            )
            con.execute(
                f"""COPY (
                    SELECT t.* FROM read_parquet({parts(table)}) t
                    SEMI JOIN _winners w
                        ON t.contract_id = w.contract_id AND t.file_id = w.file_id
                    {orphans}
                ) TO {sql_str(str(out / f"{table}.parquet"))}
                (FORMAT parquet, COMPRESSION zstd)"""
            )
        con.execute(
            f"""COPY (SELECT * FROM read_parquet({parts("quarantine")}))
            TO {sql_str(str(out / "quarantine.parquet"))} (FORMAT parquet, COMPRESSION zstd)"""
        )
        con.execute("DROP TABLE _winners")
        con.execute("BEGIN TRANSACTION")
        try:
            self._create_views(con, out)
            con.execute(
                "INSERT OR REPLACE INTO state VALUES ('generation', ?), ('home', ?),"
                " ('files_seq', (SELECT coalesce(max(seq), 0) FROM loaded_files)::VARCHAR)",
                [str(new), str(self.root)],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if current is not None:
            shutil.rmtree(self.tables_dir / f"gen-{current}", ignore_errors=True)

    def parts_sql(self, con: duckdb.DuckDBPyConnection, table: str) -> str:
        """A SQL list of the committed parts of ``table`` (an empty file when there are none)."""
        files = [r[0] for r in con.execute("SELECT file_id FROM loaded_files").fetchall()]
        paths = [p for f in files if (p := self.part_path(table, f)).exists()]
        if not paths:
            empty = self.root / "empty" / f"{table}.parquet"
            empty.parent.mkdir(parents=True, exist_ok=True)
            schema = TABLES[table]
            pq.write_table(pa.table({n: [] for n in schema.names}, schema=schema), empty)
            paths = [empty]
        return "[" + ", ".join(sql_str(str(p)) for p in paths) + "]"

    @staticmethod
    def _create_views(con: duckdb.DuckDBPyConnection, gen_dir: Path) -> None:
        for table in TABLES:
            path = sql_str(str(gen_dir / f"{table}.parquet"))
            con.execute(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM read_parquet({path})")

    def table_path(self, con: duckdb.DuckDBPyConnection, table: str) -> Path:
        return self.tables_dir / f"gen-{self.generation(con)}" / f"{table}.parquet"

    def _check_views(self, con: duckdb.DuckDBPyConnection, *, read_only: bool) -> None:
        """Re-point the views when the data home was moved."""
        row = con.execute("SELECT value FROM state WHERE key = 'home'").fetchone()
        if row is None or row[0] == str(self.root):
            return
        gen_dir = self.tables_dir / f"gen-{self.generation(con)}"
        if read_only:
            for table in TABLES:
                path = sql_str(str(gen_dir / f"{table}.parquet"))
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM read_parquet({path})"
                )
        else:
            self._create_views(con, gen_dir)
            con.execute("INSERT OR REPLACE INTO state VALUES ('home', ?)", [str(self.root)])

"""Layout and life cycle of the warehouse in the data home.

```
<home>/warehouse/
  ancrage.duckdb                     loaded_files (manifest), state, views over the tables
  parts/<table>/<file_id>.parquet    rows of each loaded file, immutable
  tables/gen-<n>/<table>.parquet     canonical tables, de-duplicated across files
  enriched/gen-<n>/<table>.parquet   tables of the enrichment (one generation at a time)
  enriched/<table>.parquet           accounting exports (spend), rewritten by each spend load
  staging/                           work in progress (removed after each load, and at start)
  tmp/                               DuckDB's spill files while a write runs (memory limit)
  .lock                              one writer at a time; records who holds it
```

**Generations.** The row ``generation`` of ``state`` is the one pointer readers follow. A commit
writes the parts of its files and the canonical tables of generation N+1 (invisible: nothing
points to them), then, in one DuckDB transaction, adds its files to ``loaded_files``, points the
views to ``tables/gen-<N+1>`` and moves the pointer. A reader sees the manifest and the tables of
one generation, never a mix. Before that, the commit leaves a ``pending`` row: a reader that finds
one reports an interrupted commit; the next writer rolls a load back (its parts and tables are
swept) and finishes a removal of files (its rebuild only depends on what is committed). The
enrichment swaps its tables the same way (row ``enriched``).
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ancrage.errors import WarehouseBusyError, WarehouseError
from ancrage.model import TABLES
from ancrage.settings import Settings
from ancrage.sql import sql_str
from ancrage.warehouse.owner import Owner, duckdb_holder, lock_holders

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


def busy(owner: Owner | None, root: Path) -> WarehouseBusyError:
    """The error of a warehouse another process holds, naming it when it is known."""
    who = f" : {owner.describe()}" if owner is not None else ""
    return WarehouseBusyError(
        f"l'entrepôt est occupé par un autre processus{who}",
        file=root,
        hint="Attendez qu'il se termine, puis relancez.",
    )


class Warehouse:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.warehouse_dir
        self.db_path = self.root / "ancrage.duckdb"
        self.lock_path = self.root / ".lock"
        self.parts_dir = self.root / "parts"
        self.tables_dir = self.root / "tables"
        self.staging_dir = self.root / "staging"
        self.enriched_dir = self.root / "enriched"
        # what a writer found and repaired on its way in (French, one line each)
        self.notes: list[str] = []

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
            raise busy(self._holder(str(exc)), self.db_path) from exc
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

    def _holder(self, duckdb_message: str) -> Owner | None:
        """Who holds the warehouse: the writer the lock records, else the process DuckDB names."""
        if self.lock_path.is_file():
            with self.lock_path.open("r", encoding="utf-8") as lock:
                owner = Owner.read(lock)
            if owner is not None and owner.alive():
                return owner
        return duckdb_holder(duckdb_message)

    def attach_enriched(self, con: duckdb.DuckDBPyConnection) -> None:
        """Derived tables as temp views: the current generation of the enrichment's tables and
        the accounting exports (``enriched/<name>.parquet``)."""
        current = self.enriched_generation()
        paths = sorted(current.glob("*.parquet")) if current is not None else []
        if self.enriched_dir.is_dir():
            paths += sorted(self.enriched_dir.glob("*.parquet"))
        for path in paths:
            con.execute(
                f"CREATE OR REPLACE TEMP VIEW {path.stem} AS"
                f" SELECT * FROM read_parquet({sql_str(str(path))})"
            )

    @contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Exclusive write access (a file lock that records its owner), with the schema in
        place, an interrupted commit finished or rolled back, and leftovers swept."""
        self.settings.ensure()
        for d in (self.root, self.parts_dir, self.tables_dir, self.staging_dir):
            d.mkdir(parents=True, exist_ok=True)
        with self.lock_path.open("a+", encoding="utf-8") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                owner = Owner.read(lock)
                if owner is None or not owner.alive():  # a process that inherited the lock
                    owner = next(map(Owner.of_pid, lock_holders(self.lock_path)), owner)
                raise busy(owner, self.root) from exc
            try:
                previous = Owner.read(lock)
                if previous is not None:  # its owner died holding it (the kernel freed it)
                    self.notes.append(
                        f"verrou de l'entrepôt repris : son détenteur ({previous.describe()})"
                        " s'est arrêté sans le libérer"
                    )
                Owner.me().write(lock)
                yield from self._open_for_writing()
            finally:
                Owner.clear(lock)
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _open_for_writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            con = duckdb.connect(
                str(self.db_path),
                # bounded memory whatever the warehouse size: sorts and joins spill to disk
                config={
                    "memory_limit": self.settings.memory_limit,
                    "temp_directory": str(self.root / "tmp"),
                },
            )
        except duckdb.IOException as exc:  # a reader (export, status…) has it open
            raise busy(duckdb_holder(str(exc)), self.db_path) from exc
        con.execute("SET enable_progress_bar = false")  # no bar of DuckDB's own under rich's
        try:
            con.execute(_SCHEMA_SQL)
            self._recover(con)
            if self.generation(con) is None or self.stale(con):
                self.materialise(con)
            self.sweep(con)
            self.attach_enriched(con)
            yield con
        finally:
            con.close()

    # -- manifest ----------------------------------------------------------------------------
    @staticmethod
    def generation(con: duckdb.DuckDBPyConnection) -> int | None:
        row = con.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def stale(con: duckdb.DuckDBPyConnection) -> bool:
        """True when files were committed after the last materialisation (warehouses written
        before commits were one transaction)."""
        row = con.execute(
            "SELECT (SELECT coalesce(max(seq), 0) FROM loaded_files)::VARCHAR"
            " <> coalesce((SELECT value FROM state WHERE key = 'files_seq'), '0')"
        ).fetchone()
        return bool(row and row[0])

    @staticmethod
    def find_file(con: duckdb.DuckDBPyConnection, sha256: str) -> dict[str, Any] | None:
        cur = con.execute(  # by its key (indexed): a cost that does not grow with the files
            "SELECT * FROM loaded_files WHERE file_id = ? AND sha256 = ?", [sha256[:20], sha256]
        )
        row = cur.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cur.description]
        return dict(zip(names, row, strict=True))

    def part_path(self, table: str, file_id: str) -> Path:
        return self.parts_dir / table / f"{file_id}.parquet"

    def place_parts(self, file_id: str, staged: dict[str, Path]) -> None:
        """Move the final parts of a file in place (orphans until a commit records the file)."""
        for table, path in staged.items():
            target = self.part_path(table, file_id)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)

    # -- commits -----------------------------------------------------------------------------
    @staticmethod
    def pending(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
        """The commit under way (or interrupted): owner, target generation, files to remove."""
        row = con.execute("SELECT value FROM state WHERE key = 'pending'").fetchone()
        return dict(json.loads(row[0])) if row else None

    def begin_commit(self, con: duckdb.DuckDBPyConnection, forget: list[str] | None = None) -> None:
        """Mark a commit as begun (readers report it if it never ends); with ``forget``, the
        files it removes, which the next writer removes if this one is killed."""
        mark = {
            "owner": asdict(Owner.me()),
            "generation": (self.generation(con) or 0) + 1,
            "forget": sorted(forget or []),
        }
        con.execute("INSERT OR REPLACE INTO state VALUES ('pending', ?)", [json.dumps(mark)])

    def _recover(self, con: duckdb.DuckDBPyConnection) -> None:
        """Finish the removal, or roll back the load, that a killed writer left half done."""
        mark = self.pending(con)
        if mark is None:
            return
        since = Owner(**mark["owner"]).describe()
        if mark["forget"]:
            self.materialise(con)
            self.notes.append(
                f"retrait de {len(mark['forget'])} fichier(s) interrompu ({since}) : terminé"
            )
        else:
            con.execute("DELETE FROM state WHERE key = 'pending'")
            self.notes.append(
                f"enregistrement interrompu ({since}) annulé : l'entrepôt reste à la"
                f" génération {self.generation(con) or 0}"
            )

    def interrupted(self, con: duckdb.DuckDBPyConnection) -> str | None:
        """For readers: a French line when a commit was interrupted (what they read is the last
        complete generation)."""
        mark = self.pending(con)
        if mark is None:
            return None
        since = Owner(**mark["owner"]).describe()
        return (
            f"un enregistrement dans l'entrepôt a été interrompu ({since}) : les données"
            f" montrées sont celles de la génération {self.generation(con) or 0}, la dernière"
            " complète ; le prochain chargement le terminera ou l'annulera"
        )

    def interrupted_note(self) -> str | None:
        """:meth:`interrupted`, for a reader that has no connection open (None when the
        warehouse is empty or busy: opening it says so)."""
        if not self.exists():
            return None
        try:
            con = self.connect()
        except WarehouseError:
            return None
        try:
            return self.interrupted(con)
        finally:
            con.close()

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
        enriched = self.enriched_generation()
        for gen in self.enriched_dir.glob("gen-*"):
            if gen != enriched:
                shutil.rmtree(gen, ignore_errors=True)

    # -- canonical tables --------------------------------------------------------------------
    def materialise(
        self, con: duckdb.DuckDBPyConnection, added: list[dict[str, Any]] | None = None
    ) -> None:
        """Build the canonical tables of a new generation from the committed files, less those
        a pending removal forgets, plus ``added`` (rows for ``loaded_files``, their parts in
        place), then switch to it in one transaction: manifest, views and pointer."""
        added = added or []
        mark = self.pending(con)
        forget = list(mark["forget"]) if mark else []
        current = self.generation(con)
        new = (current or 0) + 1
        out = self.tables_dir / f"gen-{new}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        seqs = con.execute(
            "SELECT file_id, seq FROM loaded_files WHERE NOT list_contains(?, file_id)"
            " ORDER BY seq",
            [forget],
        ).fetchall()
        top = int(con.execute("SELECT coalesce(max(seq), 0) FROM loaded_files").fetchall()[0][0])
        for i, record in enumerate(added, 1):
            seqs.append((record["file_id"], top + i))
        files = pa.table(
            {"file_id": [f for f, _ in seqs], "_seq": [q for _, q in seqs]},
            schema=pa.schema([("file_id", pa.string()), ("_seq", pa.int64())]),
        )
        con.register("_files", files)
        # Adding files to a complete generation: its tables already hold the winners of every
        # committed file, so they are read with the new parts only (the cost of a commit follows
        # the rows, not the number of files); a removal rebuilds from every part.
        previous = self.tables_dir / f"gen-{current}"
        incremental = bool(added) and not forget and (previous / "contracts.parquet").is_file()
        ids = [r["file_id"] for r in added] if incremental else [f for f, _ in seqs]

        def parts(table: str) -> str:
            base = [previous / f"{table}.parquet"] if incremental else []
            return self.parts_sql(table, ids, base)

        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _winners AS
            SELECT c.contract_id, c.file_id FROM (
                SELECT c.contract_id, c.file_id, row_number() OVER (
                    PARTITION BY c.contract_id ORDER BY {DEDUP_ORDER}) AS _rn
                FROM read_parquet({parts("contracts")}) c
                LEFT JOIN _files f USING (file_id)
            ) c WHERE _rn = 1
            """
        )
        con.unregister("_files")
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
            if forget:
                con.execute("DELETE FROM loaded_files WHERE list_contains(?, file_id)", [forget])
            for i, record in enumerate(added, 1):
                cols = ["seq", *record]
                con.execute(
                    f"INSERT INTO loaded_files ({', '.join(cols)})"
                    f" VALUES ({', '.join('?' * len(cols))})",
                    [top + i, *record.values()],
                )
            self._create_views(con, out)
            con.execute(
                "INSERT OR REPLACE INTO state VALUES ('generation', ?), ('home', ?),"
                " ('files_seq', (SELECT coalesce(max(seq), 0) FROM loaded_files)::VARCHAR)",
                [str(new), str(self.root)],
            )
            con.execute("DELETE FROM state WHERE key = 'pending'")  # the switch: one commit
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        if current is not None:
            shutil.rmtree(self.tables_dir / f"gen-{current}", ignore_errors=True)

    def parts_sql(self, table: str, file_ids: list[str], base: Sequence[Path] = ()) -> str:
        """A SQL list of ``base`` and the parts of ``table`` of these files (an empty file when
        there are none)."""
        paths = [*base, *(p for f in file_ids if (p := self.part_path(table, f)).exists())]
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

    # -- enrichment's tables -------------------------------------------------------------------
    def enriched_generation(self) -> Path | None:
        """The folder of the enrichment's current tables (named by ``enriched/current``, replaced
        atomically), None before the first enrichment."""
        try:
            name = (self.enriched_dir / "current").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return self.enriched_dir / name

    def new_enriched_generation(self) -> Path:
        """An empty folder for the enrichment's next tables (invisible until switched to)."""
        current = self.enriched_generation()
        n = int(current.name.removeprefix("gen-")) + 1 if current else 1
        out = self.enriched_dir / f"gen-{n}"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return out

    def switch_enriched(self, folder: Path, tables: Sequence[str]) -> None:
        """Point readers to the enrichment's tables in ``folder``, all at once (``tables``: the
        names the enrichment owns, whose files from before generations are removed)."""
        previous = self.enriched_generation()
        pointer = self.enriched_dir / "current"
        partial = pointer.with_suffix(".part")
        partial.write_text(folder.name, encoding="utf-8")
        partial.replace(pointer)  # the switch
        for table in tables:
            (self.enriched_dir / f"{table}.parquet").unlink(missing_ok=True)
        if previous is not None and previous != folder:
            shutil.rmtree(previous, ignore_errors=True)

    def enriched_path(self, table: str) -> Path:
        """Where the enrichment's ``table`` is read from."""
        current = self.enriched_generation()
        if current is not None and (current / f"{table}.parquet").is_file():
            return current / f"{table}.parquet"
        return self.enriched_dir / f"{table}.parquet"

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

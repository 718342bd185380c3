"""The notice store: SQLite at ``<home>/notices/notices.sqlite`` (embedded, zero set-up).

Each notice is kept as a JSON document (orjson) with indexed columns for the filters (status,
deadline in UTC, CPV codes, départements, buyer) and its lots. ``base`` is the notice as read;
``doc`` is the notice after the corrigenda, cancellations and award notices that refer to it
(``NULL`` base: same as doc). The schema is created on first write and versioned with
``PRAGMA user_version``; an older store is migrated when it is first opened
(:mod:`ancrage.notices.migrate`).

``notice_filter`` holds one narrow row per notice with every filtered value (status, deadline,
départements as a bitmap, CPV codes), for searches without words. Schema 3: the full-text index
is a tantivy index beside the store (:mod:`ancrage.notices.index`), derived from it;
``search_state`` holds the store's id and *generation*, incremented with every write to
``notices`` in the same transaction, so that an index that does not reflect the store is
noticed (and rebuilt). The writes give the index documents of the notices they write to an
:class:`~ancrage.notices.index.IndexSink`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import Any, Union, get_args, get_origin, get_type_hints

import orjson

from ancrage.notices.analysis import notice_texts
from ancrage.notices.errors import NoticeMergeError, NoticeNotFoundError, NoticeStoreError
from ancrage.notices.facets import cpv_text, dep_mask
from ancrage.notices.index import IndexSink, TextEntry, seconds
from ancrage.notices.lock import writer_lock
from ancrage.notices.merge import apply_change
from ancrage.notices.model import (
    Notice,
    cpv_codes,
    departements,
    display_id,
    reference_ids,
    status_of,
)
from ancrage.settings import Settings

SCHEMA_VERSION = 5
CHANGE_KINDS = ("corrigendum", "cancellation", "award")

_SCHEMA = """
CREATE TABLE notices (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
    publication_date TEXT,
    deadline_utc TEXT,
    estimated_value REAL,
    currency TEXT,
    buyer_siret TEXT,
    buyer_name TEXT,
    cpv_main TEXT,
    changes_notice TEXT,
    procedure_id TEXT,
    base_sha TEXT NOT NULL,
    base BLOB,
    doc BLOB NOT NULL,
    file TEXT,
    record TEXT,
    public_id TEXT NOT NULL
);
CREATE INDEX notices_public ON notices (public_id);
CREATE INDEX notices_deadline ON notices (deadline_utc);
CREATE INDEX notices_status_deadline ON notices (status, deadline_utc);
CREATE INDEX notices_publication ON notices (publication_date);
CREATE INDEX notices_changes ON notices (changes_notice);
CREATE INDEX notices_procedure ON notices (procedure_id);
CREATE TABLE notice_cpv (
    cpv TEXT NOT NULL, notice_rowid INTEGER NOT NULL, PRIMARY KEY (cpv, notice_rowid)
) WITHOUT ROWID;
CREATE INDEX notice_cpv_notice ON notice_cpv (notice_rowid);
CREATE TABLE notice_dep (
    dep TEXT NOT NULL, notice_rowid INTEGER NOT NULL, origin TEXT NOT NULL,
    PRIMARY KEY (dep, notice_rowid)
) WITHOUT ROWID;
CREATE INDEX notice_dep_notice ON notice_dep (notice_rowid);
CREATE TABLE lots (
    notice_rowid INTEGER NOT NULL,
    position INTEGER NOT NULL,
    number TEXT,
    title TEXT,
    cpv_main TEXT,
    estimated_value REAL,
    deadline_utc TEXT,
    PRIMARY KEY (notice_rowid, position)
) WITHOUT ROWID;
CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    file TEXT NOT NULL,
    record TEXT NOT NULL,
    record_id TEXT,
    field TEXT,
    raw_value TEXT,
    reason TEXT NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    read INTEGER NOT NULL,
    loaded INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    loaded_at TEXT NOT NULL
);
CREATE TABLE notice_filter (
    rowid INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    deadline_utc TEXT,
    deps_lo INTEGER NOT NULL,
    deps_hi INTEGER NOT NULL,
    cpvs TEXT NOT NULL
);
CREATE TABLE search_state (store_id TEXT NOT NULL, generation INTEGER NOT NULL);
INSERT INTO search_state (store_id, generation) VALUES (lower(hex(randomblob(16))), 0);
"""


def store_path(settings: Settings) -> Path:
    return settings.home / "notices" / "notices.sqlite"


# ---------------------------------------------------------------- JSON documents


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dump_notice(notice: Notice) -> bytes:
    """The notice as a JSON document (keys sorted, so equal notices give equal bytes)."""
    return orjson.dumps(notice, default=_default, option=orjson.OPT_SORT_KEYS)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _identity(value: Any) -> Any:
    return value


def _optional(decode: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if decode is _identity:
        return decode
    return lambda value: None if value is None else decode(value)


@cache
def _decoder(tp: Any) -> Callable[[Any], Any]:
    """A function turning the JSON value of type ``tp`` back into ``tp`` (``None`` stays
    ``None``); built once per type, so reading a notice does not inspect its types again."""
    origin = get_origin(tp)
    args = get_args(tp)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in args if a is not type(None)]
        return _decoder(inner)
    if origin is list:
        item = _decoder(args[0])
        if item is _identity:
            return _optional(list)
        return _optional(lambda value: [item(v) for v in value])
    if origin is tuple:
        parts = [_decoder(a) for a in args]
        return _optional(lambda value: tuple(d(v) for d, v in zip(parts, value, strict=True)))
    if isinstance(tp, type) and is_dataclass(tp):
        hints = _hints(tp)
        plain = [f.name for f in fields(tp) if _decoder(hints[f.name]) is _identity]
        typed = [
            (f.name, _decoder(hints[f.name]))
            for f in fields(tp)
            if _decoder(hints[f.name]) is not _identity
        ]

        def decode_dataclass(value: Any) -> Any:
            kwargs = {name: value[name] for name in plain}
            for name, decode in typed:
                kwargs[name] = decode(value[name])
            return tp(**kwargs)

        return _optional(decode_dataclass)
    if tp is Decimal:
        return _optional(Decimal)
    if tp is datetime:
        return _optional(datetime.fromisoformat)
    if tp is date:
        return _optional(date.fromisoformat)
    return _identity


def _decode(tp: Any, value: Any) -> Any:
    return _decoder(tp)(value)


def load_notice(doc: bytes) -> Notice:
    """A notice back from its JSON document."""
    notice = _decode(Notice, orjson.loads(doc))
    assert isinstance(notice, Notice)
    return notice


# ---------------------------------------------------------------- derived columns


def utc_text(value: datetime | None) -> str | None:
    """Sortable UTC text, ``YYYY-MM-DDTHH:MM:SSZ``."""
    return None if value is None else value.astimezone(UTC).isoformat()[:19] + "Z"


def _amount(notice: Notice) -> tuple[float | None, str | None]:
    value = notice.estimated_value
    return (None, None) if value is None else (float(value.amount), value.currency)


# ---------------------------------------------------------------- the store


KEPT_READERS = 4  # read-only connections kept open per thread (the last stores read)
_readers = threading.local()


class NoticeStore:
    """Open with :meth:`writing` (creates the schema) or :meth:`reading`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = store_path(settings)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, isolation_level=None)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA cache_size = -65536")  # 64 MiB page cache
        con.execute("PRAGMA temp_store = MEMORY")
        return con

    def _check_version(self, con: sqlite3.Connection) -> int:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise NoticeStoreError(
                f"la base des avis est au format {version}, plus récent que celui d'Ancrage "
                f"({SCHEMA_VERSION})",
                file=self.path,
                hint="Mettez Ancrage à jour.",
            )
        return version

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """The store to write to, schema in place, for this process alone (another load gets
        :class:`NoticeStoreBusyError` at once, naming this one)."""
        self.settings.ensure()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with writer_lock(self.path.parent), self._writing() as con:
            yield con

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        # loads insert into the indexes of a store that grows to GBs: a bigger page cache keeps
        # their inner pages in memory (1M notices: 4,495 → 4,858 notices/s, docs/notices.md)
        con.execute("PRAGMA cache_size = -262144")  # 256 MiB
        try:
            version = self._check_version(con)
            if version == 0:
                con.execute("BEGIN")
                con.executescript(_SCHEMA)  # executescript commits
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif version < SCHEMA_VERSION:
                from ancrage.notices.migrate import migrate

                migrate(con, version)
            yield con
        finally:
            con.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only connection. The thread's last ones are kept open and given again
        (:data:`KEPT_READERS`, per file): opening one and reading the schema costs more than
        a lookup by id. A kept connection holds no snapshot (no transaction between uses), so
        loads and checkpoints go on beside it (WAL)."""
        try:
            st = self.path.stat()
        except OSError:
            st = None
        if st is None or not S_ISREG(st.st_mode):
            raise NoticeStoreError(
                "aucun avis chargé",
                file=self.path,
                hint="Chargez des avis avec « ancrage notice load FICHIER… ».",
            )
        key = (str(self.path), st.st_dev, st.st_ino)
        kept: OrderedDict[tuple[str, int, int], sqlite3.Connection] = (
            getattr(_readers, "kept", None) or OrderedDict()
        )
        _readers.kept = kept
        con = kept.pop(key, None)
        if con is None:
            con = self._open_reader()
        elif con.in_transaction:  # left by a caller interrupted mid-way
            con.rollback()
        try:
            yield con
        except BaseException:
            con.close()
            raise
        kept[key] = con
        while len(kept) > KEPT_READERS:
            kept.popitem(last=False)[1].close()

    def _open_reader(self) -> sqlite3.Connection:
        con = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        if 0 < self._check_version(con) < SCHEMA_VERSION:  # an older store: migrate it first
            con.close()
            with self.writing():
                pass
            con = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True)
        if self._check_version(con) == 0:
            con.close()
            raise NoticeStoreError(
                "la base des avis est vide",
                file=self.path,
                hint="Chargez des avis avec « ancrage notice load FICHIER… ».",
            )
        return con

    def get(self, reference: str) -> Notice:
        """The notice as it stands (changes applied), by the id users know (``boamp:26-7319``,
        ``ted:00047522-2024``, also without prefix or leading zeros) or by its stable id (TED:
        notice UUID and version)."""
        with self.reading() as con:
            row = find_doc(con, reference)
        if row is None:
            raise NoticeNotFoundError(
                f"aucun avis « {reference} » dans la base des avis",
                hint="Donnez le numéro d'avis BOAMP (ex. boamp:26-7113) ou le numéro de "
                "publication TED (ex. ted:00047522-2024) ; cherchez-les avec « ancrage notice "
                "search ».",
            )
        return load_notice(row)


def find_doc(con: sqlite3.Connection, reference: str) -> bytes | None:
    """The document of the notice a user's reference names (:func:`reference_ids`)."""
    for candidate in reference_ids(reference):
        row = con.execute(
            "SELECT doc FROM notices WHERE id = ? UNION ALL SELECT * FROM "
            "(SELECT doc FROM notices WHERE public_id = ? ORDER BY rowid DESC) LIMIT 1",
            (candidate, candidate),
        ).fetchone()
        if row is not None:
            return bytes(row[0])
    return None


def put_notice(
    con: sqlite3.Connection,
    notice: Notice,
    *,
    file: str | None = None,
    record: str | None = None,
    sink: IndexSink | None = None,
) -> bool:
    """Insert or update one notice (inside the caller's transaction); apply the changes that
    refer to it, or apply it to the notices it changes. False when the same notice (same
    content) is already stored: nothing is written. The search index documents of the notices
    written go to ``sink`` (without one, the index no longer reflects the store and is rebuilt
    when next searched)."""
    base = dump_notice(notice)
    sha = hashlib.sha256(base).hexdigest()
    row = con.execute("SELECT rowid, base_sha FROM notices WHERE id = ?", (notice.id,)).fetchone()
    if row is not None and row[1] == sha:
        return False
    rowid = None if row is None else int(row[0])
    if notice.kind in CHANGE_KINDS:
        _write(con, rowid, notice, notice, base, sha, file, record, sink)
        for target_id in _targets(con, notice):
            _refresh(con, target_id, sink)
    else:
        current = _with_changes(con, notice)
        _write(con, rowid, current, notice, base, sha, file, record, sink)
    return True


def _targets(con: sqlite3.Connection, change: Notice) -> list[str]:
    found = con.execute(
        f"""SELECT id FROM notices WHERE rowid IN (
            SELECT rowid FROM notices WHERE id = ?
            UNION SELECT rowid FROM notices WHERE procedure_id = ? AND source = ?)
        AND kind NOT IN {CHANGE_KINDS} ORDER BY id""",
        (change.changes_notice, change.procedure_id, change.source),
    ).fetchall()
    return [r[0] for r in found]


def _with_changes(con: sqlite3.Connection, notice: Notice) -> Notice:
    """The notice after every stored change that refers to it, by publication date."""
    rows = con.execute(
        f"""SELECT doc FROM notices WHERE rowid IN (
            SELECT rowid FROM notices WHERE changes_notice = ?
            UNION SELECT rowid FROM notices WHERE procedure_id = ? AND source = ?)
        AND kind IN {CHANGE_KINDS} AND id != ?
        ORDER BY publication_date NULLS FIRST, id""",
        (notice.id, notice.procedure_id, notice.source, notice.id),
    ).fetchall()
    current = notice
    for (doc,) in rows:
        try:
            current = apply_change(current, load_notice(doc))
        except NoticeMergeError:
            continue
    return current


def _refresh(con: sqlite3.Connection, notice_id: str, sink: IndexSink | None) -> None:
    row = con.execute(
        "SELECT rowid, coalesce(base, doc), base_sha, file, record FROM notices WHERE id = ?",
        (notice_id,),
    ).fetchone()
    rowid, base_doc, sha, file, record = row
    base = load_notice(base_doc)
    _write(con, rowid, _with_changes(con, base), base, base_doc, sha, file, record, sink)


_INSERT_NOTICE = """INSERT INTO notices (rowid, id, source, source_id, kind, status,
    publication_date, deadline_utc, estimated_value, currency, buyer_siret, buyer_name, cpv_main,
    changes_notice, procedure_id, base_sha, base, doc, file, record, public_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
_UPDATE_NOTICE = """UPDATE notices SET id = ?, source = ?, source_id = ?, kind = ?, status = ?,
    publication_date = ?, deadline_utc = ?, estimated_value = ?, currency = ?,
    buyer_siret = ?, buyer_name = ?, cpv_main = ?, changes_notice = ?, procedure_id = ?,
    base_sha = ?, base = ?, doc = ?, file = ?, record = ?, public_id = ? WHERE rowid = ?"""
_INSERT_CPV = "INSERT INTO notice_cpv (cpv, notice_rowid) VALUES (?, ?)"
_INSERT_DEP = "INSERT INTO notice_dep (dep, notice_rowid, origin) VALUES (?, ?, ?)"
_INSERT_LOT = """INSERT INTO lots (notice_rowid, position, number, title, cpv_main,
    estimated_value, deadline_utc) VALUES (?, ?, ?, ?, ?, ?, ?)"""
_BUMP = "UPDATE search_state SET generation = generation + 1 RETURNING generation"
_INSERT_FILTER = """INSERT INTO notice_filter (rowid, status, deadline_utc, deps_lo, deps_hi, cpvs)
    VALUES (?, ?, ?, ?, ?, ?)"""


@dataclass
class _Rows:
    """Everything written for some notices, table by table (one ``executemany`` each), and
    their search index documents (when there is a sink to give them to)."""

    sink: IndexSink | None
    cpv: list[tuple[str, int]] = field(default_factory=list)
    dep: list[tuple[str, int, str]] = field(default_factory=list)
    lots: list[tuple[Any, ...]] = field(default_factory=list)
    filters: list[tuple[Any, ...]] = field(default_factory=list)

    def add(
        self, rowid: int, current: Notice, values: tuple[Any, ...], *, replaced: bool = False
    ) -> None:
        """``values``: the ``notices`` columns of ``current`` (:func:`_values`)."""
        cpvs = cpv_codes(current)
        deps = departements(current)
        status = values[_STATUS]
        self.cpv += [(c, rowid) for c in sorted(cpvs)]
        self.dep += [(d, rowid, o) for d, o in sorted(deps.items())]
        self.filters.append((rowid, status, values[_DEADLINE], *dep_mask(deps), cpv_text(cpvs)))
        self.lots += [
            (
                rowid,
                i,
                lot.number,
                lot.title,
                lot.cpv_main,
                float(lot.value.amount) if lot.value else None,
                utc_text(lot.deadline),
            )
            for i, lot in enumerate(current.lots)
        ]
        if self.sink is not None:
            title, body = notice_texts(current)
            self.sink.put_texts(
                TextEntry(
                    rowid, title, body, cpvs, deps, status, seconds(current.deadline), replaced
                )
            )

    def write(self, con: sqlite3.Connection) -> None:
        con.executemany(_INSERT_CPV, self.cpv)
        con.executemany(_INSERT_DEP, self.dep)
        con.executemany(_INSERT_LOT, self.lots)
        con.executemany(_INSERT_FILTER, self.filters)
        (generation,) = con.execute(_BUMP).fetchone()
        if self.sink is not None:
            self.sink.bumped(generation)


_STATUS, _DEADLINE = 4, 6  # positions in the values of _values


def _values(
    current: Notice,
    base: Notice,
    base_doc: bytes,
    sha: str,
    file: str | None,
    record: str | None,
) -> tuple[Any, ...]:
    """The ``notices`` columns after ``rowid``."""
    doc = dump_notice(current) if current is not base else base_doc
    amount, currency = _amount(current)
    return (
        current.id,
        current.source,
        current.source_id,
        current.kind,
        status_of(current),
        current.publication_date.isoformat() if current.publication_date else None,
        utc_text(current.deadline),
        amount,
        currency,
        current.buyer.siret,
        current.buyer.name,
        current.cpv_main,
        base.changes_notice,
        base.procedure_id,
        sha,
        None if doc == base_doc else base_doc,
        doc,
        file,
        record,
        display_id(current),
    )


def _next_rowid(con: sqlite3.Connection) -> int:
    return int(con.execute("SELECT coalesce(max(rowid), 0) + 1 FROM notices").fetchone()[0])


def _write(
    con: sqlite3.Connection,
    rowid: int | None,
    current: Notice,
    base: Notice,
    base_doc: bytes,
    sha: str,
    file: str | None,
    record: str | None,
    sink: IndexSink | None,
) -> None:
    values = _values(current, base, base_doc, sha, file, record)
    replaced = rowid is not None
    if rowid is None:
        rowid = _next_rowid(con)
        con.execute(_INSERT_NOTICE, (rowid, *values))
    else:
        con.execute(_UPDATE_NOTICE, (*values, rowid))
        for table in ("notice_cpv", "notice_dep", "lots"):
            con.execute(f"DELETE FROM {table} WHERE notice_rowid = ?", (rowid,))
        con.execute("DELETE FROM notice_filter WHERE rowid = ?", (rowid,))
    rows = _Rows(sink)
    rows.add(rowid, current, values, replaced=replaced)
    rows.write(con)


# ---------------------------------------------------------------- bulk loading


class NoticeWriter:
    """Writes many notices inside the caller's transaction, with the same result as calling
    :func:`put_notice` on each in turn, but in batches: new notices that no stored or pending
    change refers to are inserted with one ``executemany`` per table; everything else (changes,
    notices already stored, repeated ids) goes through :func:`put_notice`, in order.

    Call :meth:`flush` before committing. ``loaded`` and ``duplicates`` count the notices."""

    def __init__(
        self, con: sqlite3.Connection, batch_size: int = 2000, sink: IndexSink | None = None
    ) -> None:
        self.con = con
        self.batch_size = batch_size
        self.sink = sink
        self.loaded = 0
        self.duplicates = 0
        self._pending: list[tuple[Notice, bytes, str, str | None, str | None]] = []

    def add(self, notice: Notice, *, file: str | None = None, record: str | None = None) -> None:
        base = dump_notice(notice)
        sha = hashlib.sha256(base).hexdigest()
        self._pending.append((notice, base, sha, file, record))
        if len(self._pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        con = self.con
        ids = orjson.dumps([n.id for n, *_ in pending])
        stored = {r[0] for r in con.execute(_STORED_IDS, (ids,))}
        changed = {r[0] for r in con.execute(_CHANGED_IDS, (ids,))}
        procedures = orjson.dumps([n.procedure_id for n, *_ in pending if n.procedure_id])
        changed_procedures = {(r[0], r[1]) for r in con.execute(_CHANGED_PROCEDURES, (procedures,))}
        seen: set[str] = set()
        fast: list[tuple[Notice, bytes, str, str | None, str | None]] = []
        for item in pending:
            notice = item[0]
            slow = (
                notice.kind in CHANGE_KINDS
                or notice.id in stored
                or notice.id in seen
                or notice.id in changed
                or (notice.source, notice.procedure_id) in changed_procedures
            )
            seen.add(notice.id)
            if notice.kind in CHANGE_KINDS:  # later notices of this batch it refers to
                if notice.changes_notice:
                    changed.add(notice.changes_notice)
                if notice.procedure_id:
                    changed_procedures.add((notice.source, notice.procedure_id))
            if not slow:
                fast.append(item)
                continue
            self._insert(fast)
            fast = []
            if put_notice(self.con, notice, file=item[3], record=item[4], sink=self.sink):
                self.loaded += 1
            else:
                self.duplicates += 1
        self._insert(fast)

    def _insert(self, items: list[tuple[Notice, bytes, str, str | None, str | None]]) -> None:
        if not items:
            return
        rowid = _next_rowid(self.con)
        notices: list[tuple[Any, ...]] = []
        rows = _Rows(self.sink)
        for notice, base, sha, file, record in items:
            values = _values(notice, notice, base, sha, file, record)
            notices.append((rowid, *values))
            rows.add(rowid, notice, values)
            rowid += 1
        self.con.executemany(_INSERT_NOTICE, notices)
        rows.write(self.con)
        self.loaded += len(items)


_STORED_IDS = "SELECT id FROM notices WHERE id IN (SELECT value FROM json_each(?))"
_CHANGED_IDS = f"""SELECT DISTINCT changes_notice FROM notices
    WHERE changes_notice IN (SELECT value FROM json_each(?)) AND kind IN {CHANGE_KINDS}"""
_CHANGED_PROCEDURES = f"""SELECT DISTINCT source, procedure_id FROM notices
    WHERE procedure_id IN (SELECT value FROM json_each(?)) AND kind IN {CHANGE_KINDS}"""

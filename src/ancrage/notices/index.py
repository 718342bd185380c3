"""The full-text index of the notice store: tantivy, in ``<home>/notices/index/``.

The SQLite store (:mod:`ancrage.notices.store`) is the record; this index is derived data that
can always be rebuilt from it. One tantivy document per notice (key: its SQLite ``rowid``):

* ``title``, ``body``: the *analysed* text (:func:`ancrage.notices.analysis.analyse` of the
  texts of :func:`ancrage.notices.analysis.notice_texts`: folded and
  stemmed words, space-separated), split on whitespace only — the query goes through the same
  analysis, so index and query agree exactly; term frequencies, no positions;
* ``cpvtext``: the analysed French labels of the notice's CPV codes (:func:`cpv_labels`), so
  that « déchets » finds a call whose CPV is a waste code;
* ``cpv`` (every prefix of every CPV code of the notice and its lots), ``dep`` (départements),
  ``status``: exact terms (given space-separated, split on whitespace), for the filters;
* ``deadline``: UTC seconds, a fast (columnar) field for range filters and for ordering ties.

**Keeping it in step.** The store counts its changes: ``search_state`` holds a random id of the
store and a *generation*, incremented in the same SQLite transaction as every write to
``notices``. The index keeps, in ``ancrage-state.json`` written right after each tantivy commit,
the store id and generation it reflects. When they disagree (a crash between the SQLite commit
and the index commit, an index deleted or copied from elsewhere, a store written by older code
or by a load that could not take the index) the index is rebuilt from SQLite
(:func:`rebuild`). A load (:class:`IndexSession`) sends each notice to the tantivy writer as
it is written (new ones added, updated ones deleted by rowid then added), tantivy indexing them
in its own thread, and commits the index at the end; after a ``ROLLBACK`` the writer drops what
it had not committed and the notices of the transactions committed since are sent again. One
process at a time writes the index (``index.lock``).
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import shutil
import sqlite3
import sys
import threading
import types
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

import orjson
import tantivy

from ancrage.notices.analysis import analyse, analyse_texts, doc_texts
from ancrage.settings import Settings

INDEX_FORMAT = 3  # bump when the fields or the analysis change: older indexes are rebuilt
STATE_FILE = "ancrage-state.json"
HEAP_BYTES = 128_000_000  # indexing memory of the writer (tantivy flushes a segment when full)
COMMIT_EVERY = 100_000  # notices sent to the writer: then commit (bounds the work redone
# after a rollback)
ANALYSIS_BATCH = 2_000  # notices whose text a load's helper process analyses at a time
ANALYSIS_AHEAD = 4  # batches given to the helper before the load waits for the oldest
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)

IndexFields = dict[str, Any]


class IndexProgress(Protocol):
    """What a rebuild tells about its progress (the CLI shows a rich progress bar)."""

    def start(self, name: str, total: int | None) -> None: ...

    def advance(self, done: int) -> None: ...

    def end(self) -> None: ...


def index_dir(settings: Settings) -> Path:
    return settings.home / "notices" / "index"


def _lock_path(settings: Settings) -> Path:
    return settings.home / "notices" / "index.lock"


# ---------------------------------------------------------------- documents


@cache
def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("rowid", indexed=True, fast=True)
    builder.add_text_field("title", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("cpvtext", tokenizer_name="whitespace", index_option="freq")
    builder.add_text_field("cpv", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("dep", tokenizer_name="whitespace", index_option="basic")
    builder.add_text_field("status", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("deadline", fast=True)
    return builder.build()


def seconds(value: datetime | None) -> int | None:
    """UTC seconds, truncated like :func:`ancrage.notices.store.utc_text`."""
    return None if value is None else (value - _EPOCH) // _SECOND


@lru_cache(maxsize=100_000)
def cpv_labels(codes: tuple[str, ...]) -> str:
    """The French labels of some CPV codes (each once), before analysis."""
    from ancrage.reference.cpv import french_label

    return " ".join(dict.fromkeys(label for c in codes if (label := french_label(c))))


@lru_cache(maxsize=100_000)
def cpv_terms(codes: tuple[str, ...]) -> str:
    """Every prefix of the codes, space-separated (the same code sets come back often)."""
    return " ".join(sorted({c[:n] for c in codes for n in range(1, len(c) + 1)}))


def index_fields(
    rowid: int,
    title: str,
    body: str,
    cpvtext: str,
    cpvs: Iterable[str],
    deps: Iterable[str],
    status: str,
    deadline: int | None,
) -> IndexFields:
    """The values of the tantivy document of a notice (``title``, ``body``, ``cpvtext``:
    analysed text; ``cpv``, ``dep``: space-separated terms, split by tantivy)."""
    return {
        "rowid": rowid,
        "title": title,
        "body": body,
        "cpvtext": cpvtext,
        "cpv": cpv_terms(tuple(sorted(cpvs))),
        "dep": " ".join(sorted(deps)),
        "status": status,
        "deadline": deadline,
    }


def _document(values: IndexFields) -> tantivy.Document:
    # field by field: several times cheaper than ``Document(**values)``
    doc = tantivy.Document()
    doc.add_integer("rowid", values["rowid"])
    doc.add_text("title", values["title"])
    doc.add_text("body", values["body"])
    doc.add_text("cpvtext", values["cpvtext"])
    doc.add_text("cpv", values["cpv"])
    doc.add_text("dep", values["dep"])
    doc.add_text("status", values["status"])
    if values["deadline"] is not None:
        doc.add_integer("deadline", values["deadline"])
    return doc


# ---------------------------------------------------------------- state


@dataclass(frozen=True)
class StoreState:
    """What the index must reflect: the store's id and generation (table ``search_state``)."""

    store: str
    generation: int

    @classmethod
    def of(cls, con: sqlite3.Connection) -> StoreState:
        store, generation = con.execute("SELECT store_id, generation FROM search_state").fetchone()
        return cls(str(store), int(generation))

    def as_json(self) -> dict[str, Any]:
        return {"format": INDEX_FORMAT, "store": self.store, "generation": self.generation}


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = orjson.loads((path / STATE_FILE).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return state if isinstance(state, dict) else None


def _write_state(path: Path, state: StoreState) -> None:
    tmp = path / (STATE_FILE + ".tmp")
    tmp.write_bytes(orjson.dumps(state.as_json()))
    tmp.replace(path / STATE_FILE)


def staleness(settings: Settings, state: StoreState) -> str | None:
    """Why the index does not reflect the store (in French), or ``None`` when it does."""
    path = index_dir(settings)
    found = _read_state(path)
    if found is None or not tantivy.Index.exists(str(path)):
        return "index absent"
    return staleness_of(found, state)


def staleness_of(found: dict[str, Any] | None, state: StoreState) -> str | None:
    """Why an index whose state file reads ``found`` does not reflect ``state``."""
    if found is None:
        return "index absent"
    if found.get("format") != INDEX_FORMAT:
        return "index d'un format ancien"
    if found.get("store") != state.store:
        return "index d'une autre base"
    if found.get("generation") != state.generation:
        return "index en retard sur la base"
    return None


@contextlib.contextmanager
def _locked(settings: Settings, *, wait: bool) -> Iterator[bool]:
    """The index write lock; yields False when another process holds it (``wait=False``)."""
    path = _lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _open(path: Path) -> tantivy.Index | None:
    try:
        return tantivy.Index.open(str(path))
    except ValueError:  # missing or half-written (being swapped by a rebuild)
        return None


# ---------------------------------------------------------------- rebuild

_ROWS = """SELECT n.rowid, n.doc, f.status, f.deadline_utc, f.cpvs,
    (SELECT group_concat(d.dep, ' ') FROM notice_dep d WHERE d.notice_rowid = n.rowid)
    FROM notices n JOIN notice_filter f ON f.rowid = n.rowid"""
_ALL_ROWS = _ROWS + " ORDER BY n.rowid"
_SOME_ROWS = _ROWS + " WHERE n.rowid IN (SELECT value FROM json_each(?))"


def row_fields(row: tuple[Any, ...]) -> IndexFields:
    """The index document of a stored notice, from its JSON document and filter row."""
    rowid, doc, status, deadline_utc, cpvs, deps = row
    title, body = doc_texts(orjson.loads(doc))
    codes = cpvs.split()
    deadline = None
    if deadline_utc is not None:
        deadline = seconds(datetime.fromisoformat(deadline_utc))
    return index_fields(
        rowid,
        analyse(title),
        analyse(body),
        analyse(cpv_labels(tuple(codes))),
        codes,
        deps.split() if deps else (),
        status,
        deadline,
    )


def rebuild_message(reason: str, total: int) -> str:
    count = f"{total:,}".replace(",", "\u202f")
    return (
        f"L'index de recherche ne correspond pas à la base des avis ({reason}) : "
        f"reconstruction à partir des {count} avis de la base…"
    )


def rebuild(
    settings: Settings,
    con: sqlite3.Connection,
    reason: str,
    progress: IndexProgress | None = None,
) -> None:
    """Write the whole index again from the store (the caller holds the write lock), into a new
    directory swapped in at the end, so that readers keep the old index meanwhile."""
    path = index_dir(settings)
    new, old = path.with_name("index.new"), path.with_name("index.old")
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)
    new.mkdir(parents=True)
    writer = tantivy.Index(schema(), path=str(new)).writer(heap_size=HEAP_BYTES, num_threads=1)
    began = not con.in_transaction
    if began:
        con.execute("BEGIN")  # one snapshot: the rows of the generation read
    try:
        state = StoreState.of(con)
        (total,) = con.execute("SELECT count(*) FROM notices").fetchone()
        if progress:
            progress.start(rebuild_message(reason, total), total)
        for done, row in enumerate(con.execute(_ALL_ROWS), start=1):
            writer.add_document(_document(row_fields(row)))
            if progress and done % 1000 == 0:
                progress.advance(done)
    except BaseException:
        writer.rollback()
        raise
    finally:
        if began:
            con.execute("COMMIT")
    writer.commit()
    writer.wait_merging_threads()
    _write_state(new, state)
    if path.exists():
        path.rename(old)
    new.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    if progress:
        progress.end()


def _reset(settings: Settings, state: StoreState) -> tantivy.Index:
    """An empty index for a store without notices (nothing to rebuild)."""
    path = index_dir(settings)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(schema(), path=str(path))
    _write_state(path, state)
    return index


_LAGGING = "index en retard sur la base"

# The searcher of each index directory, with what it reflects: the store's state and the
# identity of the index's state file (a rebuild writes a new one). Opening an index reads its
# metadata and maps its segments: done once per store generation, not once per search.
_searchers: dict[Path, tuple[tuple[StoreState, int, int], tantivy.Searcher]] = {}
_searchers_lock = threading.Lock()


def _identity(path: Path, state: StoreState) -> tuple[StoreState, int, int] | None:
    try:
        st = (path / STATE_FILE).stat()
    except OSError:
        return None
    return state, st.st_ino, st.st_mtime_ns


def searcher(
    settings: Settings, con: sqlite3.Connection, progress: IndexProgress | None = None
) -> tantivy.Searcher:
    """A searcher over the index, rebuilt first when it does not reflect the store.

    The searcher of an index that reflects the store is kept and shared (tantivy searchers
    are immutable snapshots, safe across threads) until the store's generation or the index
    changes. When another process is writing the index (a load), an index that only lags
    behind the store is searched as it stands; a missing or unusable one is waited for."""
    path = index_dir(settings)
    state = StoreState.of(con)
    identity = _identity(path, state)
    with _searchers_lock:
        kept = _searchers.get(path)
    if kept is not None and identity is not None and kept[0] == identity:
        return kept[1]
    reason = staleness(settings, state)
    if reason is None and (index := _open(path)) is not None:
        return _keep(path, state, index.searcher())
    with _locked(settings, wait=False) as mine:
        if mine:
            return _keep(path, state, _current(settings, con, progress).searcher())
    if reason == _LAGGING and (index := _open(path)) is not None:
        return index.searcher()
    with _locked(settings, wait=True):
        return _keep(path, state, _current(settings, con, progress).searcher())


def _keep(path: Path, state: StoreState, found: tantivy.Searcher) -> tantivy.Searcher:
    """Keep the searcher of an index that reflects ``state`` (checked again: the state file
    is read after the searcher was opened, so a rebuild in between is not mistaken)."""
    identity = _identity(path, state)
    if identity is not None and staleness_of(_read_state(path), state) is None:
        with _searchers_lock:
            _searchers[path] = (identity, found)
    return found


def _current(
    settings: Settings, con: sqlite3.Connection, progress: IndexProgress | None
) -> tantivy.Index:
    """The index once it reflects the store (lock held): checked again, rebuilt if needed."""
    reason = staleness(settings, StoreState.of(con))
    if reason is not None:
        rebuild(settings, con, reason, progress)
    index = _open(index_dir(settings))
    assert index is not None
    return index


# ---------------------------------------------------------------- loads


class IndexSink:
    """What one SQLite transaction writes, for the index: the index document of each notice
    written (the last one per rowid), the rowids that may already be indexed (to delete
    first), and the store generations the transaction went through (collected here; an
    :class:`IndexSession` sink sends each document to the index writer at once instead)."""

    def __init__(self) -> None:
        self.entries: dict[int, IndexFields] = {}
        self.replaced: set[int] = set()
        self.first: int | None = None
        self.last: int | None = None

    def bumped(self, generation: int) -> None:
        if self.first is None:
            self.first = generation
        self.last = generation

    def put(self, values: IndexFields, *, replaced: bool) -> None:
        self.entries[values["rowid"]] = values
        if replaced:
            self.replaced.add(values["rowid"])

    def put_texts(self, entry: TextEntry) -> None:
        """The document of a notice given by its text before analysis (``title``, ``body``:
        :func:`ancrage.notices.analysis.notice_texts`); the same as :meth:`put` of its
        :func:`index_fields`."""
        texts = [analyse(text) for text in entry.texts()]
        self.put(_analysed(entry, texts), replaced=entry.replaced)


@dataclass(frozen=True, slots=True)
class TextEntry:
    """The document of a notice before its text is analysed (:meth:`IndexSink.put_texts`)."""

    rowid: int
    title: str
    body: str
    cpvs: Iterable[str]
    deps: Iterable[str]
    status: str
    deadline: int | None
    replaced: bool

    def texts(self) -> tuple[str, str, str]:
        """Title, body and CPV labels, before analysis (:data:`TEXTS` of them)."""
        return self.title, self.body, cpv_labels(tuple(sorted(self.cpvs)))


TEXTS = 3  # texts analysed per document (TextEntry.texts)


def _analysed(entry: TextEntry, texts: list[str]) -> IndexFields:
    title, body, cpvtext = texts
    return index_fields(
        entry.rowid, title, body, cpvtext, entry.cpvs, entry.deps, entry.status, entry.deadline
    )


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """While a ``spawn`` process starts: ``multiprocessing`` runs the main script again in the
    new process (as ``__mp_main__``, to find functions defined there), which would run the
    code of a script that loads notices without an ``if __name__ == "__main__":`` guard a
    second time. The helper needs nothing from it (:func:`analyse_texts` is found by its
    module), so it is shown a main module without a file."""
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class _Analysis:
    """Analyses the text of the documents of a load in a helper process, so that the main
    thread goes on writing to SQLite meanwhile, and sends the documents to the index writer
    in the order they came (an update is a delete then an add: the order matters).

    Documents are analysed in batches of :data:`ANALYSIS_BATCH`; the helper process is started
    by the first full batch (a small load analyses its few documents itself), and at most
    :data:`ANALYSIS_AHEAD` batches wait for it. The analysis is the same function either way
    (:func:`ancrage.notices.analysis.analyse`): the documents do not depend on where it ran. If
    the helper cannot be started or dies, the documents are analysed here instead.

    The helper is a new interpreter (``spawn``), not a fork: a forked process would share the
    open files of this one, and keep tantivy's lock files locked after tantivy closes them."""

    def __init__(self, writer: tantivy.IndexWriter) -> None:
        self.writer = writer
        self._batch: list[TextEntry] = []
        self._ahead: deque[tuple[Future[list[str]], list[TextEntry]]] = deque()
        self._pool: ProcessPoolExecutor | None = None
        self._usable = True  # False once the helper failed: analyse here

    def put(self, entry: TextEntry) -> None:
        self._batch.append(entry)
        if len(self._batch) >= ANALYSIS_BATCH:
            self._submit()

    def _submit(self) -> None:
        batch, self._batch = self._batch, []
        texts = [text for entry in batch for text in entry.texts()]
        future: Future[list[str]] | None = None
        if self._usable:
            try:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(
                        max_workers=1, mp_context=multiprocessing.get_context("spawn")
                    )
                    with _main_module_hidden():  # the first submit starts the helper
                        future = self._pool.submit(analyse_texts, texts)
                else:
                    future = self._pool.submit(analyse_texts, texts)
            except Exception:  # no helper process here, or it is gone: analyse here
                self._usable = False
        if future is None:
            self._send(batch, analyse_texts(texts))
            return
        self._ahead.append((future, batch))
        while self._ahead and (self._ahead[0][0].done() or len(self._ahead) > ANALYSIS_AHEAD):
            self._receive()

    def _receive(self) -> None:
        future, batch = self._ahead.popleft()
        try:
            analysed = future.result()
        except Exception:  # the helper died (or could not unpickle): analyse here
            self._usable = False
            analysed = analyse_texts([text for e in batch for text in e.texts()])
        self._send(batch, analysed)

    def _send(self, batch: list[TextEntry], analysed: list[str]) -> None:
        writer = self.writer
        for i, entry in enumerate(batch):
            if entry.replaced:
                writer.delete_documents_by_term("rowid", entry.rowid)
            texts = analysed[TEXTS * i : TEXTS * (i + 1)]
            writer.add_document(_document(_analysed(entry, texts)))

    def drain(self) -> None:
        """Send every document given so far to the writer (before a commit)."""
        while self._ahead:
            self._receive()
        if self._batch:
            batch, self._batch = self._batch, []
            self._send(batch, analyse_texts([t for e in batch for t in e.texts()]))

    def discard(self) -> None:
        """Forget the documents not sent yet (before a rollback of the writer)."""
        for future, _ in self._ahead:
            future.cancel()
        self._ahead.clear()
        self._batch = []

    def close(self) -> None:
        self.discard()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class _Streaming(IndexSink):
    """Sends each document to the writer as it comes (through :class:`_Analysis`), so that
    the text is analysed and tantivy indexes it while the load goes on; keeps the rowids
    sent."""

    def __init__(self, analysis: _Analysis) -> None:
        super().__init__()
        self.analysis = analysis
        self.sent: list[int] = []

    def put(self, values: IndexFields, *, replaced: bool) -> None:
        rowid = values["rowid"]
        self.analysis.drain()  # after the documents given before it
        if replaced:
            self.analysis.writer.delete_documents_by_term("rowid", rowid)
        self.analysis.writer.add_document(_document(values))
        self.sent.append(rowid)

    def put_texts(self, entry: TextEntry) -> None:
        self.analysis.put(entry)
        self.sent.append(entry.rowid)


class IndexSession:
    """Keeps the index in step with the store during a load (``with`` block around it).

    For each SQLite transaction: take a :meth:`sink` (``None`` when the index is not kept up
    to date during this load), pass it to the writes, and after ``COMMIT`` call
    :meth:`committed` (after ``ROLLBACK``: :meth:`rolled_back`). The documents go to the index
    writer as the notices are written; the index is committed on leaving the block (and every
    :data:`COMMIT_EVERY` notices). After a ``ROLLBACK``, the writer drops everything since its
    last commit and the notices of the transactions committed since are sent again, from the
    store. When the index did not reflect the store at the start (or another process wrote
    to the store meanwhile), it is rebuilt on leaving instead. When another process holds
    the index lock, the index is left as it is (rebuilt by the next search)."""

    def __init__(
        self,
        settings: Settings,
        con: sqlite3.Connection,
        progress: IndexProgress | None = None,
    ) -> None:
        self.settings = settings
        self.con = con
        self.progress = progress
        self.path = index_dir(settings)
        self.reason: str | None = None
        self._stack = contextlib.ExitStack()
        self._index: tantivy.Index | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._analysis: _Analysis | None = None
        self._store = ""
        self._expected = 0  # the generation the index reflects once committed
        self._uncommitted: list[int] = []  # rowids of committed transactions, not in the index

    def __enter__(self) -> Self:
        if not self._stack.enter_context(_locked(self.settings, wait=False)):
            return self
        state = StoreState.of(self.con)
        self._store, self._expected = state.store, state.generation
        self.reason = staleness(self.settings, state)
        if self.reason is None:
            self._index = _open(self.path)
            if self._index is None:
                self.reason = "index illisible"
        elif not self.con.execute("SELECT EXISTS (SELECT 1 FROM notices)").fetchone()[0]:
            self._index, self.reason = _reset(self.settings, state), None
        return self

    def sink(self) -> IndexSink | None:
        if self._index is None:
            return None
        if self._writer is None:
            self._writer = self._index.writer(heap_size=HEAP_BYTES, num_threads=1)
            self._analysis = _Analysis(self._writer)
        assert self._analysis is not None
        return _Streaming(self._analysis)

    def committed(self, sink: IndexSink | None) -> None:
        if not isinstance(sink, _Streaming) or self._writer is None or sink.first is None:
            return
        assert sink.last is not None
        if sink.first - 1 != self._expected:  # another process wrote to the store meanwhile
            self._give_up(_LAGGING)
            return
        self._expected = sink.last
        self._uncommitted += sink.sent
        if len(self._uncommitted) >= COMMIT_EVERY:
            self._commit()

    def rolled_back(self, sink: IndexSink | None) -> None:
        if not isinstance(sink, _Streaming) or self._writer is None or not sink.sent:
            return
        assert self._analysis is not None
        self._analysis.discard()
        self._writer.rollback()
        writer = self._writer
        for first in range(0, len(self._uncommitted), 10_000):
            rowids = self._uncommitted[first : first + 10_000]
            for row in self.con.execute(_SOME_ROWS, (orjson.dumps(rowids),)):
                writer.delete_documents_by_term("rowid", row[0])
                writer.add_document(_document(row_fields(row)))

    def _commit(self) -> None:
        assert self._writer is not None and self._analysis is not None
        self._analysis.drain()
        self._writer.commit()
        _write_state(self.path, StoreState(self._store, self._expected))
        self._uncommitted = []

    def _give_up(self, reason: str) -> None:
        self._close_analysis()
        if self._writer is not None:
            self._writer.rollback()
        self._index = self._writer = None
        self.reason = reason

    def _close_analysis(self) -> None:
        if self._analysis is not None:
            self._analysis.close()
            self._analysis = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._stack:
            if exc_type is not None:
                self._close_analysis()
                if self._writer is not None:
                    self._writer.rollback()
            elif self._writer is not None:
                if self._uncommitted:
                    self._commit()
                self._close_analysis()
                self._writer.wait_merging_threads()
            elif self._index is None and self.reason is not None:
                rebuild(self.settings, self.con, self.reason, self.progress)
        self._index = self._writer = None

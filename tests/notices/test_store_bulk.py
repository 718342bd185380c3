"""NoticeWriter (batched load) gives exactly the store that put_notice, one by one, gives, and
the same search index documents, which are those a rebuild of the index reads back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ancrage.notices.context import NoticeReadContext
from ancrage.notices.index import IndexFields, IndexSink, row_fields
from ancrage.notices.ingest import detect
from ancrage.notices.model import Notice
from ancrage.notices.store import NoticeStore, NoticeWriter, put_notice, store_path
from ancrage.settings import Settings

TABLES = {
    "notices": "SELECT * FROM notices ORDER BY rowid",
    "notice_cpv": "SELECT * FROM notice_cpv ORDER BY notice_rowid, cpv",
    "notice_dep": "SELECT * FROM notice_dep ORDER BY notice_rowid, dep",
    "lots": "SELECT * FROM lots ORDER BY notice_rowid, position",
    "notice_filter": "SELECT * FROM notice_filter ORDER BY rowid",
}
# what a rebuild of the search index reads (index.py)
ROWS = """SELECT n.rowid, n.doc, f.status, f.deadline_utc, f.cpvs,
    (SELECT group_concat(d.dep, ' ') FROM notice_dep d WHERE d.notice_rowid = n.rowid)
    FROM notices n JOIN notice_filter f ON f.rowid = n.rowid ORDER BY n.rowid"""


def _dump(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(store_path(settings))
    try:
        return {table: con.execute(sql).fetchall() for table, sql in TABLES.items()}
    finally:
        con.close()


def _rebuilt(settings: Settings) -> dict[int, IndexFields]:
    con = sqlite3.connect(store_path(settings))
    try:
        return {row[0]: row_fields(row) for row in con.execute(ROWS)}
    finally:
        con.close()


def _one_by_one(
    settings: Settings, notices: list[Notice], sink: IndexSink | None = None
) -> tuple[int, int]:
    loaded = duplicates = 0
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        for i, notice in enumerate(notices):
            if put_notice(con, notice, file="f", record=str(i), sink=sink):
                loaded += 1
            else:
                duplicates += 1
        con.execute("COMMIT")
    return loaded, duplicates


def _batched(
    settings: Settings, notices: list[Notice], batch_size: int, sink: IndexSink | None = None
) -> tuple[int, int]:
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        writer = NoticeWriter(con, batch_size=batch_size, sink=sink)
        for i, notice in enumerate(notices):
            writer.add(notice, file="f", record=str(i))
        writer.flush()
        con.execute("COMMIT")
    return writer.loaded, writer.duplicates


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
def test_batched_load_equals_one_by_one(
    tmp_path: Path, samples: list[Notice], batch_size: int
) -> None:
    assert len(samples) == 61  # 62 read, 1 quarantined by its reader
    one = Settings.resolve(tmp_path / "one")
    batched = Settings.resolve(tmp_path / "batched")
    one_sink, batched_sink = IndexSink(), IndexSink()
    assert _one_by_one(one, samples, one_sink) == (60, 1)
    assert _batched(batched, samples, batch_size, batched_sink) == (60, 1)
    expected = _dump(one)
    assert len(expected["notices"]) == 60
    assert _dump(batched) == expected
    # the index documents: the same both ways, and what a rebuild reads from the store
    assert batched_sink.entries == one_sink.entries == _rebuilt(one)
    assert batched_sink.replaced == one_sink.replaced


def test_batched_twice_counts_duplicates(tmp_path: Path, samples: list[Notice]) -> None:
    settings = Settings.resolve(tmp_path / "home")
    _batched(settings, samples, 1000)
    before = _dump(settings)
    assert _batched(settings, samples, 1000) == (0, 61)
    assert _dump(settings) == before


def test_change_before_its_notice_in_one_batch(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    sdk = notices_dir / "ted_eforms" / "sdk_examples"
    notices: list[Notice] = []
    for name in ("change-cn_24_open_dates.xml", "cn_24_open.xml"):
        path = sdk / name
        notices += detect(path).read(path, NoticeReadContext(path=path, eforms_dir=eforms_dir))
    settings = Settings.resolve(tmp_path / "home")
    assert _batched(settings, notices, 1000) == (2, 0)
    notice = NoticeStore(settings).get("ted:c4c415ee-ac08-4465-8fa6-57568cf69462-01")
    assert notice.deadline is not None and notice.deadline.month == 6


def test_change_after_its_notice_replaces_its_index_document(
    tmp_path: Path, notices_dir: Path, eforms_dir: Path
) -> None:
    sdk = notices_dir / "ted_eforms" / "sdk_examples"
    loads: list[list[Notice]] = []
    for name in ("cn_24_open.xml", "change-cn_24_open_dates.xml"):
        path = sdk / name
        loads.append(detect(path).read(path, NoticeReadContext(path=path, eforms_dir=eforms_dir)))
    settings = Settings.resolve(tmp_path / "home")
    first, then = IndexSink(), IndexSink()
    assert _batched(settings, loads[0], 1000, first) == (1, 0)
    assert (first.replaced, first.first, first.last) == (set(), 1, 1)
    assert _batched(settings, loads[1], 1000, then) == (1, 0)
    # the change (rowid 2) is new; the notice (rowid 1) is written again with the new deadline
    assert then.replaced == {1}
    assert set(then.entries) == {1, 2}
    assert then.entries[1]["deadline"] != first.entries[1]["deadline"]
    assert then.entries == _rebuilt(settings)
    assert (then.first, then.last) == (2, 3)  # one generation per write

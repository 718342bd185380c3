"""NoticeWriter (batched load) gives exactly the store that put_notice, one by one, gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ancrage.notices.context import NoticeReadContext
from ancrage.notices.ingest import detect, expand
from ancrage.notices.model import Notice
from ancrage.notices.store import NoticeStore, NoticeWriter, put_notice, store_path
from ancrage.settings import Settings

TABLES = {
    "notices": "SELECT * FROM notices ORDER BY rowid",
    "notice_cpv": "SELECT * FROM notice_cpv ORDER BY notice_rowid, cpv",
    "notice_dep": "SELECT * FROM notice_dep ORDER BY notice_rowid, dep",
    "lots": "SELECT * FROM lots ORDER BY notice_rowid, position",
    "notice_filter": "SELECT * FROM notice_filter ORDER BY rowid",
    # the index is contentless: compare every indexed word, where it is, and the row sizes
    "notice_fts": "SELECT * FROM temp.fts_words ORDER BY term, doc, col, offset",
    "notice_fts_docsize": "SELECT * FROM notice_fts_docsize ORDER BY id",
}


@pytest.fixture(scope="module")
def samples(notices_dir: Path, eforms_dir: Path) -> list[Notice]:
    """Every sample notice, in load order (changes come before and after their notices)."""
    out: list[Notice] = []
    for path in expand([notices_dir]):
        try:
            reader = detect(path)
        except Exception:  # pragma: no cover - every sample is readable
            continue
        out += reader.read(path, NoticeReadContext(path=path, eforms_dir=eforms_dir))
    return out


def _dump(settings: Settings) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(store_path(settings))
    con.execute("CREATE VIRTUAL TABLE temp.fts_words USING fts5vocab(main, notice_fts, instance)")
    try:
        return {table: con.execute(sql).fetchall() for table, sql in TABLES.items()}
    finally:
        con.close()


def _one_by_one(settings: Settings, notices: list[Notice]) -> tuple[int, int]:
    loaded = duplicates = 0
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        for i, notice in enumerate(notices):
            if put_notice(con, notice, file="f", record=str(i)):
                loaded += 1
            else:
                duplicates += 1
        con.execute("COMMIT")
    return loaded, duplicates


def _batched(settings: Settings, notices: list[Notice], batch_size: int) -> tuple[int, int]:
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        writer = NoticeWriter(con, batch_size=batch_size)
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
    assert _one_by_one(one, samples) == (60, 1)
    assert _batched(batched, samples, batch_size) == (60, 1)
    expected = _dump(one)
    assert len(expected["notices"]) == 60
    assert _dump(batched) == expected


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

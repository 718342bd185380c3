"""Schema 1 → 2: a store written by the schema-1 code is migrated when first opened, and then
holds exactly what a fresh schema-2 load of the same files holds."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ancrage.notices.ingest import load_notices
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, load_notice, store_path
from ancrage.settings import Settings

# The schema-1 tables as the schema-1 code created them (store.py before schema 2).
SCHEMA_1_FTS = """CREATE VIRTUAL TABLE notice_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2'
)"""
KEPT = ("notices", "notice_cpv", "notice_dep", "lots", "quarantine", "files")
COMPARED = {
    "notices": "SELECT * FROM notices ORDER BY rowid",
    "notice_filter": "SELECT * FROM notice_filter ORDER BY rowid",
    "notice_fts": "SELECT * FROM temp.fts_words ORDER BY term, doc, col, offset",
    "notice_fts_docsize": "SELECT * FROM notice_fts_docsize ORDER BY id",
}
NOW = datetime(2026, 1, 15, tzinfo=UTC)


def _schema_1_copy(fresh: Path, old: Path) -> None:
    """The store that the schema-1 code writes for the same files: the same tables, and an
    FTS5 table that keeps its stemmed text (the schema-1 code indexed ``fts_row`` of each
    stored document, which reading it back gives again)."""
    from ancrage.notices.search import fts_row

    old.parent.mkdir(parents=True)
    con = sqlite3.connect(old, isolation_level=None)
    con.execute("ATTACH ? AS fresh", (str(fresh),))
    con.execute("BEGIN")
    for (sql,) in con.execute(
        "SELECT sql FROM fresh.sqlite_schema WHERE name IN "
        f"({', '.join('?' * len(KEPT))}) OR (type = 'index' AND tbl_name IN "
        f"({', '.join('?' * len(KEPT))}) AND sql IS NOT NULL)",
        KEPT + KEPT,
    ).fetchall():
        con.execute(sql)
    for table in KEPT:
        con.execute(f"INSERT INTO {table} SELECT * FROM fresh.{table}")
    con.execute(SCHEMA_1_FTS)
    con.executemany(
        "INSERT INTO notice_fts (rowid, title, body) VALUES (?, ?, ?)",
        [
            (rowid, *fts_row(load_notice(doc)))
            for rowid, doc in con.execute("SELECT rowid, doc FROM notices ORDER BY rowid")
        ],
    )
    con.execute("COMMIT")
    con.execute("DETACH fresh")
    con.execute("PRAGMA user_version = 1")
    con.close()


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    con.execute("CREATE VIRTUAL TABLE temp.fts_words USING fts5vocab(main, notice_fts, instance)")
    try:
        return {table: con.execute(sql).fetchall() for table, sql in COMPARED.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, notices_dir: Path, eforms_dir: Path
) -> tuple[Settings, Settings]:
    fresh = Settings.resolve(tmp_path_factory.mktemp("fresh"))
    load_notices(fresh, [notices_dir], eforms_dir=eforms_dir)
    old = Settings.resolve(tmp_path_factory.mktemp("old"))
    _schema_1_copy(store_path(fresh), store_path(old))
    return fresh, old


def test_reading_a_schema_1_store_migrates_it(stores: tuple[Settings, Settings]) -> None:
    fresh, old = stores
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM notice_fts_content").fetchone() == (60,)
    con.close()
    hits = search(old, "menuiseries", now=NOW)  # opens the store: migrates it
    assert [h.id for h in hits] == ["boamp:26-7319", "boamp:26-7113"]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (2,)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    assert "notice_fts_content" not in tables  # no copy of the stemmed text any more
    con.close()
    assert _dump(store_path(old)) == _dump(store_path(fresh))


@pytest.mark.parametrize(
    ("query", "kw"),
    [
        ("travaux", {}),
        ("travaux", {"cpv": "45", "open_only": True}),
        ("travaux", {"territory": "dep:13"}),
        ("services", {"cpv": "7"}),
        ("", {"cpv": "45"}),
    ],
)
def test_migrated_store_searches_like_a_fresh_one(
    stores: tuple[Settings, Settings], query: str, kw: dict[str, object]
) -> None:
    fresh, old = stores
    got = search(old, query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got == search(fresh, query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got != []


def test_writing_after_migration(stores: tuple[Settings, Settings], notices_dir: Path) -> None:
    _, old = stores
    with NoticeStore(old).writing() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM notice_filter").fetchone() == (60,)

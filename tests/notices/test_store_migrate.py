"""Schemas 1 and 2 → 3: a store written by older code is migrated when first opened (the FTS5
table is dropped, the tantivy index is built from the store when first searched), and then holds
and finds exactly what a fresh schema-3 load of the same files holds and finds."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ancrage.notices.index import index_dir
from ancrage.notices.ingest import load_notices
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, load_notice, store_path
from ancrage.settings import Settings

# The FTS5 tables as the schema-1 and schema-2 code created them (store.py before schema 3).
SCHEMA_1_FTS = """CREATE VIRTUAL TABLE notice_fts USING fts5(
    title, body, tokenize = 'unicode61 remove_diacritics 2'
)"""
SCHEMA_2_FTS = """CREATE VIRTUAL TABLE notice_fts USING fts5(
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
)"""
KEPT = ("notices", "notice_cpv", "notice_dep", "lots", "quarantine", "files")
COMPARED = {
    "notices": "SELECT * FROM notices ORDER BY rowid",
    "notice_filter": "SELECT * FROM notice_filter ORDER BY rowid",
}
NOW = datetime(2026, 1, 15, tzinfo=UTC)


def _old_copy(fresh: Path, old: Path, version: int) -> None:
    """The store that the schema-1 or schema-2 code writes for the same files: the same tables
    (schema 2: and ``notice_filter``), and an FTS5 table of the stemmed text (the older code
    indexed ``fts_row`` of each stored document, which reading it back gives again)."""
    from ancrage.notices.search import fts_row

    kept = KEPT if version == 1 else (*KEPT, "notice_filter")
    old.parent.mkdir(parents=True)
    con = sqlite3.connect(old, isolation_level=None)
    con.execute("ATTACH ? AS fresh", (str(fresh),))
    con.execute("BEGIN")
    for (sql,) in con.execute(
        "SELECT sql FROM fresh.sqlite_schema WHERE name IN "
        f"({', '.join('?' * len(kept))}) OR (type = 'index' AND tbl_name IN "
        f"({', '.join('?' * len(kept))}) AND sql IS NOT NULL)",
        kept + kept,
    ).fetchall():
        con.execute(sql)
    for table in kept:
        con.execute(f"INSERT INTO {table} SELECT * FROM fresh.{table}")
    con.execute(SCHEMA_1_FTS if version == 1 else SCHEMA_2_FTS)
    con.executemany(
        "INSERT INTO notice_fts (rowid, title, body) VALUES (?, ?, ?)",
        [
            (rowid, *fts_row(load_notice(doc)))
            for rowid, doc in con.execute("SELECT rowid, doc FROM notices ORDER BY rowid")
        ],
    )
    con.execute("COMMIT")
    con.execute("DETACH fresh")
    con.execute(f"PRAGMA user_version = {version}")
    con.close()


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(path)
    try:
        return {table: con.execute(sql).fetchall() for table, sql in COMPARED.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def stores(
    tmp_path_factory: pytest.TempPathFactory, notices_dir: Path, eforms_dir: Path
) -> dict[int, Settings]:
    """The fresh store (3) and its copies as schemas 1 and 2 wrote them."""
    fresh = Settings.resolve(tmp_path_factory.mktemp("fresh"))
    load_notices(fresh, [notices_dir], eforms_dir=eforms_dir)
    out = {3: fresh}
    for version in (1, 2):
        out[version] = Settings.resolve(tmp_path_factory.mktemp(f"v{version}"))
        _old_copy(store_path(fresh), store_path(out[version]), version)
    return out


def _tables(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    finally:
        con.close()


@pytest.mark.parametrize("version", [1, 2])
def test_reading_an_older_store_migrates_it(stores: dict[int, Settings], version: int) -> None:
    fresh, old = stores[3], stores[version]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (version,)
    assert con.execute("SELECT count(*) FROM notice_fts").fetchone() == (60,)
    con.close()
    assert not index_dir(old).exists()
    hits = search(old, "menuiseries", now=NOW)  # opens the store: migrates it, builds the index
    assert [h.id for h in hits] == ["boamp:26-7319", "boamp:26-7113"]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (3,)
    con.close()
    tables = _tables(store_path(old))
    assert not {t for t in tables if t.startswith("notice_fts")}  # the FTS5 index is gone
    assert tables == _tables(store_path(fresh))
    assert index_dir(old).is_dir()
    assert _dump(store_path(old)) == _dump(store_path(fresh))


@pytest.mark.parametrize("version", [1, 2])
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
    stores: dict[int, Settings], version: int, query: str, kw: dict[str, object]
) -> None:
    got = search(stores[version], query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got == search(stores[3], query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got != []


@pytest.mark.parametrize("version", [1, 2])
def test_writing_after_migration(stores: dict[int, Settings], version: int) -> None:
    with NoticeStore(stores[version]).writing() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM notice_filter").fetchone() == (60,)

"""Schemas 1, 2 and 3 → 4: a store written by older code is migrated when first opened (the FTS5
table is dropped, the tantivy index is built from the store when first searched; the unused
``notices_siret`` index is dropped), and then holds and finds exactly what a fresh schema-4 load
of the same files holds and finds. A schema-3 store keeps its search index (no rebuild)."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from notice_fixtures import Recorder

from ancrage.notices.index import StoreState, index_dir, staleness
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
# The index on buyer_siret that schemas 1 to 3 had (dropped by schema 4: no query used it).
SCHEMA_3_SIRET = "CREATE INDEX notices_siret ON notices (buyer_siret)"
KEPT = ("notices", "notice_cpv", "notice_dep", "lots", "quarantine", "files")
COMPARED = {
    "notices": "SELECT * FROM notices ORDER BY rowid",
    "notice_filter": "SELECT * FROM notice_filter ORDER BY rowid",
}
NOW = datetime(2026, 1, 15, tzinfo=UTC)


def _old_copy(fresh: Path, old: Path, version: int) -> None:
    """The store that the schema-1, 2 or 3 code writes for the same files: the same tables
    (schema 2: and ``notice_filter``; schema 3: and ``search_state``) with ``notices_siret``,
    and for schemas 1 and 2 an FTS5 table of the stemmed text (the older code indexed
    ``fts_row`` of each stored document, which reading it back gives again)."""
    from ancrage.notices.analysis import analyse, notice_texts

    def fts_row(notice: object) -> tuple[str, ...]:
        return tuple(analyse(text) for text in notice_texts(notice))

    kept = {1: KEPT, 2: (*KEPT, "notice_filter"), 3: (*KEPT, "notice_filter", "search_state")}[
        version
    ]
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
    con.execute(SCHEMA_3_SIRET)
    if version < 3:
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
    """The fresh store (4) and its copies as schemas 1, 2 and 3 wrote them (without their
    search index: built by the first search)."""
    fresh = Settings.resolve(tmp_path_factory.mktemp("fresh"))
    load_notices(fresh, [notices_dir], eforms_dir=eforms_dir)
    out = {4: fresh}
    for version in (1, 2, 3):
        out[version] = Settings.resolve(tmp_path_factory.mktemp(f"v{version}"))
        _old_copy(store_path(fresh), store_path(out[version]), version)
    return out


def _tables(path: Path, kind: str = "table") -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = ?", (kind,))}
    finally:
        con.close()


@pytest.mark.parametrize("version", [1, 2, 3])
def test_reading_an_older_store_migrates_it(stores: dict[int, Settings], version: int) -> None:
    fresh, old = stores[4], stores[version]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (version,)
    if version < 3:
        assert con.execute("SELECT count(*) FROM notice_fts").fetchone() == (60,)
    con.close()
    assert "notices_siret" in _tables(store_path(old), "index")
    assert not index_dir(old).exists()
    hits = search(old, "menuiseries", now=NOW)  # opens the store: migrates it, builds the index
    assert [h.id for h in hits] == ["boamp:26-7319", "boamp:26-7113"]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (4,)
    con.close()
    tables = _tables(store_path(old))
    assert not {t for t in tables if t.startswith("notice_fts")}  # the FTS5 index is gone
    assert tables == _tables(store_path(fresh))
    indexes = _tables(store_path(old), "index")
    assert "notices_siret" not in indexes
    assert indexes == _tables(store_path(fresh), "index")
    assert index_dir(old).is_dir()
    assert _dump(store_path(old)) == _dump(store_path(fresh))


@pytest.mark.parametrize("version", [1, 2, 3])
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
    assert got == search(stores[4], query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got != []


@pytest.mark.parametrize("version", [1, 2, 3])
def test_writing_after_migration(stores: dict[int, Settings], version: int) -> None:
    with NoticeStore(stores[version]).writing() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (4,)
        assert con.execute("SELECT count(*) FROM notice_filter").fetchone() == (60,)


def test_a_schema_3_store_keeps_its_search_index(
    tmp_path: Path, stores: dict[int, Settings]
) -> None:
    """3 → 4 changes no notice: the index of the schema-3 store still reflects it."""
    fresh = stores[4]
    search(fresh, "travaux", now=NOW)  # the fresh store's index, in step
    old = Settings.resolve(tmp_path / "v3")
    _old_copy(store_path(fresh), store_path(old), 3)
    shutil.copytree(index_dir(fresh), index_dir(old))  # its index: same store id, generation
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (3,)
    con.close()
    progress = Recorder()
    got = search(old, "travaux", now=NOW, progress=progress)  # migrates the store
    assert progress.events == []  # no rebuild
    assert got == search(fresh, "travaux", now=NOW) != []
    with NoticeStore(old).reading() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (4,)
        assert staleness(old, StoreState.of(con)) is None


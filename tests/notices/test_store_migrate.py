"""Schemas 1 to 4 → 5: a store written by older code is migrated when first opened (the FTS5
table is dropped, the tantivy index is built from the store when first searched; the unused
``notices_siret`` index is dropped; ``public_id`` is added), and then holds and finds exactly
what a fresh schema-5 load of the same files holds and finds. A schema-3 or 4 store keeps its
search index (no rebuild)."""

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
CURRENT = 5
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

    kept = KEPT if version == 1 else (*KEPT, "notice_filter")
    kept = (*kept, "search_state") if version >= 3 else kept
    old.parent.mkdir(parents=True)
    con = sqlite3.connect(old, isolation_level=None)
    con.execute("ATTACH ? AS fresh", (str(fresh),))
    con.execute("BEGIN")
    for (sql,) in con.execute(
        "SELECT sql FROM fresh.sqlite_schema WHERE (name IN "
        f"({', '.join('?' * len(kept))}) OR (type = 'index' AND tbl_name IN "
        f"({', '.join('?' * len(kept))}) AND sql IS NOT NULL)) AND name != 'notices_public'",
        kept + kept,
    ).fetchall():
        con.execute(sql.replace(",\n    public_id TEXT NOT NULL", ""))  # added by schema 5
    for table in kept:
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM fresh.{table}")
    if version < 4:
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
    """The fresh store (5) and its copies as schemas 1 to 4 wrote them (without their search
    index: built by the first search)."""
    fresh = Settings.resolve(tmp_path_factory.mktemp("fresh"))
    load_notices(fresh, [notices_dir], eforms_dir=eforms_dir)
    out = {CURRENT: fresh}
    for version in (1, 2, 3, 4):
        out[version] = Settings.resolve(tmp_path_factory.mktemp(f"v{version}"))
        _old_copy(store_path(fresh), store_path(out[version]), version)
    return out


def _tables(path: Path, kind: str = "table") -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = ?", (kind,))}
    finally:
        con.close()


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_reading_an_older_store_migrates_it(stores: dict[int, Settings], version: int) -> None:
    fresh, old = stores[CURRENT], stores[version]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (version,)
    if version < 3:
        assert con.execute("SELECT count(*) FROM notice_fts").fetchone() == (60,)
    con.close()
    assert ("notices_siret" in _tables(store_path(old), "index")) is (version < 4)
    assert not index_dir(old).exists()
    hits = search(old, "menuiseries", now=NOW)  # opens the store: migrates it, builds the index
    assert [h.id for h in hits] == ["boamp:26-7319", "boamp:26-7113"]
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (CURRENT,)
    con.close()
    tables = _tables(store_path(old))
    assert not {t for t in tables if t.startswith("notice_fts")}  # the FTS5 index is gone
    assert tables == _tables(store_path(fresh))
    indexes = _tables(store_path(old), "index")
    assert "notices_siret" not in indexes
    assert indexes == _tables(store_path(fresh), "index")
    assert index_dir(old).is_dir()
    assert _dump(store_path(old)) == _dump(store_path(fresh))


@pytest.mark.parametrize("version", [1, 2, 3, 4])
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
    assert got == search(stores[CURRENT], query, now=NOW, **kw)  # type: ignore[arg-type]
    assert got != []


@pytest.mark.parametrize("version", [1, 2, 3, 4])
def test_writing_after_migration(stores: dict[int, Settings], version: int) -> None:
    with NoticeStore(stores[version]).writing() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (CURRENT,)
        assert con.execute("SELECT count(*) FROM notice_filter").fetchone() == (60,)


@pytest.mark.parametrize("version", [3, 4])
def test_a_schema_3_or_4_store_keeps_its_search_index(
    tmp_path: Path, stores: dict[int, Settings], version: int
) -> None:
    """3 → 5 and 4 → 5 change no notice: the index of the older store still reflects it."""
    fresh = stores[CURRENT]
    search(fresh, "travaux", now=NOW)  # the fresh store's index, in step
    old = Settings.resolve(tmp_path / f"v{version}")
    _old_copy(store_path(fresh), store_path(old), version)
    shutil.copytree(index_dir(fresh), index_dir(old))  # its index: same store id, generation
    con = sqlite3.connect(store_path(old))
    assert con.execute("PRAGMA user_version").fetchone() == (version,)
    con.close()
    progress = Recorder()
    got = search(old, "travaux", now=NOW, progress=progress)  # migrates the store
    assert progress.events == []  # no rebuild
    assert got == search(fresh, "travaux", now=NOW) != []
    with NoticeStore(old).reading() as con:
        assert con.execute("PRAGMA user_version").fetchone() == (CURRENT,)
        assert staleness(old, StoreState.of(con)) is None



def test_a_schema_4_store_gets_the_publication_numbers_by_loading_again(
    tmp_path: Path, stores: dict[int, Settings], notices_dir: Path
) -> None:
    """Documents written before schema 5 have no publication number: their TED files are
    forgotten by the migration, so loading the folder again reads them and the notices are
    found by the numbers users know."""
    old = Settings.resolve(tmp_path / "v4")
    _old_copy(store_path(stores[CURRENT]), store_path(old), 4)
    con = sqlite3.connect(store_path(old))
    con.execute(  # as the schema-4 code wrote them: no publication number (so another sha)
        "UPDATE notices SET doc = json_remove(CAST(doc AS TEXT), '$.publication_number'), "
        "base_sha = 'schema 4' WHERE source = 'ted'"
    )
    con.commit()
    con.close()
    with NoticeStore(old).writing() as con:  # migrates
        assert con.execute(
            "SELECT count(*) FROM files WHERE format = 'ted-eforms-xml'"
        ).fetchone() == (0,)
        assert con.execute("SELECT public_id FROM notices WHERE source = 'ted'").fetchall()
    reports = load_notices(old, [notices_dir / "ted_eforms"])
    assert sum(r.loaded for r in reports) > 20
    assert NoticeStore(old).get("ted:00137599-2024").publication_number == "00137599-2024"

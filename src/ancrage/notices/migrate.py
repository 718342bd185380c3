"""Migrations of the notice store to the current schema (:data:`store.SCHEMA_VERSION`).

* 1 → 2 (part of the move to 3): ``notice_filter`` (one narrow row per notice with the filtered
  values) is filled from the stored columns.
* 2 → 3: the full-text index leaves SQLite for tantivy (:mod:`ancrage.notices.index`): the FTS5
  table is dropped and ``search_state`` (store id, generation) is created; the tantivy index does
  not exist yet, so it is built from the store when first searched (or at the end of the next
  load).
* 3 → 4: the index ``notices_siret`` (on ``buyer_siret``) is dropped: no query reads it, and
  every load paid for it. Nothing else changes (the search index stays in step).
* 4 → 5: ``public_id``, the id users know (TED publication number, BOAMP avis number), by which
  notices are found, filled from the documents. Documents written before schema 5 have no
  publication number: their ``public_id`` is their id, and when no TED notice of the store has
  one, the TED files are forgotten from ``files`` so that loading them again reads them (same
  ids; the publication number is filled, the search index follows).

Everything runs in one transaction: a failed migration leaves the store at its version. The
pages of the dropped FTS5 table are kept for reuse (no ``VACUUM``: minutes on a large store).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from ancrage.notices.facets import cpv_text, dep_mask

_NOTICE_FILTER = """CREATE TABLE notice_filter (
    rowid INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    deadline_utc TEXT,
    deps_lo INTEGER NOT NULL,
    deps_hi INTEGER NOT NULL,
    cpvs TEXT NOT NULL
)"""
_SEARCH_STATE = (
    "CREATE TABLE search_state (store_id TEXT NOT NULL, generation INTEGER NOT NULL)",
    # a new store id: no index on disk can be taken for this store's
    """INSERT INTO search_state (store_id, generation)
    VALUES (lower(hex(randomblob(16))), 1)""",
)

_PUBLICATION = "json_extract(CAST(doc AS TEXT), '$.publication_number')"
_PUBLIC_ID = (
    "ALTER TABLE notices ADD COLUMN public_id TEXT NOT NULL DEFAULT ''",
    f"""UPDATE notices SET public_id = CASE
        WHEN source = 'ted' AND {_PUBLICATION} IS NOT NULL THEN 'ted:' || {_PUBLICATION}
        ELSE id END""",
    "CREATE INDEX notices_public ON notices (public_id)",
    """DELETE FROM files WHERE format = 'ted-eforms-xml'
        AND NOT EXISTS (SELECT 1 FROM notices WHERE source = 'ted' AND public_id != id)""",
)


def migrate(con: sqlite3.Connection, version: int) -> None:
    """Bring a store at ``version`` (≥ 1) to the current schema (autocommit connection)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        if version < 2:
            con.execute(_NOTICE_FILTER)
            _fill_filters(con)
        if version < 3:
            con.execute("DROP TABLE notice_fts")
            for statement in _SEARCH_STATE:
                con.execute(statement)
        if version < 4:
            con.execute("DROP INDEX IF EXISTS notices_siret")
        if version < 5:
            for statement in _PUBLIC_ID:
                con.execute(statement)
        con.execute("PRAGMA user_version = 5")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _fill_filters(con: sqlite3.Connection) -> None:
    deps: dict[int, list[str]] = defaultdict(list)
    for dep, rowid in con.execute("SELECT dep, notice_rowid FROM notice_dep"):
        deps[rowid].append(dep)
    cpvs: dict[int, list[str]] = defaultdict(list)
    for cpv, rowid in con.execute("SELECT cpv, notice_rowid FROM notice_cpv"):
        cpvs[rowid].append(cpv)
    rows = [
        (rowid, status, deadline, *dep_mask(deps[rowid]), cpv_text(cpvs[rowid]))
        for rowid, status, deadline in con.execute(
            "SELECT rowid, status, deadline_utc FROM notices ORDER BY rowid"
        )
    ]
    con.executemany(
        """INSERT INTO notice_filter (rowid, status, deadline_utc, deps_lo, deps_hi, cpvs)
        VALUES (?, ?, ?, ?, ?, ?)""",
        rows,
    )

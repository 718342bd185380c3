"""Migrations of the notice store to the current schema (:data:`store.SCHEMA_VERSION`).

1 → 2: the full-text index becomes contentless (its stemmed text was a second copy of what the
JSON documents give); its rows are copied as they are (no re-stemming), and ``notice_filter``
(one narrow row per notice with the filtered values) is filled from the stored columns.
Everything runs in one transaction: a failed migration leaves the store at version 1.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from ancrage.notices.store import cpv_text, dep_mask

_V1_TO_V2 = """
CREATE TABLE notice_filter (
    rowid INTEGER PRIMARY KEY,
    status TEXT NOT NULL,
    deadline_utc TEXT,
    deps_lo INTEGER NOT NULL,
    deps_hi INTEGER NOT NULL,
    cpvs TEXT NOT NULL
);
CREATE VIRTUAL TABLE notice_fts_v2 USING fts5(
    title, body, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO notice_fts_v2 (rowid, title, body) SELECT rowid, title, body FROM notice_fts;
DROP TABLE notice_fts;
ALTER TABLE notice_fts_v2 RENAME TO notice_fts;
"""


def migrate(con: sqlite3.Connection, version: int) -> None:
    """Bring a store at ``version`` (≥ 1) to the current schema (autocommit connection)."""
    if version == 1:
        con.execute("BEGIN IMMEDIATE")
        try:
            for statement in _V1_TO_V2.split(";\n"):
                if statement.strip():
                    con.execute(statement)
            _fill_filters(con)
            con.execute("PRAGMA user_version = 2")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("INSERT INTO notice_fts (notice_fts) VALUES ('optimize')")


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

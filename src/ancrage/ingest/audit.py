"""What the data carries that Ancrage does not read yet, and the value fixes it never needs.

- **Unmapped source keys**: every reader keeps the keys it did not map in ``contracts.extra``;
  the most frequent ones per format are shown (``ancrage status --audit``), so that a new field
  of the sources gets noticed.
- **Fix rules never used**: each load records which rules of the lookup tables
  (``data/fixes/*.csv``, :mod:`ancrage.ingest.lookups`) its file needed, in
  ``<warehouse>/fixes_used/<file_id>.json``; the rules no loaded file needed are listed, to
  prune dead fixes or notice a source that changed its spelling.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ancrage.ingest.lookups import never_used

USAGE_DIR = "fixes_used"


def record_rules(warehouse_dir: Path, file_id: str, rules: dict[str, int]) -> None:
    """Keep the fix rules a loaded file needed (atomically; one small JSON per file)."""
    target = warehouse_dir / USAGE_DIR / f"{file_id}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(dict(sorted(rules.items()))), encoding="utf-8")
    partial.replace(target)


def rules_used(warehouse_dir: Path, file_ids: list[str]) -> tuple[dict[str, int], int]:
    """Uses of each rule by the loaded files, and how many files recorded theirs (files loaded
    before this was recorded have none)."""
    used: dict[str, int] = {}
    recorded = 0
    for file_id in file_ids:
        path = warehouse_dir / USAGE_DIR / f"{file_id}.json"
        if not path.is_file():
            continue
        recorded += 1
        for key, n in json.loads(path.read_text(encoding="utf-8")).items():
            used[key] = used.get(key, 0) + int(n)
    return used, recorded


@dataclass(frozen=True)
class ExtraKey:
    """A source key no reader maps: ``format``, ``key``, in how many ``contracts``."""

    format: str
    key: str
    contracts: int


@dataclass(frozen=True)
class Audit:
    """``extra_keys``: the most frequent unmapped keys per format; ``unused_rules``: fix rules
    no loaded file needed, per lookup table; ``files``: loaded files; ``files_recorded``: those
    whose rule usage is known."""

    extra_keys: list[ExtraKey]
    unused_rules: dict[str, list[str]]
    files: int
    files_recorded: int


def audit(con: duckdb.DuckDBPyConnection, warehouse_dir: Path, top: int = 10) -> Audit:
    """The audit of a warehouse (``con`` sees its tables)."""
    rows = con.execute(
        """WITH keys AS (
            SELECT source_format, k, count(*) AS n FROM (
                SELECT source_format, unnest(json_keys(extra)) AS k
                FROM contracts WHERE extra IS NOT NULL AND extra <> '{}')
            GROUP BY source_format, k
        )
        SELECT source_format, k, n FROM keys
        QUALIFY row_number() OVER (PARTITION BY source_format ORDER BY n DESC, k) <= ?
        ORDER BY source_format, n DESC, k""",
        [top],
    ).fetchall()
    file_ids = [r[0] for r in con.execute("SELECT file_id FROM loaded_files").fetchall()]
    used, recorded = rules_used(warehouse_dir, file_ids)
    return Audit(
        extra_keys=[ExtraKey(str(f), str(k), int(n)) for f, k, n in rows],
        unused_rules=never_used(set(used)),
        files=len(file_ids),
        files_recorded=recorded,
    )

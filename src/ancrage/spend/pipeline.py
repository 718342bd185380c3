"""Load one accounting export into the ``spend`` tables, atomically and idempotently.

```
<home>/warehouse/spend/parts/<file_id>/   spend, spend_quarantine, spend_repairs (.parquet)
                                          + manifest.json (counts, column map): one committed file
<home>/warehouse/enriched/spend*.parquet  all committed parts merged; views for every connection
```

A file is staged in ``warehouse/staging``, then its folder is renamed into ``parts/`` (the commit
point), then the merged tables are rewritten (temporary file + rename). Counts always satisfy
``read = loaded + quarantined + duplicates``; the same file (same SHA-256) is never loaded twice.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from ancrage.errors import AncrageError, ConfigError, InputFileError
from ancrage.ingest.pipeline import file_digest
from ancrage.ingest.values import is_valid_siret, siret
from ancrage.settings import Settings
from ancrage.spend.columns import map_columns
from ancrage.spend.lines import LineContext, content_key, read_line
from ancrage.spend.model import TABLES
from ancrage.spend.reader import read_sheet
from ancrage.sql import sql_str
from ancrage.warehouse.store import Warehouse

MANIFEST = "manifest.json"


@dataclass
class SpendReport:
    file: str
    buyer_siret: str
    detected_format: str
    header_line: int
    columns: dict[str, str]
    amount_kind: str | None
    read: int
    loaded: int
    repaired: int
    quarantined: int
    duplicates: int
    amount_eur: float
    already_loaded: bool = False
    # what the warehouse found and repaired on the way in (French, one line each)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def spend_dir(settings: Settings) -> Path:
    return settings.warehouse_dir / "spend"


def parts_dir(settings: Settings) -> Path:
    return spend_dir(settings) / "parts"


def check_buyer(raw: str) -> str:
    value: str | None = siret(raw)[0]
    if value is None or not is_valid_siret(value):
        raise ConfigError(
            f"SIRET d'acheteur invalide : {raw!r}",
            hint="Indiquez les 14 chiffres du SIRET de l'acheteur avec --buyer "
            "(clé de contrôle vérifiée).",
        )
    return value


def committed(settings: Settings) -> dict[str, dict[str, Any]]:
    """Manifests of the committed files, by file id, in load order."""
    root = parts_dir(settings)
    if not root.is_dir():
        return {}
    out = [
        json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        for d in root.iterdir()
        if (d / MANIFEST).is_file()
    ]
    return {m["file_id"]: m for m in sorted(out, key=lambda m: (m["loaded_at"], m["file_id"]))}


def load_spend(
    settings: Settings,
    path: Path,
    buyer: str,
    *,
    mapping: dict[str, str] | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
) -> SpendReport:
    """Load ``path`` (the accounting export of ``buyer``) and return what was done."""
    buyer_siret = check_buyer(buyer)
    path = Path(path)
    if not path.is_file():
        raise InputFileError("fichier introuvable", file=path)
    sha = file_digest(path)
    file_id = sha[:20]
    warehouse = Warehouse(settings)
    with warehouse.writing() as con:
        _sweep(settings)
        known = committed(settings)
        if file_id in known:
            m = known[file_id]
            _materialise(settings, con, known)
            return SpendReport(
                **{**m["report"], "file": str(path), "loaded": 0, "repaired": 0,
                   "duplicates": m["report"]["read"] - m["report"]["quarantined"],
                   "amount_eur": 0.0, "already_loaded": True, "notes": warehouse.notes}
            )  # fmt: skip
        stage = warehouse.staging_dir / f"spend-{file_id}-{uuid.uuid4().hex[:8]}"
        stage.mkdir(parents=True)
        try:
            report = _stage(settings, con, path, sha, buyer_siret, mapping or {}, sheet,
                            today or dt.date.today(), stage, known)  # fmt: skip
            target = parts_dir(settings) / file_id
            target.parent.mkdir(parents=True, exist_ok=True)
            stage.rename(target)  # the commit point
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        _materialise(settings, con, committed(settings))
    report.notes = warehouse.notes
    return report


def _stage(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    path: Path,
    sha: str,
    buyer_siret: str,
    mapping: dict[str, str],
    sheet_name: str | None,
    today: dt.date,
    stage: Path,
    known: dict[str, dict[str, Any]],
) -> SpendReport:
    sheet = read_sheet(path, sheet_name)
    cmap, data = map_columns(path, sheet, mapping)
    ctx = LineContext(
        file_id=sha[:20],
        file_prefix=sha[:16],
        source_file=path.name,
        buyer_siret=buyer_siret,
        columns=cmap,
        strict_width=sheet.kind == "csv",
        today=today,
    )
    seen = _known_keys(settings, con, buyer_siret, known)
    rows: list[dict[str, Any]] = []
    repairs: list[dict[str, Any]] = []
    quarantine: list[dict[str, Any]] = []
    occurrences: Counter[str] = Counter()
    duplicates = 0
    try:
        for number, cells in data:
            line = read_line(ctx, number, cells)
            if line.row is None:
                assert line.rejection is not None
                quarantine.append(
                    {
                        "file_id": ctx.file_id,
                        "source_file": ctx.source_file,
                        "source_line": number,
                        **asdict(line.rejection),
                    }
                )
                continue
            content = content_key(line.row)
            occurrences[content] += 1
            key = f"{content}-{occurrences[content]}"  # the n-th identical line of the file
            if key in seen:
                duplicates += 1
                continue
            rows.append({**line.row, "dedup_key": key})
            repairs.extend(line.repairs)
    except AncrageError:
        raise
    except Exception as exc:  # a bug must not become a traceback nor a half load
        raise InputFileError(
            f"erreur inattendue en lisant le fichier ({type(exc).__name__}: {exc})",
            file=path,
            hint="Rien n'a été chargé. Signalez le problème avec ce fichier.",
        ) from exc
    for name, table_rows in (
        ("spend", rows),
        ("spend_repairs", repairs),
        ("spend_quarantine", quarantine),
    ):
        pq.write_table(
            pa.Table.from_pylist(table_rows, schema=TABLES[name]), stage / f"{name}.parquet"
        )
    report = SpendReport(
        file=str(path),
        buyer_siret=buyer_siret,
        detected_format=f"{sheet.kind} ({sheet.detail})",
        header_line=cmap.header_line,
        columns={f: h for f in cmap.columns if (h := cmap.source(f)) is not None},
        amount_kind=cmap.amount_kind,
        read=len(data),
        loaded=len(rows),
        repaired=len({r["source_line"] for r in repairs}),
        quarantined=len(quarantine),
        duplicates=duplicates,
        amount_eur=round(sum(r["amount_eur"] for r in rows), 2),
    )
    manifest = {
        "file_id": ctx.file_id,
        "sha256": sha,
        "path": str(path.resolve()),
        "loaded_at": dt.datetime.now().isoformat(timespec="seconds"),
        "report": {
            k: v for k, v in report.as_json().items() if k not in {"already_loaded", "notes"}
        },
    }
    (stage / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return report


def _part_list(settings: Settings, ids: list[str], table: str) -> str:
    return (
        "["
        + ", ".join(sql_str(str(parts_dir(settings) / i / f"{table}.parquet")) for i in ids)
        + "]"
    )


def _known_keys(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    buyer_siret: str,
    known: dict[str, dict[str, Any]],
) -> set[str]:
    ids = [i for i, m in known.items() if m["report"]["buyer_siret"] == buyer_siret]
    if not ids:
        return set()
    sql = f"SELECT dedup_key FROM read_parquet({_part_list(settings, ids, 'spend')})"
    return {r[0] for r in con.execute(sql).fetchall()}


def _sweep(settings: Settings) -> None:
    """Remove part folders that never got their manifest (a crash before the commit)."""
    root = parts_dir(settings)
    if root.is_dir():
        for d in root.iterdir():
            if d.is_dir() and not (d / MANIFEST).is_file():
                shutil.rmtree(d, ignore_errors=True)


def _materialise(
    settings: Settings, con: duckdb.DuckDBPyConnection, known: dict[str, dict[str, Any]]
) -> None:
    """Rewrite ``enriched/spend*.parquet`` from the committed parts (temporary file + rename)."""
    out_dir = Warehouse(settings).enriched_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    ids = list(known)
    for table, schema in TABLES.items():
        target = out_dir / f"{table}.parquet"
        tmp = out_dir / f".{table}.parquet.tmp"
        if ids:
            cols = ", ".join(n for n in schema.names if n != "dedup_key")
            order = (
                "source_file, source_line" if table != "spend" else "year, buyer_siret, spend_id"
            )
            con.execute(
                f"COPY (SELECT {cols} FROM read_parquet({_part_list(settings, ids, table)})"
                f" ORDER BY {order}) TO {sql_str(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
            )
        else:
            empty = pa.schema([f for f in schema if f.name != "dedup_key"])
            pq.write_table(empty.empty_table(), tmp)
        tmp.replace(target)
    Warehouse(settings).attach_enriched(con)

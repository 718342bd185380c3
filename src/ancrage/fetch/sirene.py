"""SIRENE: the monthly stock files, with only the columns Ancrage reads.

INSEE's ``StockEtablissement`` (~2 GB) and ``StockUniteLegale`` (~0.7 GB) are published as
Parquet on data.gouv.fr (dataset « Base Sirene des entreprises et de leurs établissements »).
Ancrage reads eight columns of each (:data:`ancrage.sirene.stock.ESTABLISHMENT_COLUMNS`,
:data:`~ancrage.sirene.stock.LEGAL_UNIT_COLUMNS`; never a personal name): the file is read
remotely with HTTP ranges (:class:`RangeFile`), row group by row group, and only those columns
travel. Each row group is kept in ``.<name>.<version>.parts/`` as it arrives, so an interrupted
fetch resumes at the first missing row group; the parts are then joined into
``downloads/sirene/<name>.parquet`` (atomic rename) — the folder ``ancrage enrich
--sirene-stock`` reads. A server that ignores ranges gets a plain resumable download of the
whole file, projected locally.

The files are fetched again when their ``last_modified`` on data.gouv.fr changes (monthly).
What the stock does not know is asked from the API « Recherche d'entreprises » during
``ancrage update`` (:mod:`ancrage.sirene.api`, answers cached).
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from ancrage.fetch import datagouv
from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest
from ancrage.fetch.download import file_hash
from ancrage.fetch.errors import SourceChangedError
from ancrage.fetch.rangefile import RangeFile, RangesUnsupported

WHAT = "data.gouv.fr (stock SIRENE)"
# resource ids of the Parquet stock files (stable: data.gouv.fr replaces the file in place)
STOCK_FILES = {
    "StockEtablissement_utf8": "a29c1297-1f92-4e2a-8f6b-8c902ce96c5f",
    "StockUniteLegale_utf8": "350182c9-148a-46e0-8389-76c2ec1374a3",
}


def columns_for(name: str) -> tuple[str, ...]:
    from ancrage.sirene.stock import ESTABLISHMENT_COLUMNS, LEGAL_UNIT_COLUMNS

    return ESTABLISHMENT_COLUMNS if name.startswith("StockEtablissement") else LEGAL_UNIT_COLUMNS


class Sirene:
    name = "sirene"
    label = "SIRENE : fichiers stock mensuels de l'INSEE (colonnes utiles seulement)"

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        given = [
            o for o, v in (("--territory", request.territory), ("--since", request.since)) if v
        ]
        if given:
            ctx.note(
                f"SIRENE : le stock est national et mensuel ; {' et '.join(given)} ne le "
                "restreint pas (les titulaires d'un territoire viennent de toute la France)."
            )
        return [self._one(ctx, name, rid) for name, rid in STOCK_FILES.items()]

    def _one(self, ctx: FetchContext, name: str, resource_id: str) -> FetchedFile:
        res = datagouv.resource(ctx.http, ctx.endpoints, resource_id)
        folder = ctx.folder(self.name)
        target = folder / f"{name}.parquet"
        same = ctx.unchanged(self.name, target, res.last_modified)
        if same is not None:
            return same
        tag = hashlib.sha1((res.last_modified or res.url).encode()).hexdigest()[:10]
        parts = folder / f".{name}.{tag}.parts"
        for stale in folder.glob(f".{name}.*.parts"):
            if stale != parts:
                shutil.rmtree(stale, ignore_errors=True)
        columns = columns_for(name)
        try:
            self._project_remote(ctx, res.url, parts, columns, target.name)
        except RangesUnsupported:
            full = folder / ".complet" / f"{name}.parquet"
            ctx.download_resource(self.name, "sirene-complet", res, full, what=WHAT)
            _project_local(full, parts, columns, target.name)
            full.unlink(missing_ok=True)
            ctx.manifest.files.pop(ctx.manifest.key(full), None)
        _join(parts, target, columns)
        shutil.rmtree(parts, ignore_errors=True)
        return ctx.record_built(
            self.name,
            "sirene",
            res.url,
            target,
            sha256=file_hash(target),
            version=res.last_modified,
        )

    def _project_remote(
        self, ctx: FetchContext, url: str, parts: Path, columns: tuple[str, ...], name: str
    ) -> None:
        import pyarrow.parquet as pq

        remote = RangeFile(ctx.http, url, what=WHAT)
        parquet = pq.ParquetFile(remote, pre_buffer=True)
        _check_schema(parquet.schema_arrow.names, columns, url)
        _copy_row_groups(parquet, parts, columns, name, ctx)


def _check_schema(names: list[str], columns: tuple[str, ...], where: str) -> None:
    missing = [c for c in columns if c not in names]
    if missing:
        raise SourceChangedError(
            f"le stock SIRENE n'a plus la colonne {missing[0]}",
            file=where,
            hint="L'INSEE a changé le format du stock ; rien n'a été écrit. Signalez-le.",
        )


def _copy_row_groups(
    parquet: Any, parts: Path, columns: tuple[str, ...], name: str, ctx: FetchContext | None
) -> None:
    """Each row group's columns into its own part file (kept: a resumed fetch skips it)."""
    import pyarrow.parquet as pq

    parts.mkdir(parents=True, exist_ok=True)
    groups = parquet.num_row_groups
    meta = parquet.metadata
    wanted = [i for i, n in enumerate(parquet.schema_arrow.names) if n in columns]
    sizes = [
        sum(meta.row_group(g).column(c).total_compressed_size for c in wanted)
        for g in range(groups)
    ]  # the bytes of the wanted columns: what travels
    if ctx is not None:
        ctx.progress.start_file(name, sum(sizes))
    try:
        for i in range(groups):
            part = parts / f"rg-{i:06d}.parquet"
            if not part.is_file():
                table = parquet.read_row_group(i, columns=list(columns))
                tmp = part.with_name(part.name + ".tmp")
                pq.write_table(table, tmp, compression="zstd")
                tmp.replace(part)
            if ctx is not None:
                ctx.progress.advance(sum(sizes[: i + 1]))
    finally:
        if ctx is not None:
            ctx.progress.end_file()
    (parts / "complete").write_text(str(groups), encoding="utf-8")


def _project_local(path: Path, parts: Path, columns: tuple[str, ...], name: str) -> None:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    _check_schema(parquet.schema_arrow.names, columns, str(path))
    _copy_row_groups(parquet, parts, columns, name, None)


def _join(parts: Path, target: Path, columns: tuple[str, ...]) -> None:
    """The part files, in order, into one Parquet file (atomic rename)."""
    import pyarrow.parquet as pq

    files = sorted(parts.glob("rg-*.parquet"))
    tmp = target.with_name(target.name + ".part")
    writer = None
    try:
        for path in files:
            table = pq.read_table(path, columns=list(columns))
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
        if writer is None:
            raise SourceChangedError(
                "le stock SIRENE téléchargé est vide",
                file=target,
                hint="La source a peut-être changé ; rien n'a été gardé. Signalez-le.",
            )
        writer.close()
        writer = None
        tmp.replace(target)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)

"""The persistent cache of SIRENE facts: one row per SIRET ever looked up, with its source.

``<cache>/sirene/facts.parquet`` holds the records found (schema
:data:`ancrage.sirene.model.ARROW_SCHEMA` + ``source`` = ``stock`` | ``api``);
``<cache>/sirene/misses.parquet`` the SIRETs a source did not know (``siret``, ``source``,
``fingerprint``: the stock files' names, sizes and dates, or ``api``). A run only looks up the
SIRETs that are neither found nor missed by the same source (a new stock retries the misses).
Both files are rewritten atomically (tmp file, then ``os.replace``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ancrage.settings import Settings
from ancrage.sirene.errors import SireneError
from ancrage.sirene.ids import lookable_siret
from ancrage.sirene.model import ARROW_SCHEMA, SireneRecord, records_to_arrow
from ancrage.sirene.stock import DOWNLOAD_HINT, StockFiles, lookup_stock

FACTS_SCHEMA = ARROW_SCHEMA.append(pa.field("source", pa.string()))
MISSES_SCHEMA = pa.schema(
    [("siret", pa.string()), ("source", pa.string()), ("fingerprint", pa.string())]
)


class SiretLookup(Protocol):
    """What the enrichment needs from an API client (``RechercheEntreprisesClient``)."""

    def lookup_siret(self, siret: str) -> SireneRecord | None: ...


def facts_dir(settings: Settings) -> Path:
    return settings.cache_dir / "sirene"


def write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)


def _read(path: Path, schema: pa.Schema) -> pa.Table:
    if not path.is_file():
        return schema.empty_table()
    return pq.read_table(path).select(schema.names).cast(schema)


def find_stock(directory: Path) -> StockFiles:
    """``StockEtablissement*`` and ``StockUniteLegale*`` (.parquet, .csv, .csv.gz) in a folder."""

    def one(prefix: str) -> Path:
        found = sorted(
            p
            for p in directory.glob(f"{prefix}*")
            if p.name.lower().endswith((".parquet", ".csv", ".csv.gz"))
        )
        if not found:
            raise SireneError(
                f"aucun fichier {prefix} dans le dossier du stock SIRENE",
                file=directory,
                hint=DOWNLOAD_HINT + ", dans ce dossier (Parquet ou CSV).",
            )
        parquet = [p for p in found if p.name.lower().endswith(".parquet")]
        return (parquet or found)[0]

    if not directory.is_dir():
        raise SireneError(
            "le dossier du stock SIRENE n'existe pas", file=directory, hint=DOWNLOAD_HINT + "."
        )
    return StockFiles(one("StockEtablissement"), one("StockUniteLegale"))


def stock_fingerprint(files: StockFiles) -> str:
    parts = []
    for path in (files.establishments, files.legal_units):
        st = path.stat()
        parts.append(f"{path.name}:{st.st_size}:{int(st.st_mtime)}")
    return "stock:" + "|".join(parts)


class FactsCache:
    """Facts found so far and SIRETs missed, loaded at start, saved when changed."""

    def __init__(self, settings: Settings) -> None:
        self.dir = facts_dir(settings)
        self.facts = _read(self.dir / "facts.parquet", FACTS_SCHEMA)
        self.misses = _read(self.dir / "misses.parquet", MISSES_SCHEMA)
        self.changed = False

    def unknown(self, wanted: pa.Array, fingerprint: str) -> pa.Array:
        """The wanted SIRETs neither found nor missed by the source with this fingerprint."""
        missed = pc.filter(self.misses["siret"], pc.equal(self.misses["fingerprint"], fingerprint))
        known = pa.concat_arrays(
            [self.facts["siret"].combine_chunks(), missed.combine_chunks()]
        ).cast(pa.string())
        return pc.filter(wanted, pc.invert(pc.is_in(wanted, value_set=known)))

    def add(self, found: pa.Table, asked: pa.Array, source: str, fingerprint: str) -> None:
        if len(asked) == 0:
            return
        found = found.cast(ARROW_SCHEMA).append_column(
            "source", pa.array([source] * len(found), pa.string())
        )
        missed = pc.filter(asked, pc.invert(pc.is_in(asked, value_set=found["siret"])))
        self.facts = pa.concat_tables([self.facts, found]).sort_by("siret")
        self.misses = pa.concat_tables(
            [
                self.misses,
                pa.table(
                    {
                        "siret": missed,
                        "source": pa.array([source] * len(missed), pa.string()),
                        "fingerprint": pa.array([fingerprint] * len(missed), pa.string()),
                    },
                    schema=MISSES_SCHEMA,
                ),
            ]
        ).sort_by([("siret", "ascending"), ("fingerprint", "ascending")])
        self.changed = True

    def save(self) -> None:
        if self.changed:
            write_atomic(self.facts, self.dir / "facts.parquet")
            write_atomic(self.misses, self.dir / "misses.parquet")
            self.changed = False


def lookup_from_stock(cache: FactsCache, wanted: pa.Array, stock_dir: Path) -> int:
    """Look the unknown SIRETs up in the stock files; returns how many were asked."""
    files = find_stock(stock_dir)
    fingerprint = stock_fingerprint(files)
    asked = cache.unknown(wanted, fingerprint)
    if len(asked):
        cache.add(lookup_stock(pa.table({"siret": asked}), files), asked, "stock", fingerprint)
    return len(asked)


def api_wanted(cache: FactsCache, wanted: pa.Array) -> list[str]:
    """The SIRETs an API run would ask: unknown to the cache, valid, not placeholders."""
    return [s for s in cache.unknown(wanted, "api").to_pylist() if lookable_siret(s)]


def lookup_from_api(
    cache: FactsCache,
    wanted: pa.Array,
    client: SiretLookup,
    tick: Callable[[int, int], None] | None = None,
    save_every: int = 500,
) -> int:
    """Look the unknown SIRETs up one by one in the API (the client caches the answers);
    invalid SIRETs and placeholders (``00000000000000``) are never asked."""
    asked = api_wanted(cache, wanted)
    records: list[SireneRecord] = []
    done: list[str] = []
    for i, siret in enumerate(asked, 1):
        record = client.lookup_siret(siret)
        done.append(siret)
        if record is not None:
            records.append(record)
        if tick is not None:
            tick(i, len(asked))
        if len(done) >= save_every:  # an interrupted run keeps what it learnt
            cache.add(records_to_arrow(records), pa.array(done, pa.string()), "api", "api")
            cache.save()
            records, done = [], []
    if done:
        cache.add(records_to_arrow(records), pa.array(done, pa.string()), "api", "api")
    return len(asked)

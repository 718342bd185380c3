"""``enrich``: who is each supplier, where, how big, what was bought.

Reads the canonical tables, looks the SIRETs up (SIRENE stock, then the API, with a persistent
cache), places everybody on the COG and writes three tables into ``warehouse/enriched/``
(exposed as views by :meth:`Warehouse.attach_enriched`): ``establishments``,
``contracts_enriched``, ``contract_suppliers_enriched`` and, when a buyer's accounting export was
loaded (``enriched/spend.parquet``), ``spend_enriched``. Joins run in DuckDB; Python only sees
distinct values (places, CPV codes, size keys, place pairs). Deterministic output: running it
twice writes identical files. See ``docs/enrichment.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from ancrage.enrich import lookups
from ancrage.enrich.facts import FactsCache, SiretLookup, lookup_from_api, lookup_from_stock
from ancrage.enrich.geotables import (
    commune_table,
    departement_table,
    epci_departement_pairs,
    siren_table,
)
from ancrage.enrich.status import coverage
from ancrage.geo import Geography
from ancrage.geo.build import installed_dir
from ancrage.geo.centroids import cached_postal_base, remember_postal_base
from ancrage.settings import Settings
from ancrage.sql import sql_str
from ancrage.warehouse.store import Warehouse

ENRICHED_TABLES = ("establishments", "contracts_enriched", "contract_suppliers_enriched")
SPEND_TABLE = "spend_enriched"
# Columns of ``spend`` the enrichment reads (an empty stand-in has them when no spend exists).
_SPEND_COLUMNS = {
    "spend_id": "VARCHAR",
    "buyer_siret": "VARCHAR",
    "supplier_siret": "VARCHAR",
    "supplier_siren": "VARCHAR",
    "supplier_name": "VARCHAR",
    "amount_eur": "DOUBLE",
    "year": "SMALLINT",
    "purchase_type": "VARCHAR",
    "segment_id": "VARCHAR",
    "in_scope": "BOOLEAN",
}


class EnrichProgress(Protocol):
    """What enrichment tells about its progress (the CLI shows rich progress bars)."""

    def start_step(self, name: str, total: int | None) -> None: ...

    def advance(self, done: int) -> None: ...

    def end_step(self) -> None: ...


class _NoProgress:
    def start_step(self, name: str, total: int | None) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def end_step(self) -> None:
        pass


@dataclass
class EnrichReport:
    """Counts and coverage of one run (also what ``ancrage status`` shows)."""

    sirets: int = 0
    looked_up_stock: int = 0
    looked_up_api: int = 0
    facts_known: int = 0
    distances: bool = False
    coverage: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    # what the warehouse found and repaired on the way in (French, one line each)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "sirets": self.sirets,
            "looked_up_stock": self.looked_up_stock,
            "looked_up_api": self.looked_up_api,
            "facts_known": self.facts_known,
            "distances": self.distances,
            "coverage": self.coverage,
            "files": self.files,
            "notes": self.notes,
        }


# A département code as the sources write it (1, 01, 2a) → COG code, when the COG knows it.
def _dep(expr: str) -> str:
    t = f"upper(trim({expr}))"
    return f"CASE WHEN regexp_full_match({t}, '\\d') THEN '0' || {t} ELSE {t} END"


_SEEN_SQL = f"""
CREATE OR REPLACE TEMP TABLE seen AS
WITH ids AS (
    SELECT buyer_siret AS siret, {_dep("buyer_department")} AS dep FROM contracts
    WHERE buyer_siret IS NOT NULL
    UNION ALL
    SELECT supplier_siret, {_dep("department")} FROM contract_suppliers
    WHERE supplier_siret IS NOT NULL
    UNION ALL
    SELECT subcontractor_siret, NULL FROM subcontracting WHERE subcontractor_siret IS NOT NULL
    UNION ALL
    SELECT buyer_siret, NULL FROM spend WHERE buyer_siret IS NOT NULL
    UNION ALL
    SELECT supplier_siret, NULL FROM spend WHERE in_scope AND supplier_siret IS NOT NULL
), counted AS (
    SELECT i.siret, g.departement AS dep, count(*) AS n
    FROM ids i LEFT JOIN geo_deps g ON g.departement = i.dep
    GROUP BY ALL
)
SELECT siret,
       first(dep ORDER BY (dep IS NULL), n DESC, dep) AS decp_departement
FROM counted GROUP BY siret
"""

_ESTABLISHMENTS_SQL = """
CREATE OR REPLACE TEMP TABLE establishments AS
WITH placed AS (
    SELECT s.siret, left(s.siret, 9) AS siren, s.decp_departement, f.*  EXCLUDE (siret, siren),
           gc.commune AS sirene_commune,
           gs.kind AS cog_kind, gs.commune AS cog_commune, gs.epci AS cog_epci,
           gs.departement AS cog_departement, gs.region AS cog_region
    FROM seen s
    LEFT JOIN facts f ON f.siret = s.siret
    LEFT JOIN geo_communes gc ON gc.code = f.commune
    LEFT JOIN geo_sirens gs ON gs.siren = left(s.siret, 9) AND gc.commune IS NULL
), located AS (
    SELECT p.*, coalesce(p.sirene_commune, p.cog_commune) AS final_commune FROM placed p
)
SELECT
    l.siret, l.siren,
    l.final_commune AS commune,
    l.postal_code,
    CASE WHEN l.final_commune IS NOT NULL THEN g.epci ELSE l.cog_epci END AS epci,
    coalesce(g.departement, l.cog_departement, l.decp_departement) AS departement,
    coalesce(g.region, l.cog_region, dr.region) AS region,
    CASE WHEN l.foreign_country IS NOT NULL AND l.final_commune IS NULL
         THEN ct.iso2 ELSE 'FR' END AS country,
    coalesce(l.foreign_country IS NOT NULL AND l.final_commune IS NULL, false) AS abroad,
    l.naf,
    l.head_office AS is_head_office,
    l.active,
    CASE WHEN l.source IS NOT NULL THEN l.nafa IS NOT NULL END AS artisan,
    l.nafa AS artisan_nafa,
    l.category, l.category_year, l.headcount_band, l.headcount_year,
    l.ess,
    l.legal_category,
    coalesce(bk.buyer_kind, l.cog_kind) AS buyer_kind,
    sz.size_class, sz.size_year, sz.size_basis,
    l.denomination,
    g.lat, g.lon,
    CASE WHEN l.source IS NOT NULL THEN l.source
         WHEN l.cog_kind IS NOT NULL THEN 'cog'
         WHEN l.decp_departement IS NOT NULL THEN 'decp' END AS source,
    CASE WHEN l.sirene_commune IS NOT NULL THEN 'sirene_commune'
         WHEN l.cog_kind = 'commune' THEN 'cog_commune_siren'
         WHEN l.cog_kind = 'epci' THEN 'cog_epci_siren'
         WHEN l.decp_departement IS NOT NULL THEN 'decp_departement'
         WHEN l.foreign_country IS NOT NULL THEN 'sirene_country' END AS located_by
FROM located l
LEFT JOIN geo_communes g ON g.code = l.final_commune
LEFT JOIN geo_deps dr ON dr.departement = l.decp_departement
LEFT JOIN countries ct ON ct.insee_code = l.foreign_country
LEFT JOIN buyer_kinds bk ON bk.legal_category = l.legal_category
LEFT JOIN sizes sz
    ON sz.category IS NOT DISTINCT FROM l.category
    AND sz.category_year IS NOT DISTINCT FROM l.category_year
    AND sz.headcount_band IS NOT DISTINCT FROM l.headcount_band
    AND sz.headcount_year IS NOT DISTINCT FROM l.headcount_year
"""

_CONTRACTS_SQL = f"""
CREATE OR REPLACE TEMP TABLE contracts_enriched AS
SELECT
    c.contract_id,
    c.buyer_siret,
    b.commune AS buyer_commune,
    b.epci AS buyer_epci,
    coalesce(b.departement, cd.departement) AS buyer_departement,
    coalesce(b.region, cd.region) AS buyer_region,
    CASE WHEN b.siret IS NOT NULL THEN b.country
         WHEN cd.departement IS NOT NULL THEN 'FR' END AS buyer_country,
    b.buyer_kind,
    coalesce(b.commune, b.epci, b.departement, b.region, cd.departement) IS NOT NULL
        AS buyer_located,
    k.cpv_division, k.cpv_group, k.cpv_class, k.purchase_type, k.segment_id, k.segment_label,
    coalesce(p.place_level, 'unknown') AS place_level,
    p.place_commune, p.place_departement, p.place_region,
    ab.amount_band
FROM contracts c
LEFT JOIN establishments b ON b.siret = c.buyer_siret
LEFT JOIN geo_deps cd ON cd.departement = {_dep("c.buyer_department")}
LEFT JOIN cpvs k ON k.cpv = c.cpv
LEFT JOIN places p
    ON p.place_code IS NOT DISTINCT FROM c.place_code
    AND p.place_type IS NOT DISTINCT FROM c.place_type
    AND p.place_name IS NOT DISTINCT FROM c.place_name
LEFT JOIN amount_bands ab
    ON c.amount_flag IS NULL AND c.amount >= ab.min_eur
    AND (ab.max_eur IS NULL OR c.amount < ab.max_eur)
"""

_SUPPLIER_ROWS_SQL = f"""
CREATE OR REPLACE TEMP VIEW supplier_rows AS
SELECT
    cs.contract_id, cs.rank, cs.id_type, cs.supplier_id, cs.supplier_siret, cs.amount_share,
    s.commune AS s_commune,
    s.epci AS s_epci,
    coalesce(s.departement, rd.departement) AS s_departement,
    coalesce(s.region, rd.region) AS s_region,
    coalesce(s.country, CASE WHEN rd.departement IS NOT NULL THEN 'FR' END, pt.id_country)
        AS s_country,
    coalesce(s.abroad, pt.id_abroad, false) AS s_abroad,
    s.lat AS s_lat, s.lon AS s_lon,
    s.size_class, s.size_year, s.artisan, s.ess, s.naf,
    coalesce(s.located_by,
             CASE WHEN rd.departement IS NOT NULL THEN 'decp_departement'
                  WHEN pt.id_country IS NOT NULL THEN 'id_country'
                  WHEN pt.id_abroad THEN 'id_type' END) AS located_by,
    s.source AS source,
    b.buyer_commune AS b_commune, b.buyer_epci AS b_epci,
    b.buyer_departement AS b_departement, b.buyer_region AS b_region,
    b.buyer_country AS b_country
FROM contract_suppliers cs
LEFT JOIN establishments s ON s.siret = cs.supplier_siret
LEFT JOIN geo_deps rd ON cs.supplier_siret IS NULL AND rd.departement = {_dep("cs.department")}
LEFT JOIN parties pt
    ON cs.supplier_siret IS NULL
    AND pt.id_type IS NOT DISTINCT FROM cs.id_type
    AND pt.supplier_id IS NOT DISTINCT FROM cs.supplier_id
LEFT JOIN contracts_enriched b ON b.contract_id = cs.contract_id
"""

# Purchases of the buyers' accounts (in_scope lines): a supplier without SIRET but with the SIREN
# of a commune or an EPCI is placed by the COG, like a buyer.
_SPEND_ROWS_SQL = """
CREATE OR REPLACE TEMP VIEW spend_rows AS
SELECT
    sp.spend_id, sp.buyer_siret, sp.supplier_siret, sp.supplier_siren, sp.supplier_name,
    sp.amount_eur, sp.year, sp.purchase_type, sp.segment_id,
    coalesce(s.commune, gs.commune) AS s_commune,
    CASE WHEN s.siret IS NOT NULL THEN s.epci ELSE gs.epci END AS s_epci,
    coalesce(s.departement, gs.departement) AS s_departement,
    coalesce(s.region, gs.region) AS s_region,
    coalesce(s.country, CASE WHEN gs.siren IS NOT NULL THEN 'FR' END) AS s_country,
    coalesce(s.abroad, false) AS s_abroad,
    s.size_class, s.size_year, s.artisan, s.ess,
    coalesce(s.located_by,
             CASE gs.kind WHEN 'commune' THEN 'cog_commune_siren'
                          WHEN 'epci' THEN 'cog_epci_siren' END) AS located_by,
    b.commune AS b_commune, b.epci AS b_epci, b.departement AS b_departement,
    b.region AS b_region, b.country AS b_country
FROM spend sp
LEFT JOIN establishments s ON s.siret = sp.supplier_siret
LEFT JOIN geo_sirens gs ON sp.supplier_siret IS NULL AND gs.siren = sp.supplier_siren
LEFT JOIN establishments b ON b.siret = sp.buyer_siret
WHERE sp.in_scope
"""

_DISTANCE = lookups.distance_sql("gs.lat", "gs.lon", "gb.lat", "gb.lon")
# ``__SIG__``: lookups.pair_signature_sql (it depends on the COG's EPCI-spanned départements).
_RING_JOINS = """
LEFT JOIN rings r ON r.signature = (__SIG__)
LEFT JOIN geo_communes gs ON gs.code = x.s_commune
LEFT JOIN geo_communes gb ON gb.code = x.b_commune
"""

_SUPPLIERS_SQL = f"""
CREATE OR REPLACE TEMP VIEW contract_suppliers_enriched AS
SELECT
    x.contract_id, x.rank, x.id_type, x.supplier_id, x.supplier_siret, x.amount_share,
    x.s_commune AS supplier_commune, x.s_epci AS supplier_epci,
    x.s_departement AS supplier_departement, x.s_region AS supplier_region,
    x.s_country AS supplier_country,
    coalesce(r.locality_ring, 'unknown') AS locality_ring,
    {_DISTANCE} AS distance_km,
    x.size_class, x.size_year, x.artisan, x.ess, x.naf, x.located_by, x.source
FROM supplier_rows x
{_RING_JOINS}
"""

_SPEND_SQL = f"""
CREATE OR REPLACE TEMP VIEW spend_enriched AS
SELECT
    x.spend_id, x.buyer_siret,
    x.b_commune AS buyer_commune, x.b_epci AS buyer_epci,
    x.b_departement AS buyer_departement, x.b_region AS buyer_region,
    x.supplier_siret, x.supplier_siren, x.supplier_name,
    x.amount_eur, x.year, x.purchase_type, x.segment_id,
    x.s_commune AS supplier_commune, x.s_epci AS supplier_epci,
    x.s_departement AS supplier_departement, x.s_region AS supplier_region,
    x.s_country AS supplier_country,
    coalesce(r.locality_ring, 'unknown') AS locality_ring,
    {_DISTANCE} AS distance_km,
    x.size_class, x.size_year, x.artisan, x.ess, x.located_by
FROM spend_rows x
{_RING_JOINS}
"""

_ORDER = {
    "establishments": "siret",
    "contracts_enriched": "contract_id",
    "contract_suppliers_enriched": "contract_id, rank, supplier_id",
    SPEND_TABLE: "spend_id",
}


def _distinct(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def enrich(
    settings: Settings,
    *,
    stock_dir: Path | None = None,
    use_api: bool = False,
    api_client: SiretLookup | None = None,
    postal_base_dir: Path | None = None,
    progress: EnrichProgress | None = None,
    memory_limit: str = "2GB",
    threads: int = 2,
) -> EnrichReport:
    """Enrich the warehouse; idempotent (same inputs and cache → identical files)."""
    progress = progress or _NoProgress()
    warehouse = Warehouse(settings)
    warehouse.connect().close()  # a clear error when the warehouse is empty
    report = EnrichReport()
    postal = cached_postal_base(settings, postal_base_dir)
    if postal_base_dir is not None and postal is not None:
        postal = remember_postal_base(settings, postal)  # report and watch find it later
    geo = Geography(installed_dir(settings.reference_dir), postal_base=postal)  # refreshed COG
    with warehouse.writing() as wcon:
        report.notes += warehouse.notes
        paths = {
            t: warehouse.table_path(wcon, t)
            for t in ("contracts", "contract_suppliers", "subcontracting")
        }
        con = duckdb.connect(config={"threads": threads, "memory_limit": memory_limit})
        try:
            con.execute("SET enable_progress_bar = false")
            for table, path in paths.items():
                con.execute(
                    f"CREATE VIEW {table} AS SELECT * FROM read_parquet({sql_str(str(path))})"
                )
            spend_path = warehouse.enriched_dir / "spend.parquet"
            if spend_path.is_file():
                con.execute(
                    f"CREATE VIEW spend AS SELECT * FROM read_parquet({sql_str(str(spend_path))})"
                )
            else:
                cols = ", ".join(f"NULL::{t} AS {c}" for c, t in _SPEND_COLUMNS.items())
                con.execute(f"CREATE VIEW spend AS SELECT {cols} WHERE FALSE")
            _run(con, settings, warehouse, geo, report, progress, stock_dir, use_api, api_client)
        finally:
            con.close()
    return report


def _run(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    warehouse: Warehouse,
    geo: Geography,
    report: EnrichReport,
    progress: EnrichProgress,
    stock_dir: Path | None,
    use_api: bool,
    api_client: SiretLookup | None,
) -> None:
    progress.start_step("Géographie (COG)", None)
    communes = commune_table(geo)
    con.register("geo_communes", communes)
    con.register("geo_sirens", siren_table(geo))
    con.register("geo_deps", departement_table(geo))
    report.distances = geo.postal_base is not None
    progress.end_step()

    con.execute(_SEEN_SQL)
    wanted = con.sql("SELECT siret FROM seen ORDER BY siret").to_arrow_table()["siret"]
    wanted = wanted.combine_chunks()
    report.sirets = len(wanted)

    cache = FactsCache(settings)
    if stock_dir is not None:
        progress.start_step("SIRENE : fichiers stock", None)
        report.looked_up_stock = lookup_from_stock(cache, wanted, stock_dir)
        cache.save()
        progress.end_step()
    if use_api:
        client = api_client
        own: Any = None
        if client is None:
            from ancrage.sirene.api import RechercheEntreprisesClient

            own = client = RechercheEntreprisesClient(settings.cache_dir / "sirene")
        try:
            progress.start_step("SIRENE : API Recherche d'entreprises", None)
            report.looked_up_api = lookup_from_api(
                cache, wanted, client, tick=lambda done, _total: progress.advance(done)
            )
        finally:
            cache.save()
            progress.end_step()
            if own is not None:
                own.close()
    con.register("facts", cache.facts)
    report.facts_known = con.execute(
        "SELECT count(*) FROM facts SEMI JOIN seen USING (siret)"
    ).fetchall()[0][0]

    sizes = _distinct(
        con,
        "SELECT DISTINCT category, category_year, headcount_band, headcount_year FROM facts",
    )
    con.register("sizes", lookups.size_table(sizes))
    kinds = _distinct(
        con, "SELECT DISTINCT legal_category FROM facts WHERE legal_category IS NOT NULL"
    )
    con.register("buyer_kinds", lookups.buyer_kind_table([k[0] for k in kinds]))
    con.register("countries", lookups.country_table())
    con.execute(_ESTABLISHMENTS_SQL)

    cpvs = _distinct(con, "SELECT DISTINCT cpv FROM contracts WHERE cpv IS NOT NULL")
    con.register("cpvs", lookups.cpv_table([c[0] for c in cpvs]))
    places = _distinct(
        con,
        "SELECT DISTINCT place_code, place_type, place_name FROM contracts"
        " WHERE coalesce(place_code, place_name) IS NOT NULL",
    )
    progress.start_step("Lieux d'exécution", len(places))
    con.register("places", lookups.place_table(geo, places, progress.advance))
    progress.end_step()
    con.register("amount_bands", lookups.amount_band_table())
    con.execute(_CONTRACTS_SQL)

    parties = _distinct(
        con,
        "SELECT DISTINCT id_type, supplier_id FROM contract_suppliers WHERE supplier_siret IS NULL",
    )
    con.register("parties", lookups.party_table(parties))
    con.execute(_SUPPLIER_ROWS_SQL)
    con.execute(_SPEND_ROWS_SQL)
    has_spend = (warehouse.enriched_dir / "spend.parquet").is_file()
    cross = epci_departement_pairs(geo)
    signature = lookups.pair_signature_sql(cross)
    cols = ", ".join(lookups.PAIR_COLUMNS)
    progress.start_step("Cercles de proximité", None)
    representatives = _distinct(
        con,
        f"""SELECT DISTINCT ON (signature) {signature} AS signature, {cols}
        FROM (SELECT {cols} FROM supplier_rows UNION ALL SELECT {cols} FROM spend_rows)""",
    )
    con.register("rings", lookups.ring_table(representatives, cross))
    progress.end_step()
    con.execute(_SUPPLIERS_SQL.replace("__SIG__", signature))
    con.execute(_SPEND_SQL.replace("__SIG__", signature))

    tables = (*ENRICHED_TABLES, SPEND_TABLE) if has_spend else ENRICHED_TABLES
    progress.start_step("Écriture des tables enrichies", len(tables))
    # a new generation, switched to once all its tables are written (a kill leaves the last)
    out_dir = warehouse.new_enriched_generation()
    for i, table in enumerate(tables, 1):
        target = out_dir / f"{table}.parquet"
        con.execute(
            f"COPY (SELECT * FROM {table} ORDER BY {_ORDER[table]})"
            f" TO {sql_str(str(target))} (FORMAT parquet, COMPRESSION zstd)"
        )
        report.files[table] = str(target)
        progress.advance(i)
    warehouse.switch_enriched(out_dir, (*ENRICHED_TABLES, SPEND_TABLE))
    progress.end_step()
    con.execute("DROP VIEW contract_suppliers_enriched")
    con.execute("DROP VIEW supplier_rows")
    con.execute("DROP VIEW spend_enriched")
    con.execute("DROP VIEW spend_rows")
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS {table}")
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet("
            f"{sql_str(str(out_dir / f'{table}.parquet'))})"
        )
    report.coverage = coverage(con)

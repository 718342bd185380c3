"""Synthetic (fictitious) SIRENE stock files for tests and benchmarks.

Writes ``StockEtablissement`` and ``StockUniteLegale`` as Parquet and/or CSV with the real column
names and value codes (tranches NN/00…53, categories PME/ETI/GE, ESS O/N, états A/F, NAF rév. 2
codes like ``43.22A``, NAFA codes like ``4322AA``). Rows are computed by DuckDB from ``range()``
and a seeded hash, and streamed to disk by ``COPY`` (bounded memory whatever the row count).
Everything is fictitious: denominations read ``ENTREPRISE FICTIVE <siren>``, natural persons are
``FICTIF``/``PERSONNE``, and Parquet files carry the metadata ``ancrage_synthetic = true``.
Same seed + same DuckDB version → same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ancrage.sirene.errors import SireneError

# (NAF rév. 2, craft trade that may carry a NAFA code)
NAF_CODES: tuple[tuple[str, bool], ...] = (
    ("43.22A", True),
    ("43.21A", True),
    ("41.20A", False),
    ("43.99C", True),
    ("56.10A", False),
    ("10.71C", True),
    ("96.02A", True),
    ("45.20A", True),
    ("47.11F", False),
    ("62.01Z", False),
    ("70.22Z", False),
    ("71.12B", False),
    ("81.21Z", False),
    ("86.10Z", False),
    ("84.11Z", False),
    ("49.41A", False),
    ("35.11Z", False),
    ("68.20B", False),
    ("85.59A", False),
    ("88.99B", False),
)
# (codeCommuneEtablissement, codePostalEtablissement)
PLACES: tuple[tuple[str, str], ...] = (
    ("86194", "86000"),
    ("75108", "75008"),
    ("69381", "69001"),
    ("13201", "13001"),
    ("33063", "33000"),
    ("31555", "31000"),
    ("44109", "44000"),
    ("59350", "59000"),
    ("67482", "67000"),
    ("35238", "35000"),
    ("86066", "86100"),
    ("79191", "79000"),
    ("16015", "16000"),
    ("17300", "17000"),
    ("87085", "87000"),
    ("24053", "24330"),
    ("49007", "49000"),
    ("97411", "97400"),
    ("2A004", "20000"),
    ("01053", "01000"),
)
# (trancheEffectifsUniteLegale, weight per 1000)
BANDS: tuple[tuple[str, int], ...] = (
    ("NN", 450),
    ("00", 150),
    ("01", 120),
    ("02", 80),
    ("03", 60),
    ("11", 60),
    ("12", 40),
    ("21", 15),
    ("22", 10),
    ("31", 3),
    ("32", 5),
    ("41", 3),
    ("42", 2),
    ("51", 1),
    ("52", 0),
    ("53", 1),
)
# (categorieJuridiqueUniteLegale, weight per 100)
LEGAL_CATEGORIES: tuple[tuple[str, int], ...] = (
    ("1000", 30),
    ("5710", 20),
    ("5499", 15),
    ("5720", 10),
    ("9220", 10),
    ("6540", 6),
    ("5599", 3),
    ("7210", 2),
    ("7346", 1),
    ("7364", 1),
    ("7383", 1),
    ("4120", 1),
)


@dataclass(frozen=True, slots=True)
class SynthStock:
    establishments: Path
    legal_units: Path


def _weighted(pairs: Sequence[tuple[str, int]]) -> str:
    values = [code for code, weight in pairs for _ in range(weight)]
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _pick(values: Sequence[str], key: str, seed: int, salt: str) -> str:
    literal = "[" + ", ".join(f"'{v}'" for v in values) + "]"
    return f"{literal}[CAST(1 + hash({key}, {seed}, '{salt}') % {len(values)} AS BIGINT)]"


def _siren(key: str, stride: int, seed: int) -> str:
    return (
        f"lpad(CAST(100000000 + {key} * {stride} + hash({key}, {seed}, 'siren') % {stride} "
        "AS VARCHAR), 9, '0')"
    )


def _legal_units_sql(n: int, seed: int, stride: int, planted: bool) -> str:
    bands = _weighted(BANDS)
    n_bands = sum(w for _, w in BANDS)
    cats = _weighted(LEGAL_CATEGORIES)
    n_cats = sum(w for _, w in LEGAL_CATEGORIES)
    h = f"hash(k, {seed}, 'cat') % 100"
    keys = f"SELECT range AS k, {_siren('range', stride, seed)} AS siren FROM range({n})"
    if planted:
        keys = (
            f"SELECT * FROM ({keys}) WHERE siren NOT IN (SELECT siren FROM planted) UNION ALL "
            f"SELECT {n} + row_number() OVER (ORDER BY siren) - 1, siren "
            "FROM (SELECT DISTINCT siren FROM planted)"
        )
    return f"""
    WITH keys AS ({keys}), base AS (
        SELECT k, siren,
               {bands}[CAST(1 + hash(k, {seed}, 'band') % {n_bands} AS BIGINT)] AS band,
               {cats}[CAST(1 + hash(k, {seed}, 'cj') % {n_cats} AS BIGINT)] AS cj
        FROM keys
    ), typed AS (
        SELECT *,
            CASE
                WHEN band IN ('NN', '00', '01', '02', '03')
                    THEN CASE WHEN {h} < 70 THEN 'PME' END
                WHEN band IN ('11', '12', '21', '22', '31')
                    THEN CASE WHEN {h} < 90 THEN 'PME' ELSE 'ETI' END
                WHEN band IN ('32', '41', '42') THEN CASE WHEN {h} < 80 THEN 'ETI' ELSE 'GE' END
                ELSE 'GE'
            END AS cat
        FROM base
    )
    SELECT
        siren,
        'O' AS statutDiffusionUniteLegale,
        NULL::VARCHAR AS unitePurgeeUniteLegale,
        '20' || lpad(CAST(hash(k, {seed}, 'dc') % 25 AS VARCHAR), 2, '0') || '-01-15'
            AS dateCreationUniteLegale,
        NULL::VARCHAR AS sigleUniteLegale,
        CASE WHEN cj = '1000' THEN 'PERSONNE' END AS prenom1UniteLegale,
        CASE WHEN cj = '1000' THEN 'FICTIF' END AS nomUniteLegale,
        CASE WHEN cj = '1000' THEN 'FICTIF' END AS nomUsageUniteLegale,
        band AS trancheEffectifsUniteLegale,
        CASE WHEN band <> 'NN' THEN CAST(2021 + hash(k, {seed}, 'ye') % 3 AS VARCHAR) END
            AS anneeEffectifsUniteLegale,
        cat AS categorieEntreprise,
        CASE WHEN cat IS NOT NULL THEN '2022' END AS anneeCategorieEntreprise,
        CASE WHEN hash(k, {seed}, 'ul_etat') % 10 = 0 THEN 'C' ELSE 'A' END
            AS etatAdministratifUniteLegale,
        CASE WHEN cj <> '1000' THEN 'ENTREPRISE FICTIVE ' || siren END AS denominationUniteLegale,
        cj AS categorieJuridiqueUniteLegale,
        {_pick([c for c, _ in NAF_CODES], "k", seed, "ul_naf")} AS activitePrincipaleUniteLegale,
        'NAFRev2' AS nomenclatureActivitePrincipaleUniteLegale,
        '00001' AS nicSiegeUniteLegale,
        CASE WHEN cj = '9220' THEN 'O'
             WHEN hash(k, {seed}, 'ess') % 100 < 2 THEN 'O'
             WHEN hash(k, {seed}, 'ess') % 100 < 5 THEN NULL
             ELSE 'N' END AS economieSocialeSolidaireUniteLegale,
        'N' AS societeMissionUniteLegale,
        CASE WHEN band = 'NN' THEN 'N' ELSE 'O' END AS caractereEmployeurUniteLegale
    FROM typed
    """


def _establishments_sql(
    n_et: int,
    n_ul: int,
    seed: int,
    stride: int,
    planted: bool,
    where: Sequence[tuple[str, str]] = PLACES,
) -> str:
    naf = "[" + ", ".join(f"'{c}'" for c, _ in NAF_CODES) + "][naf_i]"
    crafts = "[" + ", ".join("'true'" if c else "'false'" for _, c in NAF_CODES) + "]"
    n_naf = len(NAF_CODES)
    places = len(where)
    communes = "[" + ", ".join(f"'{c}'" for c, _ in where) + "]"
    postcodes = "[" + ", ".join(f"'{p}'" for _, p in where) + "]"
    keys = (
        f"SELECT range AS j, range // {n_ul} AS nic_index, "
        f"{_siren(f'range % {n_ul}', stride, seed)} AS siren, "
        f"lpad(CAST(range // {n_ul} + 1 AS VARCHAR), 5, '0') AS nic FROM range({n_et})"
    )
    if planted:
        keys = (
            f"SELECT * FROM ({keys}) WHERE siren NOT IN (SELECT siren FROM planted) UNION ALL "
            f"SELECT {n_et} + row_number() OVER (ORDER BY siret) - 1, "
            "row_number() OVER (PARTITION BY siren ORDER BY siret) - 1, siren, "
            "right(siret, 5) FROM planted"
        )
    return f"""
    WITH ids AS (
        SELECT *,
               CAST(1 + hash(j, {seed}, 'naf') % {n_naf} AS BIGINT) AS naf_i,
               CAST(1 + hash(j, {seed}, 'place') % {places} AS BIGINT) AS place_i,
               hash(j, {seed}, 'abroad') % 100 = 0 AS abroad
        FROM ({keys})
    )
    SELECT
        siren, nic, siren || nic AS siret,
        'O' AS statutDiffusionEtablissement,
        '20' || lpad(CAST(hash(j, {seed}, 'dc') % 25 AS VARCHAR), 2, '0') || '-03-01'
            AS dateCreationEtablissement,
        NULL::VARCHAR AS trancheEffectifsEtablissement,
        NULL::VARCHAR AS anneeEffectifsEtablissement,
        CASE WHEN {crafts}[naf_i] = 'true' AND hash(j, {seed}, 'rm') % 100 < 60
             THEN replace({naf}, '.', '') || 'A' END
            AS activitePrincipaleRegistreMetiersEtablissement,
        nic_index = 0 AS etablissementSiege,
        CAST(1 + hash(j, {seed}, 'np') % 3 AS VARCHAR) AS nombrePeriodesEtablissement,
        CAST(1 + hash(j, {seed}, 'nv') % 120 AS VARCHAR) AS numeroVoieEtablissement,
        'RUE' AS typeVoieEtablissement,
        'DE LA FICTION' AS libelleVoieEtablissement,
        CASE WHEN NOT abroad THEN {postcodes}[place_i] END AS codePostalEtablissement,
        CASE WHEN NOT abroad THEN {communes}[place_i] END AS codeCommuneEtablissement,
        CASE WHEN abroad THEN '99109' END AS codePaysEtrangerEtablissement,
        CASE WHEN abroad THEN 'ALLEMAGNE' END AS libellePaysEtrangerEtablissement,
        NULL::VARCHAR AS enseigne1Etablissement,
        NULL::VARCHAR AS denominationUsuelleEtablissement,
        '2024-01-01' AS dateDebut,
        CASE WHEN hash(j, {seed}, 'etat') % 100 < 20 THEN 'F' ELSE 'A' END
            AS etatAdministratifEtablissement,
        {naf} AS activitePrincipaleEtablissement,
        'NAFRev2' AS nomenclatureActivitePrincipaleEtablissement,
        CASE WHEN hash(j, {seed}, 'emp') % 2 = 0 THEN 'O' ELSE 'N' END
            AS caractereEmployeurEtablissement
    FROM ids
    """


def write_synthetic_stock(
    out_dir: Path,
    n_establishments: int,
    n_legal_units: int,
    *,
    seed: int = 0,
    formats: Sequence[str] = ("parquet",),
    memory_limit: str = "1GB",
    threads: int = 2,
    planted: Sequence[str] = (),
    places: Sequence[tuple[str, str]] = PLACES,
) -> dict[str, SynthStock]:
    """Write the two files per format under ``out_dir``; returns their paths by format.

    ``planted``: SIRETs that must be in the stock (those of a synthetic DECP, so that its parties
    are found): their establishments and legal units are added, drawn like the others, in place of
    as many generated rows (a generated SIREN equal to a planted one is left out). ``places``:
    the (commune, postal code) pairs establishments are spread over, uniformly (repeat a pair to
    weight it).
    """
    if n_legal_units < 1 or n_establishments < n_legal_units:
        raise SireneError(
            "un stock synthétique demande au moins une unité légale et un établissement par unité "
            "légale",
            value=(n_establishments, n_legal_units),
            hint="Passez n_establishments >= n_legal_units >= 1.",
        )
    if n_legal_units > 899_999_999:
        raise SireneError("trop d'unités légales pour des SIREN à 9 chiffres", value=n_legal_units)
    unknown = [f for f in formats if f not in ("parquet", "csv")]
    if unknown:
        raise SireneError(f"format inconnu « {unknown[0]} »", hint="Utilisez parquet et/ou csv.")
    bad = next((v for v in planted if len(v) != 14 or not v.isdigit()), None)
    if bad is not None:
        raise SireneError(f"le SIRET à implanter « {bad} » n'a pas 14 chiffres", value=bad)
    odd = next((p for p in places if not all(v.isalnum() and len(v) == 5 for v in p)), None)
    if odd is not None or not places:
        raise SireneError(
            f"lieu invalide {odd} : attendu (code commune, code postal), 5 caractères chacun",
            value=odd,
        )
    stride = 899_999_999 // n_legal_units
    sirets = sorted(set(planted))
    n_ul = max(1, n_legal_units - len({v[:9] for v in sirets}))
    n_et = max(n_ul, n_establishments - len(sirets))
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={"threads": threads, "memory_limit": memory_limit, "preserve_insertion_order": False}
    )
    written: dict[str, SynthStock] = {}
    try:
        con.execute("SET enable_progress_bar = false")
        if sirets:
            con.execute(
                "CREATE TEMP TABLE planted AS SELECT siret, left(siret, 9) AS siren "
                "FROM unnest(?::VARCHAR[]) t(siret)",
                [sirets],
            )
        queries = {
            "StockEtablissement": _establishments_sql(
                n_et, n_ul, seed, stride, bool(sirets), places
            ),
            "StockUniteLegale": _legal_units_sql(n_ul, seed, stride, bool(sirets)),
        }
        for fmt in formats:
            paths: dict[str, Path] = {}
            for name, sql in queries.items():
                path = out_dir / f"{name}_synthetic.{fmt}"
                target = "'" + str(path).replace("'", "''") + "'"
                options = (
                    "FORMAT parquet, COMPRESSION zstd, KV_METADATA {ancrage_synthetic: 'true'}"
                    if fmt == "parquet"
                    else "FORMAT csv, HEADER true"
                )
                con.execute(f"COPY ({sql}) TO {target} ({options})")
                paths[name] = path
            written[fmt] = SynthStock(paths["StockEtablissement"], paths["StockUniteLegale"])
    finally:
        con.close()
    return written

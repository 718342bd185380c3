"""Enrichment from the INSEE stock files ``StockEtablissement`` + ``StockUniteLegale``.

The real files are large (~42 M establishments, ~29 M legal units). DuckDB streams them: only the
columns below are read (projection pushdown on Parquet; CSV is parsed as text) and only the wanted
rows are kept, by a semi-join against the small table of wanted SIRETs (hash table built on the
wanted side, the stock is the probe side). Personal-name columns are never selected.

Value rules are the SQL mirror of :mod:`ancrage.sirene.model` (tests check both paths agree).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ancrage.sirene.errors import SireneError
from ancrage.sirene.model import ARROW_SCHEMA, CATEGORIES
from ancrage.sirene.tables import headcount_bands

DOWNLOAD_HINT = (
    "Téléchargez StockEtablissement et StockUniteLegale (Parquet ou CSV) sur data.gouv.fr, "
    "jeu de données « Base Sirene des entreprises et de leurs établissements (SIREN, SIRET) »"
)

ESTABLISHMENT_COLUMNS = (
    "siret",
    "codeCommuneEtablissement",
    "codePostalEtablissement",
    "activitePrincipaleEtablissement",
    "etablissementSiege",
    "etatAdministratifEtablissement",
    "activitePrincipaleRegistreMetiersEtablissement",
    "codePaysEtrangerEtablissement",
)
LEGAL_UNIT_COLUMNS = (
    "siren",
    "denominationUniteLegale",
    "categorieJuridiqueUniteLegale",
    "categorieEntreprise",
    "anneeCategorieEntreprise",
    "trancheEffectifsUniteLegale",
    "anneeEffectifsUniteLegale",
    "economieSocialeSolidaireUniteLegale",
)


@dataclass(frozen=True, slots=True)
class StockFiles:
    """Where the two stock files are (Parquet ``.parquet`` or CSV ``.csv``/``.csv.gz``)."""

    establishments: Path
    legal_units: Path


@dataclass(frozen=True, slots=True)
class EngineLimits:
    """DuckDB resources for a lookup (the machine may be shared)."""

    memory_limit: str = "2GB"
    threads: int = 2
    temp_directory: Path | None = None


def _text(col: str) -> str:
    return f"NULLIF(TRIM(CAST({col} AS VARCHAR)), '')"


def _year(col: str) -> str:
    t = _text(col)
    return f"CASE WHEN regexp_full_match({t}, '\\d{{4}}') THEN CAST({t} AS INTEGER) END"


def _flag(col: str, true: str, false: str) -> str:
    t = _text(col)
    return f"CASE {t} WHEN '{true}' THEN TRUE WHEN '{false}' THEN FALSE END"


def _key(column: str, width: int, column_type: str) -> str:
    """The identifier column as zero-padded text. A text column is used as it is, so that
    DuckDB can prune Parquet row groups with their statistics; a numeric one (CSV sniffed as
    integers, leading zeros lost) is padded back."""
    if column_type.upper() == "VARCHAR":
        return column
    return f"lpad(CAST({column} AS VARCHAR), {width}, '0')"


def _select_sql(et_source: str, ul_source: str, siret_key: str, siren_key: str) -> str:
    naf = _text("e.activitePrincipaleEtablissement")
    cj = _text("u.categorieJuridiqueUniteLegale")
    band = _text("u.trancheEffectifsUniteLegale")
    band2 = f"CASE WHEN regexp_full_match({band}, '\\d') THEN '0' || {band} ELSE {band} END"
    bands = ", ".join(f"'{c}'" for c in headcount_bands())
    cats = ", ".join(f"'{c}'" for c in CATEGORIES)
    cat = _text("u.categorieEntreprise")
    et_cols = ", ".join(ESTABLISHMENT_COLUMNS[1:])
    ul_cols = ", ".join(LEGAL_UNIT_COLUMNS[1:])
    return f"""
    WITH wanted AS (SELECT DISTINCT siret, left(siret, 9) AS siren FROM wanted_sirets),
    e AS (
        SELECT {siret_key} AS siret, {et_cols}
        FROM {et_source}
        WHERE {siret_key} IN (SELECT siret FROM wanted)
    ),
    u AS (
        SELECT {siren_key} AS siren, {ul_cols}
        FROM {ul_source}
        WHERE {siren_key} IN (SELECT siren FROM wanted)
    )
    SELECT
        e.siret AS siret,
        left(e.siret, 9) AS siren,
        {_text("e.codeCommuneEtablissement")} AS commune,
        {_text("e.codePostalEtablissement")} AS postal_code,
        CASE WHEN regexp_full_match({naf}, '\\d{{4}}[A-Z]')
             THEN {naf}[1:2] || '.' || {naf}[3:] ELSE {naf} END AS naf,
        {_flag("lower(CAST(e.etablissementSiege AS VARCHAR))", "true", "false")} AS head_office,
        {_flag("e.etatAdministratifEtablissement", "A", "F")} AS active,
        {_text("e.activitePrincipaleRegistreMetiersEtablissement")} AS nafa,
        {_text("e.codePaysEtrangerEtablissement")} AS foreign_country,
        {_text("u.denominationUniteLegale")} AS denomination,
        CASE WHEN regexp_full_match({cj}, '\\d+') THEN lpad({cj}, 4, '0') ELSE {cj} END
            AS legal_category,
        CASE WHEN {cat} IN ({cats}) THEN {cat} END AS category,
        {_year("u.anneeCategorieEntreprise")} AS category_year,
        CASE WHEN {band2} IN ({bands}) THEN {band2} END AS headcount_band,
        {_year("u.anneeEffectifsUniteLegale")} AS headcount_year,
        {_flag("u.economieSocialeSolidaireUniteLegale", "O", "N")} AS ess
    FROM e LEFT JOIN u ON u.siren = left(e.siret, 9)
    ORDER BY e.siret
    """


def _source(path: Path) -> str:
    name = path.name.lower()
    quoted = "'" + str(path).replace("'", "''") + "'"
    if name.endswith(".parquet"):
        return f"read_parquet({quoted})"
    if name.endswith((".csv", ".csv.gz")):
        return f"read_csv({quoted}, header = true, delim = ',', quote = '\"', all_varchar = true)"
    raise SireneError(
        "format de fichier stock SIRENE inconnu (.parquet, .csv ou .csv.gz attendu)",
        file=path,
        hint=DOWNLOAD_HINT + ", décompressés.",
    )


def _check_columns(
    con: duckdb.DuckDBPyConnection, path: Path, source: str, needed: tuple[str, ...]
) -> dict[str, str]:
    """The column types of a stock file; raises when a needed column is missing."""
    try:
        present = {
            row[0]: str(row[1])
            for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        }
    except duckdb.Error as exc:
        raise SireneError(
            f"impossible de lire le fichier stock SIRENE ({str(exc).splitlines()[0]})",
            file=path,
            hint=DOWNLOAD_HINT + ".",
        ) from exc
    missing = [c for c in needed if c not in present]
    if missing:
        raise SireneError(
            f"pas un fichier stock SIRENE : la colonne {missing[0]} manque",
            file=path,
            hint=DOWNLOAD_HINT + " (format actuel, UTF-8).",
        )
    return present


def wanted_sirets(wanted: Iterable[str] | pa.Array | pa.ChunkedArray | pa.Table) -> pa.Table:
    """The wanted SIRETs as a one-column Arrow table; a value that is not 14 digits is an error."""
    if isinstance(wanted, pa.Table):
        if "siret" not in wanted.column_names:
            raise SireneError(
                "la table des SIRET cherchés n'a pas de colonne siret",
                hint="Passez une table avec une colonne texte nommée siret.",
            )
        column = wanted.column("siret")
    elif isinstance(wanted, pa.Array | pa.ChunkedArray):
        column = wanted
    else:
        values = list(wanted)
        for value in values:
            if not isinstance(value, str):
                raise SireneError(
                    "SIRET invalide (14 chiffres attendus)",
                    field="siret",
                    value=value,
                    hint=f"Reçu {value!r} ; passez les SIRET en texte (un nombre perd son 0 "
                    "initial).",
                )
        column = pa.array(values, type=pa.string())
    column = pc.utf8_trim_whitespace(pc.cast(column, pa.string())).drop_null()
    bad = pc.invert(pc.match_substring_regex(column, r"^\d{14}$"))
    if pc.any(bad).as_py():
        value = pc.filter(column, bad)[0].as_py()
        raise SireneError(
            "SIRET invalide (14 chiffres attendus)",
            field="siret",
            value=value,
            hint=f"Reçu « {value} » ; classez les identifiants avec "
            "ancrage.sirene.ids.parse_party_id et ne passez que des SIRET.",
        )
    return pa.table({"siret": column})


def lookup_stock(
    wanted: Iterable[str] | pa.Array | pa.ChunkedArray | pa.Table,
    files: StockFiles,
    limits: EngineLimits | None = None,
) -> pa.Table:
    """Establishment + legal-unit facts for the wanted SIRETs found in the stock files.

    Returns an Arrow table with :data:`ancrage.sirene.model.ARROW_SCHEMA`, one row per distinct
    wanted SIRET present in ``StockEtablissement`` (absent SIRETs have no row), sorted by SIRET.
    """
    limits = limits or EngineLimits()
    for path in (files.establishments, files.legal_units):
        if not path.is_file():
            raise SireneError(
                "fichier stock SIRENE introuvable", file=path, hint=DOWNLOAD_HINT + "."
            )
    et_source = _source(files.establishments)
    ul_source = _source(files.legal_units)
    wanted_table = wanted_sirets(wanted)
    con = duckdb.connect(
        config={
            "threads": limits.threads,
            "memory_limit": limits.memory_limit,
            "preserve_insertion_order": False,
        }
    )
    try:
        con.execute("SET enable_progress_bar = false")
        if limits.temp_directory is not None:
            con.execute("SET temp_directory = ?", [str(limits.temp_directory)])
        et_types = _check_columns(con, files.establishments, et_source, ESTABLISHMENT_COLUMNS)
        ul_types = _check_columns(con, files.legal_units, ul_source, LEGAL_UNIT_COLUMNS)
        siret_key = _key("siret", 14, et_types["siret"])
        siren_key = _key("siren", 9, ul_types["siren"])
        con.register("wanted_sirets", wanted_table)
        try:
            sql = _select_sql(et_source, ul_source, siret_key, siren_key)
            result = con.sql(sql).to_arrow_table()
        except duckdb.Error as exc:
            raise SireneError(
                f"impossible de lire les fichiers stock SIRENE ({str(exc).splitlines()[0]})",
                file=files.establishments,
                hint=DOWNLOAD_HINT + ".",
            ) from exc
    finally:
        con.close()
    return result.cast(ARROW_SCHEMA)

"""NAF rév. 2 ↔ CPV 2008 correspondence: curated rules, and rules learned from data.

No official table exists. ``data/reference/naf_cpv.csv`` is a curated list of rules
``naf_prefix → cpv_prefix`` with a weight (1.0 core activity, ~0.5 frequent, ~0.2 occasional):
NAF prefixes are SIRENE spellings at any level (``43``, ``43.2``, ``43.22``, ``43.22A``), CPV
prefixes are significant digits (``4533`` for 45330000). Lookups are hierarchy aware on both sides
(see :func:`cpv_for_naf`). :func:`learn_naf_cpv` computes the empirical version from
(NAF, CPV) pairs, e.g. DECP suppliers joined to SIRENE.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import duckdb
import pyarrow as pa

from ancrage.errors import InputFileError
from ancrage.reference._common import InvalidCodeError, ReferenceDataError, packaged, read_csv
from ancrage.reference.cpv import cpv_prefix
from ancrage.reference.naf import load_naf, naf_prefixes, normalise_naf

NAF_CPV_FILE = "naf_cpv.csv"
_CPV_PREFIX = re.compile(r"^\d{2}(\d{0,5}[1-9])?$")


@dataclass(frozen=True)
class NafCpvRule:
    naf_prefix: str
    cpv_prefix: str
    weight: float
    trade: str
    note: str


@cache
def naf_cpv_rules() -> tuple[NafCpvRule, ...]:
    """The curated rules, checked (valid prefixes, weight in ]0, 1], no duplicate pair)."""
    path = packaged(NAF_CPV_FILE)
    rules: list[NafCpvRule] = []
    seen: set[tuple[str, str]] = set()
    for line, row in read_csv(path, ("naf_prefix", "cpv_prefix", "weight", "trade", "note")):
        try:
            naf = normalise_naf(row["naf_prefix"])
            weight = float(row["weight"])
        except (ValueError, InvalidCodeError) as exc:
            raise InputFileError(
                "code NAF ou poids invalide", file=path, record=f"ligne {line}"
            ) from exc
        cpv = row["cpv_prefix"]
        if naf != row["naf_prefix"] or not _CPV_PREFIX.match(cpv) or not 0 < weight <= 1:
            raise InputFileError(
                "règle invalide (code NAF pas écrit comme dans SIRENE, préfixe CPV terminé par des "
                "zéros ou poids hors de ]0, 1])", file=path, record=f"ligne {line}",
            )
        if (naf, cpv) in seen:
            raise InputFileError(
                f"règle {naf} → {cpv} en double", file=path, record=f"ligne {line}"
            )
        seen.add((naf, cpv))
        rules.append(NafCpvRule(naf, cpv, weight, row["trade"], row["note"]))
    return tuple(rules)


def _cpv_chain(code: str) -> list[str]:
    """Significant prefixes of a CPV code, coarsest first: 45331000 → 45, 453, 4533, 45331."""
    head = cpv_prefix(code)
    return [head[:size] for size in range(2, len(head) + 1)]


def _lookup(
    query: str,
    query_chain: list[str],
    rules: tuple[NafCpvRule, ...],
    key: Callable[[NafCpvRule], str],
    target: Callable[[NafCpvRule], str],
    is_below: Callable[[str, str], bool],
) -> list[tuple[str, float]]:
    """Rules on the query itself; else rules below it (merged, highest weight per target); else
    the rules of the most specific level above it."""
    chosen: dict[str, float] = {target(r): r.weight for r in rules if key(r) == query}
    if not chosen:
        for r in rules:
            if is_below(key(r), query):
                chosen[target(r)] = max(chosen.get(target(r), 0.0), r.weight)
    if not chosen:
        ranks = {prefix: i for i, prefix in enumerate(query_chain)}
        above = [r for r in rules if key(r) in ranks]
        if above:
            best = max(ranks[key(r)] for r in above)
            chosen = {target(r): r.weight for r in above if ranks[key(r)] == best}
    # highest weight first; on a tie the more specific prefix first
    return sorted(chosen.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))


def _naf_below(rule_naf: str, query: str) -> bool:
    if query.isalpha():  # a section: compare with the rule's section
        entry = load_naf().get(rule_naf)
        return entry is not None and entry.parents.get("section") == query
    return query in naf_prefixes(rule_naf)[:-1]


def cpv_for_naf(naf: str) -> list[tuple[str, float]]:
    """CPV prefixes a firm of activity ``naf`` can answer, best first: ``[(cpv_prefix, weight)]``.

    Hierarchy aware: the rules written on ``naf`` itself win (``43.22A`` uses its own rules, not
    the generic rule on division ``43``); else, for a coarse code (``43.2``, ``F``), the rules of
    the codes below it are merged (highest weight per CPV prefix); else the rules of its most
    specific ancestor apply (``62.01Z`` uses the rules on ``62``).
    """
    query = normalise_naf(naf)
    return _lookup(
        query, naf_prefixes(query), naf_cpv_rules(), lambda r: r.naf_prefix, lambda r: r.cpv_prefix,
        _naf_below,
    )


def naf_for_cpv(cpv: str) -> list[tuple[str, float]]:
    """NAF prefixes of the firms that do ``cpv``, best first: ``[(naf_prefix, weight)]``.

    Same precedence as :func:`cpv_for_naf`: rules on the code itself; else the rules below it,
    merged (``45300000`` lists every installation trade); else the rules of its most specific
    ancestor (``45332000`` uses the rules on ``4533``).
    """
    chain = _cpv_chain(cpv)  # the query is the significant prefix: 45330000 → 4533
    return _lookup(
        chain[-1], chain, naf_cpv_rules(), lambda r: r.cpv_prefix, lambda r: r.naf_prefix,
        lambda rule_cpv, query: rule_cpv.startswith(query) and rule_cpv != query,
    )


_LEARN_SQL = """
WITH raw AS (
    SELECT upper(regexp_replace(CAST(naf AS VARCHAR), '\\s', '', 'g')) AS naf,
           regexp_replace(split_part(CAST(cpv AS VARCHAR), '-', 1), '\\s', '', 'g') AS cpv
    FROM ({pairs_sql}) AS pairs
),
clean AS (
    SELECT CASE WHEN regexp_matches(naf, '^\\d{{2}}\\.\\d{{2}}[A-Z]$') THEN naf
                WHEN regexp_matches(naf, '^\\d{{4}}[A-Z]$')
                    THEN substr(naf, 1, 2) || '.' || substr(naf, 3) END AS naf,
           CASE WHEN regexp_matches(cpv, '^\\d{{7,8}}$') THEN substr(lpad(cpv, 8, '0'), 1, 3)
           END AS cpv_group
    FROM raw
),
pairs AS (SELECT naf, cpv_group FROM clean WHERE naf IS NOT NULL AND cpv_group IS NOT NULL),
counts AS (SELECT naf, cpv_group, count(*) AS n_pairs FROM pairs GROUP BY ALL),
stats AS (
    SELECT naf, cpv_group, n_pairs,
           CAST(sum(n_pairs) OVER (PARTITION BY naf) AS BIGINT) AS n_naf,
           CAST(sum(n_pairs) OVER (PARTITION BY cpv_group) AS BIGINT) AS n_cpv_group
    FROM counts
)
SELECT naf, cpv_group, n_pairs, n_naf, n_cpv_group,
       n_pairs / n_naf AS p_cpv_given_naf,
       n_pairs / n_cpv_group AS p_naf_given_cpv
FROM stats
WHERE n_pairs >= $min_support
ORDER BY naf, cpv_group
"""


def learn_naf_cpv(
    con: duckdb.DuckDBPyConnection, pairs_sql: str, *, min_support: int = 5
) -> pa.Table:
    """Empirical P(CPV group | NAF sous-classe) and P(NAF | CPV group) from (naf, cpv) pairs.

    ``pairs_sql`` is a query with columns ``naf`` and ``cpv`` (one row per observed pair, e.g. one
    per contract × supplier). NAF codes are read with or without the dot (``4322A``); CPV codes
    with or without check digit, 7 digits = lost leading zero. Rows with another shape (``NC``,
    empty, a NAF class) are left out. Probabilities use every valid pair; then pairs seen fewer than
    ``min_support`` times are dropped. Columns: ``naf, cpv_group`` (3 digits), ``n_pairs, n_naf,
    n_cpv_group, p_cpv_given_naf, p_naf_given_cpv``.
    """
    if min_support < 1:
        raise ReferenceDataError(
            f"min_support doit être au moins 1 (reçu {min_support})",
            hint="Donnez le nombre minimal d'observations pour qu'une paire soit gardée.",
        )
    try:
        columns = [d[0] for d in con.execute(f"SELECT * FROM ({pairs_sql}) LIMIT 0").description]
    except duckdb.Error as exc:
        raise ReferenceDataError(
            f"la requête des paires a échoué ({str(exc).splitlines()[0]})",
            hint="Donnez un SELECT qui renvoie les colonnes naf et cpv.",
        ) from exc
    missing = [c for c in ("naf", "cpv") if c not in columns]
    if missing:
        raise ReferenceDataError(
            f"la requête des paires n'a pas de colonne {', '.join(missing)} "
            f"(colonnes : {', '.join(columns)})",
            hint="Nommez les colonnes : SELECT … AS naf, … AS cpv.",
        )
    sql = _LEARN_SQL.format(pairs_sql=pairs_sql)
    table: pa.Table = con.sql(sql, params={"min_support": min_support}).to_arrow_table()
    return table

"""What the figures cannot see, said in words: buyers of the wider area that could not be placed
in the territory, and, for an empty scope, one sentence with what to try."""

from __future__ import annotations

from dataclasses import replace

import duckdb

from ancrage.diagnose.model import Placement, UnplacedReason
from ancrage.diagnose.scope import Scope
from ancrage.fmt import count, eur
from ancrage.textrepair import repair

# The territory's level, the enriched column saying a buyer is placed at that level, and
# the words for it.
_LEVEL = {
    "commune": ("e.buyer_commune IS NULL", "dans une commune"),
    "epci": ("e.buyer_commune IS NULL AND e.buyer_epci IS NULL", "dans une intercommunalité"),
    "dep": ("e.buyer_departement IS NULL", "dans un département"),
    "reg": ("e.buyer_region IS NULL", "dans une région"),
}
REASONS = {
    "cog_epci_siren": "l'acheteur est une intercommunalité (EPCI), sans commune propre",
    "decp_departement": (
        "seul le département publié dans les données est connu (SIRET qui n'est pas celui d'une "
        "commune ou d'une intercommunalité du COG ; le stock SIRENE, qui donne la commune de "
        "chaque établissement, n'est pas chargé)"
    ),
    "no_siret": "identifiant qui n'est pas un SIRET valide, sans lieu publié",
    "unknown": (
        "SIRET qui n'est ni celui d'une commune ou d'une intercommunalité du COG, ni dans le "
        "stock SIRENE chargé, sans département publié"
    ),
}
SIRENE_HINT = "ancrage enrich --sirene-stock DOSSIER"


def _wider(scope: Scope) -> tuple[str, str, str | None]:
    """(SQL condition on the enriched buyer columns, words for the wider area, its territory
    argument) of the territory's wider area: its département(s), its région, or France."""
    t = scope.territory
    assert t is not None
    geo = t.geography
    if t.kind in ("commune", "epci"):
        deps = sorted({geo.communes[c].departement for c in t.members if c in geo.communes})
        names = ", ".join(f"{geo.departements[d].nom} ({d})" for d in deps)
        words = ("du département " if len(deps) == 1 else "des départements ") + names
        codes = ", ".join(f"'{d}'" for d in deps)
        return f"e.buyer_departement IN ({codes})", words, f"dep:{deps[0]}" if deps else None
    if t.kind == "dep":
        region = geo.departements[t.code].region
        return (
            f"e.buyer_region = '{region}'",
            f"de la région {geo.regions[region].nom}",
            f"reg:{region}",
        )
    return "TRUE", "de tout l'entrepôt", None


def _has(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchall()
    return bool(rows[0][0])


NOT_ENRICHED = "l'entrepôt n'est pas enrichi : lancez « ancrage enrich »"


def placement(con: duckdb.DuckDBPyConnection, scope: Scope, enriched: bool) -> Placement | None:
    """Buyers of the territory's wider area, under the scope's other filters, that could not be
    placed at the territory's level (``None`` without a territory). Without the enriched
    tables no buyer is placed at all."""
    t = scope.territory
    if t is None:
        return None
    unplaced, in_words = _LEVEL[t.kind]
    wider, area, wider_arg = _wider(scope)
    anywhere = replace(scope, territory=None, label="")
    base = anywhere.relations(establishments=False)["sc"]
    why = "CASE WHEN s.buyer_siret IS NULL THEN 'no_siret' ELSE 'unknown' END"
    join = ""
    if not enriched:  # no buyer is placed anywhere: the whole warehouse, for one reason
        unplaced, wider, area, wider_arg, why = "TRUE", "TRUE", "de l'entrepôt", None, "'none'"
    elif _has(con, "establishments", "located_by"):
        why = f"coalesce(b.located_by, {why})"
        join = "LEFT JOIN establishments b ON b.siret = s.buyer_siret"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE unplaced AS WITH s AS ({base})
        SELECT {why} AS why, s.buyer, s.buyer_name, s.amount_eur
        FROM s JOIN contracts_enriched e USING (contract_id) {join}
        WHERE {unplaced} AND {wider}"""
    )
    rows = con.execute(
        """SELECT why, count(DISTINCT buyer), count(*), coalesce(sum(amount_eur), 0)
        FROM unplaced GROUP BY why ORDER BY 2 DESC, why"""
    ).fetchall()
    examples = tuple(
        repair(r[0]) or r[0]  # names as users read them (« Communauté », not « Communaut� »)
        for r in con.execute(
            """SELECT coalesce(mode(buyer_name), buyer) FROM unplaced GROUP BY buyer
            ORDER BY count(*) DESC, 1 LIMIT 3"""
        ).fetchall()
    )
    reasons = tuple(
        UnplacedReason(REASONS[r[0]] if enriched else NOT_ENRICHED, int(r[1]), int(r[2]))
        for r in rows
    )
    buyers = sum(r.buyers for r in reasons)
    contracts = sum(r.contracts for r in reasons)
    amount = float(sum(r[3] for r in rows))
    return Placement(
        level=in_words,
        area=area,
        wider_territory=wider_arg,
        buyers=buyers,
        contracts=contracts,
        amount_eur=amount,
        reasons=reasons,
        examples=examples,
        sentence=_sentence(in_words, area, buyers, contracts, amount, reasons, examples),
    )


def _sentence(
    in_words: str,
    area: str,
    buyers: int,
    contracts: int,
    amount: float,
    reasons: tuple[UnplacedReason, ...],
    examples: tuple[str, ...],
) -> str:
    if buyers == 0:
        return f"Tous les acheteurs {area} sont placés {in_words}."
    one = buyers == 1
    verb = "n'a pas pu être placé" if one else "n'ont pas pu être placés"
    why = " ; ".join(r.reason for r in reasons)
    them = (
        "Il peut être dans le territoire sans y être compté"
        if one
        else ("Ils peuvent être dans le territoire sans y être comptés")
    )
    named = f" ({', '.join(examples)}{'' if buyers <= len(examples) else '…'})" if examples else ""
    return (
        f"{count(buyers, 'acheteur')} {area}{named}, pour {count(contracts, 'contrat')} et "
        f"{eur(amount)}, {verb} {in_words} : {why}. {them}."
    )


def empty_sentence(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    place: Placement | None,
    enriched: bool,
    other_kind: int,
) -> str:
    """One sentence for a scope without any contract: why, and what to try."""
    what = "marché" if scope.kind == "marche" else "contrat de concession"
    tries: list[str] = []
    if scope.territory is not None and not enriched:
        tries.append("enrichissez l'entrepôt pour placer les acheteurs (ancrage enrich)")
    elif place is not None and place.buyers:
        verb = "n'a pas pu être placé" if place.buyers == 1 else "n'ont pas pu être placés"
        tries.append(
            f"{count(place.buyers, 'acheteur')} {place.area} {verb} "
            f"{place.level} : chargez le stock SIRENE ({SIRENE_HINT})"
            + (
                f" ou élargissez à --territory {place.wider_territory}"
                if place.wider_territory
                else ""
            )
        )
    elif place is not None and place.wider_territory:
        tries.append(f"élargissez à --territory {place.wider_territory}")
    kind = scope.kind
    first, last = con.execute(
        "SELECT min(notification_year), max(notification_year) FROM contracts WHERE kind = ?",
        [kind],
    ).fetchall()[0]
    if (
        scope.years is not None
        and first is not None
        and (scope.years[1] < first or scope.years[0] > last)
    ):
        tries.append(f"l'entrepôt couvre les années {first} à {last} (--years)")
    if first is None:
        tries.append(f"l'entrepôt ne contient aucun {what} : chargez des données (ancrage load)")
    if other_kind:
        other = "--kind concession" if kind == "marche" else "--kind marche"
        tries.append(f"{other} ({count(other_kind, 'contrat')} dans ce périmètre)")
    if scope.buyers or scope.keep_cpv or scope.exclude_cpv or scope.purchase_type:
        tries.append("retirez un filtre (--buyers, --keep-cpv, --exclude-cpv, --purchase-type)")
    if not tries:
        tries.append("élargissez le périmètre (territoire, années)")
    return f"Aucun {what} dans le périmètre « {scope.name()} » : " + " ; ".join(tries) + "."

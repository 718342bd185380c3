"""Buyers and suppliers: find them by name or id, and what each bought or won."""

from __future__ import annotations

import re
from typing import Any, Literal

from ancrage.explore.connection import reading, rows
from ancrage.explore.contracts import ExploreError
from ancrage.settings import Settings

PartyKind = Literal["buyer", "supplier"]
_ID = re.compile(r"^[A-Za-z0-9:._-]{1,80}$")


class PartyNotFoundError(ExploreError):
    exit_code = 3


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _amount(include_flagged: bool = False) -> str:
    return "c.amount" if include_flagged else "CASE WHEN c.amount_flag IS NULL THEN c.amount END"


def search_parties(
    settings: Settings, kind: PartyKind, text: str, *, limit: int = 20
) -> list[dict[str, Any]]:
    """Buyers or suppliers whose name contains every word of ``text`` (or whose id starts with
    it), the biggest first, with their number of contracts and amount (marchés)."""
    words = [w for w in text.split() if w][:6]
    if not words:
        raise ExploreError("recherche vide", hint="Donnez un nom ou un SIRET.")
    if kind == "buyer":
        key, name, source = "coalesce(c.buyer_siret, c.buyer_id)", "c.buyer_name", "contracts c"
        contract = "c.contract_id"
        amount = _amount()
    else:
        key = "coalesce(s.supplier_siret, s.supplier_id)"
        name, source = (
            "s.supplier_name",
            "contract_suppliers s JOIN contracts c USING (contract_id)",
        )
        contract = "s.contract_id"
        amount = "CASE WHEN c.amount_flag IS NULL THEN s.amount_share END"
    compact = text.replace(" ", "")
    if compact.isdigit():
        cond = f"starts_with({key}, {_lit(compact)})"
    else:
        cond = " AND ".join(
            f"strip_accents(lower({name})) LIKE strip_accents(lower({_lit('%' + w + '%')}))"
            for w in words
        )
    with reading(settings) as con:
        return rows(
            con,
            f"""SELECT {key} AS id, any_value({name}) AS name, count(DISTINCT {contract}) AS
                contracts, sum({amount}) AS amount_eur
            FROM {source} WHERE c.kind = 'marche' AND {cond}
            GROUP BY 1 ORDER BY amount_eur DESC NULLS LAST, id LIMIT {int(limit)}""",
        )


def _check(party_id: str) -> str:
    compact = party_id.replace(" ", "")
    if not _ID.match(compact):
        raise PartyNotFoundError(f"identifiant « {party_id} » invalide", hint="SIRET attendu.")
    return compact


def _by_year(con: Any, source: str, where: str, amount: str) -> list[dict[str, Any]]:
    return rows(
        con,
        f"SELECT c.notification_year AS year, count(DISTINCT c.contract_id) AS contracts, "
        f"sum({amount}) AS amount_eur FROM {source} WHERE {where} "
        "GROUP BY 1 ORDER BY 1",
    )


def buyer_summary(settings: Settings, buyer_id: str) -> dict[str, Any]:
    """What a buyer bought (marchés): totals, by year, by segment, its main suppliers and
    where they are (rings around the buyer); ``enriched`` is False when none of its contracts
    has been through the enrichment yet (segments and places not computed)."""
    key = _check(buyer_id)
    where = f"coalesce(c.buyer_siret, c.buyer_id) = {_lit(key)} AND c.kind = 'marche'"
    amount = _amount()
    with reading(settings) as con:
        head = rows(
            con,
            f"SELECT any_value(c.buyer_name) AS name, count(*) AS contracts, "
            f"sum({amount}) AS amount_eur, count(*) FILTER (WHERE c.amount_flag IS NOT NULL) "
            f"AS flagged, any_value(e.buyer_departement) AS departement, "
            f"any_value(e.buyer_commune) AS commune, count(e.buyer_located) AS enriched "
            f"FROM contracts c LEFT JOIN contracts_enriched e USING (contract_id) WHERE {where}",
        )[0]
        if not head["contracts"]:
            raise PartyNotFoundError(
                f"aucun marché de l'acheteur « {buyer_id} »",
                hint="Cherchez l'acheteur par son nom.",
            )
        years = _by_year(con, "contracts c", where, amount)
        segments = rows(
            con,
            f"SELECT coalesce(e.segment_label, 'Segment inconnu') AS segment, "
            f"e.segment_id, count(*) AS contracts, sum({amount}) AS amount_eur "
            f"FROM contracts c LEFT JOIN contracts_enriched e USING (contract_id) "
            f"WHERE {where} GROUP BY 1, 2 ORDER BY amount_eur DESC NULLS LAST LIMIT 12",
        )
        share = "CASE WHEN c.amount_flag IS NULL THEN s.amount_share END"
        suppliers = rows(
            con,
            f"SELECT coalesce(s.supplier_siret, s.supplier_id) AS id, "
            f"any_value(s.supplier_name) AS name, count(DISTINCT s.contract_id) AS contracts, "
            f"sum({share}) AS amount_eur, any_value(se.locality_ring) AS ring "
            f"FROM contract_suppliers s JOIN contracts c USING (contract_id) "
            f"LEFT JOIN contract_suppliers_enriched se USING (contract_id, rank) "
            f"WHERE {where} GROUP BY 1 ORDER BY amount_eur DESC NULLS LAST, id LIMIT 15",
        )
        rings = rows(
            con,
            f"SELECT coalesce(se.locality_ring, 'unknown') AS ring, sum({share}) AS amount_eur, "
            f"count(*) AS rows FROM contract_suppliers s JOIN contracts c USING (contract_id) "
            f"LEFT JOIN contract_suppliers_enriched se USING (contract_id, rank) "
            f"WHERE {where} GROUP BY 1",
        )
    return {
        "id": key,
        **head,
        # none of its contracts enriched yet: segments and places not computed (not unknown)
        "enriched": bool(head["enriched"]),
        "by_year": years,
        "segments": segments,
        "suppliers": suppliers,
        "rings": {r["ring"]: {"amount_eur": r["amount_eur"], "rows": r["rows"]} for r in rings},
    }


def supplier_summary(settings: Settings, supplier_id: str) -> dict[str, Any]:
    """What a firm won (marchés; its equal share of each contract): totals, by year, its
    buyers and where they are."""
    key = _check(supplier_id)
    compact = "coalesce(s.supplier_siret, s.supplier_id)"
    where = f"{compact} = {_lit(key)} AND c.kind = 'marche'"
    share = "CASE WHEN c.amount_flag IS NULL THEN s.amount_share END"
    source = "contract_suppliers s JOIN contracts c USING (contract_id)"
    with reading(settings) as con:
        head = rows(
            con,
            f"SELECT any_value(s.supplier_name) AS name, count(DISTINCT s.contract_id) AS "
            f"contracts, sum({share}) AS amount_eur, any_value(se.size_class) AS size_class "
            f"FROM {source} LEFT JOIN contract_suppliers_enriched se USING (contract_id, rank) "
            f"WHERE {where}",
        )[0]
        if not head["contracts"]:
            raise PartyNotFoundError(
                f"aucun marché gagné par « {supplier_id} »",
                hint="Cherchez le titulaire par son nom.",
            )
        years = _by_year(con, source, where, share)
        buyers = rows(
            con,
            f"SELECT coalesce(c.buyer_siret, c.buyer_id) AS id, any_value(c.buyer_name) AS name, "
            f"count(DISTINCT c.contract_id) AS contracts, sum({share}) AS amount_eur, "
            f"any_value(e.buyer_departement) AS departement "
            f"FROM {source} LEFT JOIN contracts_enriched e USING (contract_id) WHERE {where} "
            f"GROUP BY 1 ORDER BY amount_eur DESC NULLS LAST, id LIMIT 15",
        )
    return {"id": key, **head, "by_year": years, "buyers": buyers}

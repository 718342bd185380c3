"""Leakage by segment: spend leaving the territory while local firms of the trade exist."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

INDICATORS = (
    Indicator(
        id="segment_leakage",
        family="leakage",
        label="Fuites par segment d'achat",
        definition=(
            "Par segment d'achat : montant, part attribuée à des titulaires du territoire, part "
            "qui en sort (titulaires localisés hors du territoire), et nombre d'établissements "
            "du territoire dont le code NAF correspond aux CPV du segment (table NAF ↔ CPV "
            "d'Ancrage)."
        ),
        unit="€ HT, part (0–1), établissements",
        sql="""
WITH s AS (
    SELECT {dims} coalesce(segment, 'inconnu') AS segment, count(DISTINCT contract_id)
        AS contracts, count(*) FILTER (WHERE locality_ring <> 'unknown') AS located_rows,
        coalesce(sum(share_eur), 0) AS amount_eur,
        coalesce(sum(share_eur) FILTER (WHERE locality_ring IN ({local_rings})), 0)
            AS local_amount_eur,
        coalesce(sum(share_eur) FILTER (
            WHERE locality_ring NOT IN ({local_rings}) AND locality_ring <> 'unknown'), 0)
            AS leaving_amount_eur
    FROM {lines} GROUP BY ALL
), e AS (
    SELECT n.segment, count(DISTINCT te.siret) AS local_establishments
    FROM te JOIN naf_segment n ON starts_with(te.naf, n.naf_prefix) GROUP BY ALL
)
SELECT s.*, local_amount_eur / nullif(amount_eur, 0) AS local_share,
    leaving_amount_eur / nullif(amount_eur, 0) AS leaving_share,
    CASE WHEN {establishments} THEN coalesce(e.local_establishments, 0) END
        AS local_establishments,
    {establishments} AS establishments_available
FROM s LEFT JOIN e USING (segment)
""",
        breakdowns=("year",),
        caveats=(
            "Il n'existe pas de table officielle NAF ↔ CPV : correspondance établie par Ancrage.",
            "Sans la table des établissements (SIRENE), le nombre d'établissements locaux est "
            "indisponible.",
        ),
        tests=(
            SelfTest(
                "leaving spend with local firms",
                establishments=True,
                ss=[
                    {
                        "contract_id": "a",
                        "segment": "nettoyage",
                        "locality_ring": "commune",
                        "share_eur": 25.0,
                    },
                    {
                        "contract_id": "b",
                        "segment": "nettoyage",
                        "locality_ring": "france",
                        "share_eur": 75.0,
                    },
                ],
                te=[{"siret": "1", "naf": "81.21Z"}, {"siret": "2", "naf": "10.11Z"}],
                expect=[
                    {
                        "segment": "nettoyage",
                        "contracts": 2,
                        "located_rows": 2,
                        "local_share": 0.25,
                        "leaving_share": 0.75,
                        "local_establishments": 1,
                        "establishments_available": True,
                    }
                ],
            ),
        ),
    ),
)

"""Territorial anchoring: locality rings and distance from buyer to supplier."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

ALL = ("year", "buyer", "segment", "procedure", "amount_band")

INDICATORS = (
    Indicator(
        id="locality_rings",
        family="locality",
        label="Localisation des titulaires par cercle",
        definition=(
            "Répartition des lignes contrat × titulaire par cercle exclusif autour de l'acheteur "
            "(même commune, même EPCI, même département, même région, reste de la France, "
            "étranger, inconnu), en nombre et en montant (part égale du montant par titulaire). "
            "Les parts de chaque cercle somment à 1."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} locality_ring AS ring, count(*) AS rows,
    coalesce(sum(share_eur), 0) AS amount_eur,
    count(*) / sum(count(*)) OVER ({partition}) AS share_count,
    coalesce(sum(share_eur), 0) / nullif(sum(coalesce(sum(share_eur), 0)) OVER ({partition}), 0)
        AS share_amount
FROM {lines} GROUP BY {dims} locality_ring
""",
        breakdowns=ALL,
        caveats=(
            "Titulaire localisé par son établissement (SIRET), pas par son siège.",
            "Le montant d'un contrat à plusieurs titulaires est réparti à parts égales.",
            "Sans SIRET valide ni localisation, le titulaire est « inconnu ».",
        ),
        tests=(
            SelfTest(
                "two rings",
                ss=[
                    {"contract_id": "a", "locality_ring": "commune", "share_eur": 30.0},
                    {"contract_id": "a", "locality_ring": "france", "share_eur": 10.0},
                    {"contract_id": "b", "locality_ring": "france", "share_eur": 60.0},
                ],
                expect=[
                    {"ring": "commune", "rows": 1, "share_amount": 0.3, "share_count": 1 / 3},
                    {"ring": "france", "rows": 2, "share_amount": 0.7, "share_count": 2 / 3},
                ],
            ),
        ),
    ),
    Indicator(
        id="distance",
        family="locality",
        label="Distance acheteur – titulaire",
        definition=(
            "Répartition des lignes contrat × titulaire par tranche de distance entre la commune "
            "de l'acheteur et celle de l'établissement titulaire, en nombre et en montant."
        ),
        unit="part (0–1), km",
        sql="""
SELECT {dims}
    CASE WHEN distance_km IS NULL THEN 'inconnue'
        WHEN distance_km < 10 THEN '0-10 km' WHEN distance_km < 30 THEN '10-30 km'
        WHEN distance_km < 100 THEN '30-100 km' WHEN distance_km < 300 THEN '100-300 km'
        ELSE '300 km et plus' END AS band,
    count(*) AS rows, coalesce(sum(share_eur), 0) AS amount_eur,
    count(*) / sum(count(*)) OVER ({partition}) AS share_count,
    coalesce(sum(share_eur), 0) / nullif(sum(coalesce(sum(share_eur), 0)) OVER ({partition}), 0)
        AS share_amount,
    median(distance_km) AS median_km
FROM ss GROUP BY {dims} band
""",
        breakdowns=ALL,
        caveats=("Distance à vol d'oiseau entre centroïdes de communes.",),
        tests=(
            SelfTest(
                "bands",
                ss=[
                    {"distance_km": 5.0, "share_eur": 10.0},
                    {"distance_km": 150.0, "share_eur": 30.0},
                    {"distance_km": None, "share_eur": None},
                ],
                expect=[
                    {"band": "0-10 km", "rows": 1, "share_amount": 0.25},
                    {"band": "100-300 km", "rows": 1, "share_amount": 0.75},
                    {"band": "inconnue", "rows": 1, "share_amount": 0.0},
                ],
            ),
        ),
    ),
)

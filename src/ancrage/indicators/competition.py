"""Competition: offers received, single-offer contracts."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

INDICATORS = (
    Indicator(
        id="competition",
        family="competition",
        label="Intensité de la concurrence",
        definition=(
            "Nombre moyen et médian d'offres reçues, et part des contrats à offre unique, sur les "
            "contrats qui déclarent le nombre d'offres."
        ),
        unit="offres, part (0–1)",
        sql="""
SELECT {dims} count(*) AS contracts,
    count(offers_received) AS contracts_with_offers,
    avg(offers_received) AS mean_offers,
    median(offers_received) AS median_offers,
    count(*) FILTER (WHERE offers_received = 1) / nullif(count(offers_received), 0)
        AS single_offer_share
FROM sc GROUP BY ALL
""",
        breakdowns=("year", "buyer", "segment", "procedure", "amount_band"),
        caveats=(
            "Offre unique : un signal de risque (Opentender), pas un verdict.",
            "Le format 2019 ne déclare pas le nombre d'offres.",
        ),
        tests=(
            SelfTest(
                "by procedure",
                breakdown="procedure",
                sc=[
                    {"procedure": "adaptee", "offers_received": 1},
                    {"procedure": "adaptee", "offers_received": 3},
                    {"procedure": "ouverte", "offers_received": None},
                ],
                expect=[
                    {
                        "procedure": "adaptee",
                        "contracts_with_offers": 2,
                        "mean_offers": 2.0,
                        "single_offer_share": 0.5,
                    },
                    {
                        "procedure": "ouverte",
                        "contracts_with_offers": 0,
                        "single_offer_share": None,
                    },
                ],
            ),
        ),
    ),
)

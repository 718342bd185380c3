"""Concentration of spend on a few suppliers."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

INDICATORS = (
    Indicator(
        id="concentration",
        family="concentration",
        label="Concentration des titulaires",
        definition=(
            "Part du montant captée par les 10 premiers titulaires et indice de "
            "Herfindahl-Hirschman (somme des carrés des parts de montant × 10 000)."
        ),
        unit="part (0–1), HHI (0–10 000)",
        sql="""
WITH a AS (
    SELECT {dims} supplier_key, sum(share_eur) AS amount_eur
    FROM ss WHERE share_eur IS NOT NULL GROUP BY ALL
), r AS (
    SELECT *, amount_eur / nullif(sum(amount_eur) OVER ({partition}), 0) AS share,
        row_number() OVER ({partition} ORDER BY amount_eur DESC, supplier_key) AS rank
    FROM a
)
SELECT {dims} count(*) AS suppliers, sum(share) FILTER (WHERE rank <= 10) AS top10_share,
    sum(share * share) * 10000 AS hhi
FROM r GROUP BY ALL
""",
        breakdowns=("year", "buyer", "segment", "procedure", "amount_band"),
        caveats=("Titulaires comptés par SIRET (établissement), pas par groupe.",),
        tests=(
            SelfTest(
                "two suppliers",
                ss=[
                    {"supplier_key": "A", "share_eur": 75.0},
                    {"supplier_key": "B", "share_eur": 25.0},
                ],
                expect=[{"suppliers": 2, "top10_share": 1.0, "hhi": 6250.0}],
            ),
        ),
    ),
)

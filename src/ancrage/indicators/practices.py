"""Innovation, advances and subcontracting."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

INDICATORS = (
    Indicator(
        id="practices",
        family="practices",
        label="Innovation, avances et sous-traitance",
        definition=(
            "Part des contrats déclarés innovants, avec avance, avec sous-traitance déclarée "
            "(chacune sur les contrats qui renseignent le champ, comptés à part), et actes de "
            "sous-traitance."
        ),
        unit="part (0–1), actes, € HT",
        sql="""
WITH c AS (
    SELECT {dims} count(*) AS contracts,
        count(innovative) AS innovative_known, count(advance) AS advance_known,
        count(subcontracting_declared) AS subcontracting_known,
        count(*) FILTER (WHERE innovative) / nullif(count(innovative), 0) AS innovative_share,
        count(*) FILTER (WHERE advance) / nullif(count(advance), 0) AS advance_share,
        count(*) FILTER (WHERE subcontracting_declared)
            / nullif(count(subcontracting_declared), 0) AS subcontracting_share
    FROM sc GROUP BY ALL
), a AS (
    SELECT {dims} count(*) AS subcontracting_acts, coalesce(sum(sub.amount), 0)
        AS subcontracting_amount_eur
    FROM sub JOIN sc USING (contract_id) GROUP BY ALL
)
SELECT l.*, coalesce(r.subcontracting_acts, 0) AS subcontracting_acts,
    coalesce(r.subcontracting_amount_eur, 0) AS subcontracting_amount_eur
FROM c AS l LEFT JOIN a AS r {join}
""",
        breakdowns=("year", "buyer", "segment", "procedure", "amount_band"),
        caveats=("Champs propres au format 2024 : absents des données plus anciennes.",),
        tests=(
            SelfTest(
                "shares",
                sc=[
                    {"contract_id": "a", "innovative": True, "advance": False},
                    {"contract_id": "b", "innovative": False, "advance": None},
                ],
                sub=[{"contract_id": "a", "amount": 10.0}],
                expect=[
                    {
                        "contracts": 2,
                        "innovative_known": 2,
                        "advance_known": 1,
                        "subcontracting_known": 0,
                        "innovative_share": 0.5,
                        "advance_share": 0.0,
                        "subcontracting_share": None,
                        "subcontracting_acts": 1,
                        "subcontracting_amount_eur": 10.0,
                    }
                ],
            ),
        ),
    ),
)

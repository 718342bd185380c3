"""Environmental and social considerations, against the PNAD 2022–2025 targets."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

ALL = ("year", "buyer", "segment", "procedure", "amount_band")
_REPORTED = (
    "Part calculée sur les seuls contrats dont le format déclare les considérations "
    "(format 2024) : les données au format 2019 et l'extrait tabulaire n'en disent rien."
)

INDICATORS = (
    Indicator(
        id="environmental",
        family="considerations",
        label="Considérations environnementales",
        definition=(
            "Part des contrats (et du montant) avec au moins une considération "
            "environnementale (clause ou critère), parmi les contrats qui déclarent leurs "
            "considérations ; cible PNAD 2025 : 100 %."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} count(*) AS contracts,
    count(*) FILTER (WHERE env_reported) AS reported,
    count(*) FILTER (WHERE NOT coalesce(env_reported, FALSE)) AS not_reported,
    count(*) FILTER (WHERE env_reported AND env_clause) AS clause,
    count(*) FILTER (WHERE env_reported AND env_criterion) AS criterion,
    count(*) FILTER (WHERE env_reported AND NOT coalesce(env_clause OR env_criterion, FALSE))
        AS none,
    count(*) FILTER (WHERE env_reported AND (env_clause OR env_criterion))
        / nullif(count(*) FILTER (WHERE env_reported), 0) AS share_contracts,
    sum(amount_eur) FILTER (WHERE env_reported AND (env_clause OR env_criterion))
        / nullif(sum(amount_eur) FILTER (WHERE env_reported), 0) AS share_amount,
    1.0 AS target
FROM sc GROUP BY ALL
""",
        breakdowns=ALL,
        caveats=(_REPORTED,),
        tests=(
            SelfTest(
                "one of two reported",
                sc=[
                    {"env_reported": True, "env_clause": True, "amount_eur": 30.0},
                    {"env_reported": True, "env_none": True, "amount_eur": 10.0},
                    {"env_reported": False, "amount_eur": 100.0},
                ],
                expect=[
                    {
                        "contracts": 3,
                        "reported": 2,
                        "not_reported": 1,
                        "clause": 1,
                        "none": 1,
                        "share_contracts": 0.5,
                        "share_amount": 0.75,
                    }
                ],
            ),
        ),
    ),
    Indicator(
        id="social",
        family="considerations",
        label="Considérations sociales",
        definition=(
            "Part des contrats (et du montant) avec au moins une considération sociale (clause, "
            "critère ou marché réservé), parmi les contrats qui déclarent leurs considérations ; "
            "cible PNAD 2025 : 30 %."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} count(*) AS contracts,
    count(*) FILTER (WHERE social_reported) AS reported,
    count(*) FILTER (WHERE NOT coalesce(social_reported, FALSE)) AS not_reported,
    count(*) FILTER (WHERE social_reported AND social_clause) AS clause,
    count(*) FILTER (WHERE social_reported AND social_criterion) AS criterion,
    count(*) FILTER (WHERE social_reported AND social_reserved) AS reserved,
    count(*) FILTER (WHERE social_reported
        AND NOT coalesce(social_clause OR social_criterion OR social_reserved, FALSE)) AS none,
    count(*) FILTER (WHERE social_reported
        AND (social_clause OR social_criterion OR social_reserved))
        / nullif(count(*) FILTER (WHERE social_reported), 0) AS share_contracts,
    sum(amount_eur) FILTER (WHERE social_reported
        AND (social_clause OR social_criterion OR social_reserved))
        / nullif(sum(amount_eur) FILTER (WHERE social_reported), 0) AS share_amount,
    0.3 AS target
FROM sc GROUP BY ALL
""",
        breakdowns=ALL,
        caveats=(_REPORTED,),
        tests=(
            SelfTest(
                "reserved counts",
                sc=[
                    {"social_reported": True, "social_reserved": True, "amount_eur": 30.0},
                    {"social_reported": True, "social_none": True, "amount_eur": 10.0},
                ],
                expect=[{"reserved": 1, "none": 1, "share_contracts": 0.5, "share_amount": 0.75}],
            ),
        ),
    ),
)

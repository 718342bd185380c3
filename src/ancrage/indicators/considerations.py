"""Environmental and social considerations, against the PNAD 2022–2025 targets."""

from __future__ import annotations

import datetime as dt

from ancrage.indicators.registry import Indicator, SelfTest

ALL = ("year", "buyer", "segment", "procedure", "amount_band", "quarter")
# Loi Climat et résilience (2021-1104) art. 35, décret 2022-767: from this day every contract has
# at least one environmental award criterion (CCP L2152-7).
OBLIGATION_DATE = dt.date(2026, 8, 21)
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
    Indicator(
        id="env_obligation",
        family="considerations",
        label="Obligation environnementale (depuis le 21 août 2026)",
        definition=(
            "Contrats notifiés depuis le 21 août 2026 (loi Climat et résilience, art. 35 : au "
            "moins un critère d'attribution environnemental) : part de ceux qui déclarent une "
            "considération environnementale (clause ou critère), et part de ceux qui déclarent "
            "un critère environnemental, parmi les contrats qui déclarent leurs considérations ; "
            "cible légale : 100 %."
        ),
        unit="part (0–1)",
        sql=f"""
SELECT {{dims}} count(*) AS contracts,
    count(*) FILTER (WHERE env_reported) AS reported,
    count(*) FILTER (WHERE env_reported AND (env_clause OR env_criterion)) AS with_env,
    count(*) FILTER (WHERE env_reported AND env_criterion) AS with_criterion,
    count(*) FILTER (WHERE env_reported AND (env_clause OR env_criterion))
        / nullif(count(*) FILTER (WHERE env_reported), 0) AS share_contracts,
    count(*) FILTER (WHERE env_reported AND env_criterion)
        / nullif(count(*) FILTER (WHERE env_reported), 0) AS criterion_share
FROM sc WHERE notification_date >= DATE '{OBLIGATION_DATE.isoformat()}' GROUP BY ALL
""",
        breakdowns=("buyer",),
        caveats=(
            _REPORTED,
            "Exceptions prévues par le décret 2022-767 non identifiables dans les DECP : la "
            "cible de 100 % est un repère, pas un constat d'illégalité.",
        ),
        tests=(
            SelfTest(
                "before the date ignored",
                sc=[
                    {"notification_date": "2026-08-20", "env_reported": True, "env_none": True},
                    {"notification_date": "2026-08-21", "env_reported": True, "env_clause": True},
                    {"notification_date": "2026-09-01", "env_reported": True, "env_none": True},
                    {
                        "notification_date": "2026-10-01",
                        "env_reported": True,
                        "env_criterion": True,
                    },
                    {"notification_date": "2026-10-02", "env_reported": False},
                ],
                expect=[
                    {
                        "contracts": 4,
                        "reported": 3,
                        "with_env": 2,
                        "with_criterion": 1,
                        "share_contracts": 2 / 3,
                        "criterion_share": 1 / 3,
                    }
                ],
            ),
            SelfTest(
                "by buyer",
                breakdown="buyer",
                sc=[
                    {
                        "buyer": "B1",
                        "notification_date": "2026-09-01",
                        "env_reported": True,
                        "env_clause": True,
                    },
                    {
                        "buyer": "B2",
                        "notification_date": "2026-09-01",
                        "env_reported": True,
                        "env_none": True,
                    },
                ],
                expect=[
                    {"buyer": "B1", "share_contracts": 1.0},
                    {"buyer": "B2", "share_contracts": 0.0},
                ],
            ),
        ),
    ),
)

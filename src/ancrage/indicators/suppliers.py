"""Supplier profile: size, artisans, social and solidarity economy, SME access."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

ALL = ("year", "buyer", "segment", "procedure", "amount_band")

INDICATORS = (
    Indicator(
        id="supplier_size",
        family="suppliers",
        label="Taille des titulaires",
        definition=(
            "Répartition des lignes contrat × titulaire par taille d'entreprise (TPE, PME, ETI, "
            "GE, inconnue), en nombre et en montant."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} coalesce(size_class, 'unknown') AS size_class, count(*) AS rows,
    coalesce(sum(share_eur), 0) AS amount_eur,
    count(*) / sum(count(*)) OVER ({partition}) AS share_count,
    coalesce(sum(share_eur), 0) / nullif(sum(coalesce(sum(share_eur), 0)) OVER ({partition}), 0)
        AS share_amount
FROM {lines} GROUP BY {dims} coalesce(size_class, 'unknown')
""",
        breakdowns=ALL,
        caveats=(
            "Taille approchée par SIRENE (catégorie d'entreprise de l'INSEE et tranche "
            "d'effectifs au 31 décembre, sans chiffre d'affaires), avec son année.",
        ),
        tests=(
            SelfTest(
                "sizes",
                ss=[
                    {"size_class": "TPE", "share_eur": 10.0},
                    {"size_class": None, "share_eur": 30.0},
                ],
                expect=[
                    {"size_class": "TPE", "rows": 1, "share_amount": 0.25},
                    {"size_class": "unknown", "rows": 1, "share_amount": 0.75},
                ],
            ),
        ),
    ),
    Indicator(
        id="artisans_ess",
        family="suppliers",
        label="Artisans et économie sociale et solidaire",
        definition=(
            "Part des lignes contrat × titulaire (en nombre et en montant) attribuées à un "
            "établissement inscrit au répertoire des métiers (artisan) ou à une entreprise de "
            "l'ESS, sur les titulaires identifiés dans SIRENE."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} count(*) AS rows,
    count(*) FILTER (WHERE artisan IS NOT NULL) AS rows_known,
    count(*) FILTER (WHERE artisan) / nullif(count(*) FILTER (WHERE artisan IS NOT NULL), 0)
        AS artisan_share_count,
    sum(share_eur) FILTER (WHERE artisan)
        / nullif(sum(share_eur) FILTER (WHERE artisan IS NOT NULL), 0) AS artisan_share_amount,
    count(*) FILTER (WHERE ess) / nullif(count(*) FILTER (WHERE ess IS NOT NULL), 0)
        AS ess_share_count,
    sum(share_eur) FILTER (WHERE ess)
        / nullif(sum(share_eur) FILTER (WHERE ess IS NOT NULL), 0) AS ess_share_amount
FROM {lines} GROUP BY ALL
""",
        breakdowns=ALL,
        caveats=("Les SIAE (insertion) ne sont pas dans SIRENE.",),
        tests=(
            SelfTest(
                "one artisan of two known",
                ss=[
                    {"artisan": True, "ess": False, "share_eur": 10.0},
                    {"artisan": False, "ess": False, "share_eur": 30.0},
                    {"artisan": None, "ess": None, "share_eur": 60.0},
                ],
                expect=[
                    {
                        "rows": 3,
                        "rows_known": 2,
                        "artisan_share_count": 0.5,
                        "artisan_share_amount": 0.25,
                        "ess_share_count": 0.0,
                    }
                ],
            ),
        ),
    ),
    Indicator(
        id="sme_access",
        family="suppliers",
        label="Accès des TPE/PME",
        definition=(
            "Part des lignes contrat × titulaire de taille connue attribuées à une TPE ou PME, "
            "en nombre et en montant."
        ),
        unit="part (0–1)",
        sql="""
SELECT {dims} count(*) FILTER (WHERE size_class IS NOT NULL) AS rows_known,
    count(*) FILTER (WHERE size_class IN ('TPE', 'PME'))
        / nullif(count(*) FILTER (WHERE size_class IS NOT NULL), 0) AS sme_share_count,
    sum(share_eur) FILTER (WHERE size_class IN ('TPE', 'PME'))
        / nullif(sum(share_eur) FILTER (WHERE size_class IS NOT NULL), 0) AS sme_share_amount
FROM ss GROUP BY ALL
""",
        breakdowns=ALL,
        caveats=(
            "À rapprocher du recensement OECP (2022 : 60,8 % des contrats, 29,5 % du montant).",
        ),
        tests=(
            SelfTest(
                "by amount band",
                breakdown="amount_band",
                ss=[
                    {"amount_band": "a", "size_class": "PME", "share_eur": 10.0},
                    {"amount_band": "a", "size_class": "GE", "share_eur": 30.0},
                    {"amount_band": "b", "size_class": None, "share_eur": 5.0},
                ],
                expect=[
                    {
                        "amount_band": "a",
                        "rows_known": 2,
                        "sme_share_count": 0.5,
                        "sme_share_amount": 0.25,
                    },
                    {"amount_band": "b", "rows_known": 0, "sme_share_count": None},
                ],
            ),
        ),
    ),
)

"""Spend below the DECP threshold: the buyers' paid mandates (``sp``), same measures as DECP.

Locality, supplier size, artisans/ESS and segments are the DECP indicators run on ``sp`` through
:func:`~ancrage.indicators.registry.on_spend` (one SQL each); only the volume is its own query
(lines, not contracts).
"""

from __future__ import annotations

from ancrage.indicators import leakage, locality, suppliers
from ancrage.indicators.registry import Indicator, SelfTest, on_spend
from ancrage.indicators.relations import SPEND_BREAKDOWNS

_SPEND_CAVEATS = (
    "Lignes de mandats payés (comptes d'achat, `in_scope`) : montant tel qu'exporté (HT si la "
    "colonne existe, sinon TTC), avoirs négatifs inclus, rattaché à l'exercice.",
    "Fournisseur localisé par son SIRET (ou la commune / l'EPCI de son SIREN) ; "
    "sans identifiant, il est « inconnu ».",
)


def _base(indicators: tuple[Indicator, ...], indicator_id: str) -> Indicator:
    return next(i for i in indicators if i.id == indicator_id)


INDICATORS = (
    Indicator(
        id="spend_volume",
        family="spend",
        label="Volume des dépenses (comptabilité)",
        definition=(
            "Nombre de lignes de dépenses d'achat, montant total, nombre d'acheteurs et de "
            "fournisseurs distincts (SIRET, sinon SIREN, sinon nom), nombre d'avoirs."
        ),
        unit="lignes, €, acheteurs, fournisseurs",
        sql="""
SELECT {dims} count(*) AS lines, coalesce(sum(share_eur), 0) AS amount_eur,
    count(DISTINCT buyer) AS buyers, count(DISTINCT supplier_key) AS suppliers,
    count(*) FILTER (WHERE share_eur < 0) AS credit_notes
FROM {lines} GROUP BY ALL
""",
        breakdowns=SPEND_BREAKDOWNS,
        caveats=_SPEND_CAVEATS,
        lines="sp",
        tests=(
            SelfTest(
                "two buyers, a credit note",
                sp=[
                    {"buyer": "B1", "supplier_key": "S1", "share_eur": 100.0, "year": 2024},
                    {"buyer": "B1", "supplier_key": "S1", "share_eur": -10.0, "year": 2024},
                    {"buyer": "B2", "supplier_key": "S2", "share_eur": 50.0, "year": 2023},
                ],
                expect=[
                    {
                        "lines": 3,
                        "amount_eur": 140.0,
                        "buyers": 2,
                        "suppliers": 2,
                        "credit_notes": 1,
                    }
                ],
            ),
            SelfTest(
                "by year, DECP rows ignored",
                breakdown="year",
                ss=[{"supplier_key": "S9", "share_eur": 1000.0, "year": 2024}],
                sp=[
                    {"buyer": "B1", "supplier_key": "S1", "share_eur": 100.0, "year": 2024},
                    {"buyer": "B1", "supplier_key": "S2", "share_eur": 50.0, "year": 2023},
                ],
                expect=[
                    {"year": 2023, "lines": 1, "amount_eur": 50.0},
                    {"year": 2024, "lines": 1, "amount_eur": 100.0, "suppliers": 1},
                ],
            ),
        ),
    ),
    on_spend(
        _base(locality.INDICATORS, "locality_rings"),
        id="spend_locality_rings",
        label="Localisation des fournisseurs par cercle (dépenses)",
        definition=(
            "Répartition des lignes de dépenses par cercle exclusif autour de l'acheteur "
            "(même commune, même EPCI, même département, même région, reste de la France, "
            "étranger, inconnu), en nombre et en montant. Les parts de chaque cercle somment à 1."
        ),
        breakdowns=SPEND_BREAKDOWNS,
        caveats=_SPEND_CAVEATS,
        tests=(
            SelfTest(
                "two rings, contract rows ignored",
                ss=[{"locality_ring": "abroad", "share_eur": 1000.0}],
                sp=[
                    {"spend_id": "a", "locality_ring": "commune", "share_eur": 30.0},
                    {"spend_id": "b", "locality_ring": "france", "share_eur": 10.0},
                    {"spend_id": "c", "locality_ring": "france", "share_eur": 60.0},
                ],
                expect=[
                    {"ring": "commune", "rows": 1, "share_amount": 0.3, "share_count": 1 / 3},
                    {"ring": "france", "rows": 2, "share_amount": 0.7, "share_count": 2 / 3},
                ],
            ),
        ),
    ),
    on_spend(
        _base(suppliers.INDICATORS, "supplier_size"),
        id="spend_supplier_size",
        label="Taille des fournisseurs (dépenses)",
        definition=(
            "Répartition des lignes de dépenses par taille d'entreprise du fournisseur (TPE, "
            "PME, ETI, GE, inconnue), en nombre et en montant."
        ),
        breakdowns=SPEND_BREAKDOWNS,
        caveats=_base(suppliers.INDICATORS, "supplier_size").caveats,
        tests=(
            SelfTest(
                "sizes",
                sp=[
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
    on_spend(
        _base(suppliers.INDICATORS, "artisans_ess"),
        id="spend_artisans_ess",
        label="Artisans et ESS (dépenses)",
        definition=(
            "Part des lignes de dépenses (en nombre et en montant) payées à un établissement "
            "artisan ou à une entreprise de l'ESS, sur les fournisseurs identifiés dans SIRENE."
        ),
        breakdowns=SPEND_BREAKDOWNS,
        caveats=_base(suppliers.INDICATORS, "artisans_ess").caveats,
        tests=(
            SelfTest(
                "one artisan of two known",
                sp=[
                    {"artisan": True, "ess": False, "share_eur": 10.0},
                    {"artisan": False, "ess": True, "share_eur": 30.0},
                    {"artisan": None, "ess": None, "share_eur": 60.0},
                ],
                expect=[
                    {
                        "rows": 3,
                        "rows_known": 2,
                        "artisan_share_count": 0.5,
                        "artisan_share_amount": 0.25,
                        "ess_share_amount": 0.75,
                    }
                ],
            ),
        ),
    ),
    on_spend(
        _base(leakage.INDICATORS, "segment_leakage"),
        id="spend_segment_leakage",
        label="Fuites par segment d'achat (dépenses)",
        definition=(
            "Par segment d'achat (d'après le compte d'imputation) : lignes de dépenses "
            "(colonne « contracts »), montant, part payée à des fournisseurs du territoire, part "
            "qui en sort, et établissements du territoire dont le NAF correspond au segment."
        ),
        breakdowns=("year",),
        caveats=(
            "Segment connu seulement quand le compte le dit (table `data/spend/accounts.csv`).",
            *_base(leakage.INDICATORS, "segment_leakage").caveats,
        ),
        tests=(
            SelfTest(
                "leaving spend with local firms",
                establishments=True,
                sp=[
                    {
                        "spend_id": "a",
                        "contract_id": "a",
                        "segment": "nettoyage",
                        "locality_ring": "epci",
                        "share_eur": 20.0,
                    },
                    {
                        "spend_id": "b",
                        "contract_id": "b",
                        "segment": "nettoyage",
                        "locality_ring": "region",
                        "share_eur": 60.0,
                    },
                    {
                        "spend_id": "c",
                        "contract_id": "c",
                        "segment": "nettoyage",
                        "locality_ring": "unknown",
                        "share_eur": 20.0,
                    },
                ],
                te=[{"siret": "1", "naf": "81.21Z"}],
                expect=[
                    {
                        "segment": "nettoyage",
                        "contracts": 3,
                        "local_share": 0.2,
                        "leaving_share": 0.6,
                        "local_establishments": 1,
                    }
                ],
            ),
        ),
    ),
)

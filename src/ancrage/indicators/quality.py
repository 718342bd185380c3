"""Data quality of the scope: always shown beside the figures."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

INDICATORS = (
    Indicator(
        id="quality",
        family="quality",
        label="Qualité des données",
        definition=(
            "Contrats sans montant, montants signalés comme invraisemblables, acheteurs "
            "distincts et lignes de titulaires non localisés, enregistrements en quarantaine "
            "des fichiers du périmètre, fichiers de données fictives."
        ),
        unit="contrats, lignes, enregistrements",
        sql="""
SELECT (SELECT count(*) FROM sc) AS contracts,
    (SELECT count(*) FROM sc WHERE amount IS NULL) AS missing_amounts,
    (SELECT count(*) FROM sc WHERE amount_flag IS NOT NULL) AS flagged_amounts,
    (SELECT coalesce(sum(amount), 0) FROM sc WHERE amount_flag IS NOT NULL)
        AS flagged_amount_eur,
    (SELECT count(DISTINCT buyer) FROM sc WHERE NOT coalesce(buyer_located, FALSE))
        AS buyers_unlocated,
    (SELECT count(*) FROM ss) AS supplier_rows,
    (SELECT count(*) FROM ss WHERE locality_ring = 'unknown') AS suppliers_unknown_location,
    (SELECT count(*) FROM ss WHERE locality_ring = 'unknown')
        / nullif((SELECT count(*) FROM ss), 0) AS suppliers_unknown_share,
    (SELECT count(*) FROM sq) AS quarantined_records,
    (SELECT count(*) FROM sf) AS files,
    (SELECT count(*) FROM sf WHERE synthetic) AS synthetic_files
""",
        caveats=(
            "Les enregistrements en quarantaine ne sont pas rattachables à un acheteur : "
            "on compte ceux des fichiers qui contribuent au périmètre.",
        ),
        tests=(
            SelfTest(
                "counts",
                sc=[
                    {"buyer": "B1", "amount": None},
                    {"buyer": "B1", "amount": 1e12, "amount_flag": "placeholder"},
                ],
                ss=[{"locality_ring": "unknown"}, {"locality_ring": "commune"}],
                sq=[{"file_id": "f"}],
                sf=[{"file_id": "f", "synthetic": True}],
                expect=[
                    {
                        "contracts": 2,
                        "missing_amounts": 1,
                        "flagged_amounts": 1,
                        "buyers_unlocated": 1,
                        "suppliers_unknown_share": 0.5,
                        "quarantined_records": 1,
                        "synthetic_files": 1,
                    }
                ],
            ),
        ),
    ),
)

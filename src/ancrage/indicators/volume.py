"""Volume: contracts, amounts, buyers, suppliers."""

from __future__ import annotations

from ancrage.indicators.registry import Indicator, SelfTest

ALL = ("year", "buyer", "segment", "procedure", "amount_band")

INDICATORS = (
    Indicator(
        id="volume",
        family="volume",
        label="Volume de la commande publique",
        definition=(
            "Nombre de contrats, montant total (€ HT, montants signalés exclus sauf option), "
            "nombre d'acheteurs et de titulaires distincts."
        ),
        unit="contrats, € HT, acheteurs, titulaires",
        sql="""
WITH v AS (
    SELECT {dims} count(*) AS contracts, coalesce(sum(amount_eur), 0) AS amount_eur,
        count(DISTINCT buyer) AS buyers,
        count(*) FILTER (WHERE coalesce(is_framework, FALSE)) AS framework_contracts
    FROM sc GROUP BY ALL
), s AS (
    SELECT {dims} count(DISTINCT supplier_key) AS suppliers FROM ss GROUP BY ALL
)
SELECT l.*, coalesce(r.suppliers, 0) AS suppliers FROM v AS l LEFT JOIN s AS r {join}
""",
        breakdowns=ALL,
        caveats=(
            "Le montant d'un accord-cadre est un plafond, pas une dépense.",
            "Seuil de publication DECP : 40 k€ HT depuis 2024 ; les petits achats manquent.",
        ),
        tests=(
            SelfTest(
                "two contracts, one flagged",
                sc=[
                    {"contract_id": "a", "buyer": "B1", "amount_eur": 100.0, "year": 2024},
                    {"contract_id": "b", "buyer": "B1", "amount_eur": None, "year": 2023},
                ],
                ss=[
                    {"contract_id": "a", "supplier_key": "S1", "year": 2024},
                    {"contract_id": "b", "supplier_key": "S1", "year": 2023},
                ],
                expect=[{"contracts": 2, "amount_eur": 100.0, "buyers": 1, "suppliers": 1}],
            ),
            SelfTest(
                "by year",
                breakdown="year",
                sc=[
                    {"contract_id": "a", "buyer": "B1", "amount_eur": 100.0, "year": 2023},
                    {"contract_id": "b", "buyer": "B2", "amount_eur": 50.0, "year": 2024},
                ],
                ss=[{"contract_id": "a", "supplier_key": "S1", "year": 2023}],
                expect=[
                    {"year": 2023, "contracts": 1, "amount_eur": 100.0, "suppliers": 1},
                    {"year": 2024, "contracts": 1, "amount_eur": 50.0, "suppliers": 0},
                ],
            ),
        ),
    ),
    Indicator(
        id="concessions",
        family="volume",
        label="Contrats de concession",
        definition=(
            "Nombre de contrats de concession, leur valeur globale (€ HT : valeur estimée du "
            "contrat sur toute sa durée, souvent payée par les usagers) et le nombre "
            "d'autorités concédantes. Jamais ajoutée aux montants des marchés : la valeur d'une "
            "concession n'est pas un achat."
        ),
        unit="contrats, € HT, autorités concédantes",
        sql="""
SELECT {dims} count(*) AS contracts, count(amount_eur) AS valued,
    coalesce(sum(amount_eur), 0) AS value_eur, count(DISTINCT buyer) AS buyers
FROM sc WHERE kind = 'concession' GROUP BY ALL
""",
        breakdowns=("year", "buyer"),
        kind="concession",
        caveats=(
            "Valeur globale telle que publiée (après la dernière modification) ; les valeurs "
            "invraisemblables sont exclues comme les montants des marchés.",
        ),
        tests=(
            SelfTest(
                "marchés ignored",
                sc=[
                    {"kind": "concession", "buyer": "B1", "amount_eur": 1e6},
                    {"kind": "concession", "buyer": "B1", "amount_eur": None},
                    {"kind": "marche", "buyer": "B2", "amount_eur": 50.0},
                ],
                expect=[{"contracts": 2, "valued": 1, "value_eur": 1e6, "buyers": 1}],
            ),
            SelfTest(
                "by buyer",
                breakdown="buyer",
                sc=[
                    {"kind": "concession", "buyer": "B1", "amount_eur": 10.0},
                    {"kind": "concession", "buyer": "B2", "amount_eur": 30.0},
                ],
                expect=[
                    {"buyer": "B1", "contracts": 1, "value_eur": 10.0},
                    {"buyer": "B2", "contracts": 1, "value_eur": 30.0},
                ],
            ),
        ),
    ),
)

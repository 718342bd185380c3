"""NAF ↔ CPV: curated rules trade by trade (both ways), and learned probabilities."""

from __future__ import annotations

import duckdb
import pytest

from ancrage.reference._common import ReferenceDataError
from ancrage.reference.cpv import CpvNomenclature, cpv_prefix
from ancrage.reference.naf import load_naf
from ancrage.reference.naf_cpv import (
    cpv_for_naf,
    learn_naf_cpv,
    naf_cpv_rules,
    naf_for_cpv,
)

# (trade, NAF sous-classe, its main CPV prefix, a real CPV code of that trade)
ARTISAN_TRADES = [
    ("plomberie", "43.22A", "4533", "45332400"),  # installation d'appareils sanitaires
    ("chauffage", "43.22B", "45331", "45331100"),  # chauffage central
    ("électricité", "43.21A", "4531", "45311200"),  # installations électriques
    ("éclairage public", "43.21B", "45316", "45316100"),
    ("isolation", "43.29A", "4532", "45321000"),
    ("plâtrerie", "43.31Z", "4541", "45410000"),
    ("menuiserie bois-PVC", "43.32A", "4542", "45421100"),  # pose de portes et fenêtres
    ("menuiserie (fabrication)", "16.23Z", "4422", "44221100"),  # fenêtres
    ("carrelage", "43.33Z", "4543", "45431100"),
    ("peinture", "43.34Z", "4544", "45442100"),
    ("charpente", "43.91A", "45261", "45261100"),
    ("couverture", "43.91B", "45261", "45261210"),
    ("maçonnerie", "43.99C", "452625", "45262500"),
    ("boulangerie", "10.71C", "1581", "15811100"),  # pain
    ("traiteur", "56.21Z", "5552", "55520000"),
    ("garage", "45.20A", "5011", "50112000"),
    ("espaces verts", "81.30Z", "7731", "77311000"),
    ("nettoyage", "81.21Z", "9091", "90911200"),
    ("imprimerie", "18.12Z", "798", "79810000"),
    ("blanchisserie", "96.01A", "9831", "98310000"),
    ("charcuterie", "10.13B", "1513", "15131000"),
]


@pytest.mark.parametrize(("trade", "naf", "main_cpv", "code"), ARTISAN_TRADES)
def test_trade_both_ways(
    cpv: CpvNomenclature, trade: str, naf: str, main_cpv: str, code: str
) -> None:
    assert code in cpv
    assert code.startswith(main_cpv)
    # NAF → CPV: the trade's main CPV prefix comes first, with weight 1
    assert cpv_for_naf(naf)[0] == (main_cpv, 1.0), trade
    assert cpv_for_naf(naf.replace(".", "")) == cpv_for_naf(naf)
    # CPV → NAF: a real code of the trade finds the trade
    found = dict(naf_for_cpv(code))
    assert found.get(naf, 0) >= 0.5, (trade, naf_for_cpv(code))


@pytest.mark.parametrize(
    ("naf", "expected"),
    [
        ("43.22A", [("4533", 1.0), ("5071", 0.5), ("44411", 0.3), ("4523", 0.3)]),
        ("43.32A", [("4542", 1.0), ("4422", 0.5), ("4421", 0.2)]),
        ("43.34Z", [("4544", 1.0), ("45443", 0.6), ("448", 0.2)]),
        ("43.91B", [("45261", 1.0), ("4526", 0.8)]),
        ("10.71C", [("1581", 1.0), ("1582", 0.3)]),
        ("56.21Z", [("5552", 1.0), ("5551", 0.4), ("553", 0.3)]),
        ("45.20A", [("5011", 1.0), ("343", 0.3)]),
        ("81.21Z", [("9091", 1.0)]),
        ("18.12Z", [("798", 1.0), ("2282", 0.5), ("22", 0.4)]),
        # no rule on the sous-classe: the most specific ancestor (division 62)
        ("62.01Z", [("72", 1.0), ("48", 0.4)]),
        ("47.11A", [("15", 0.2)]),
        # no rule at all on division 99 (extra-territorial bodies)
        ("99.00Z", []),
    ],
)
def test_cpv_for_naf(naf: str, expected: list[tuple[str, float]]) -> None:
    assert cpv_for_naf(naf) == expected


def test_cpv_for_coarse_naf_merges_rules_below() -> None:
    group = dict(cpv_for_naf("43.2"))  # 43.21A/B, 43.22A/B, 43.29A/B
    assert group["4533"] == 1.0 and group["4531"] == 1.0 and group["4532"] == 1.0
    assert group["4523"] == 0.8  # max(0.3 for 43.22A, 0.8 for 43.21B)
    assert "45" not in group  # the division rule is not used when finer rules exist
    section = dict(cpv_for_naf("F"))
    assert section["4542"] == 1.0 and section["45233"] == 1.0


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # rule on 4533 (class) applies to a category below it
        ("45332000", [("43.22A", 1.0), ("43.22B", 0.6)]),
        ("45330000-9", [("43.22A", 1.0), ("43.22B", 0.6)]),
        ("45262500-6", [("43.99C", 1.0), ("41.20B", 0.5)]),
        ("45262400", [("43.99B", 1.0), ("25.11Z", 0.4)]),
        ("77340000", [("81.30Z", 0.8)]),
        ("55520000", [("56.21Z", 1.0), ("56.29A", 0.8)]),
        ("45000000", [("43", 0.5)]),  # the generic division rule
        ("9310000", [("35", 1.0)]),  # 7 digits → 09310000 → group 093
        ("99000000", []),
    ],
)
def test_naf_for_cpv(code: str, expected: list[tuple[str, float]]) -> None:
    assert naf_for_cpv(code) == expected


def test_naf_for_coarse_cpv_merges_rules_below() -> None:
    found = dict(naf_for_cpv("45300000"))  # travaux d'équipement du bâtiment: 4531…4535
    assert {"43.21A", "43.22A", "43.22B", "43.29A", "43.29B"} <= set(found)
    assert all(w == 1.0 for n, w in found.items() if n in {"43.21A", "43.22A", "43.29A"})


def test_rules_use_real_codes(cpv: CpvNomenclature) -> None:
    naf = load_naf()
    prefixes = {cpv_prefix(code) for code in cpv.codes()}
    rules = naf_cpv_rules()
    assert len(rules) > 250
    for rule in rules:
        assert rule.naf_prefix in naf, rule
        assert rule.cpv_prefix in prefixes, rule


# ---- learned probabilities ----

PAIRS = """
SELECT * FROM (VALUES
    ('4322A',  '45330000-9'),   -- 43.22A, group 453 (no dot, check digit)
    ('43.22A', '45331000'),     -- 43.22A, 453
    ('43.22A', '45332000'),     -- 43.22A, 453
    ('43.22A', '45210000'),     -- 43.22A, 452
    ('43.21A', '45310000'),     -- 43.21A, 453
    ('43.21A', '9310000'),      -- 43.21A, 093 (7 digits)
    ('NC',     '45310000'),     -- dropped: not a NAF code
    ('43.21',  '45310000'),     -- dropped: a class, not a sous-classe
    ('43.21A', NULL),           -- dropped
    ('43.21A', '453')           -- dropped: not a CPV code
) AS t(naf, cpv)
"""


def test_learn_probabilities() -> None:
    con = duckdb.connect()
    table = learn_naf_cpv(con, PAIRS, min_support=1)
    assert table.column_names == [
        "naf", "cpv_group", "n_pairs", "n_naf", "n_cpv_group",
        "p_cpv_given_naf", "p_naf_given_cpv",
    ]
    # 43.22A: 4 pairs (453 ×3, 452 ×1); 43.21A: 2 pairs (453, 093); group 453: 4 pairs
    assert table.to_pylist() == [
        {"naf": "43.21A", "cpv_group": "093", "n_pairs": 1, "n_naf": 2, "n_cpv_group": 1,
         "p_cpv_given_naf": 0.5, "p_naf_given_cpv": 1.0},
        {"naf": "43.21A", "cpv_group": "453", "n_pairs": 1, "n_naf": 2, "n_cpv_group": 4,
         "p_cpv_given_naf": 0.5, "p_naf_given_cpv": 0.25},
        {"naf": "43.22A", "cpv_group": "452", "n_pairs": 1, "n_naf": 4, "n_cpv_group": 1,
         "p_cpv_given_naf": 0.25, "p_naf_given_cpv": 1.0},
        {"naf": "43.22A", "cpv_group": "453", "n_pairs": 3, "n_naf": 4, "n_cpv_group": 4,
         "p_cpv_given_naf": 0.75, "p_naf_given_cpv": 0.75},
    ]


def test_learn_min_support_keeps_probabilities_of_all_pairs() -> None:
    table = learn_naf_cpv(duckdb.connect(), PAIRS, min_support=2)
    assert table.to_pylist() == [
        {"naf": "43.22A", "cpv_group": "453", "n_pairs": 3, "n_naf": 4, "n_cpv_group": 4,
         "p_cpv_given_naf": 0.75, "p_naf_given_cpv": 0.75},
    ]


def test_learn_from_a_table() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE links (siret VARCHAR, ape VARCHAR, code_cpv VARCHAR)")
    con.execute("INSERT INTO links VALUES ('1', '81.30Z', '77310000'), ('2', '81.30Z', '77310000')")
    table = learn_naf_cpv(con, "SELECT ape AS naf, code_cpv AS cpv FROM links", min_support=2)
    assert table.to_pylist() == [
        {"naf": "81.30Z", "cpv_group": "773", "n_pairs": 2, "n_naf": 2, "n_cpv_group": 2,
         "p_cpv_given_naf": 1.0, "p_naf_given_cpv": 1.0},
    ]


def test_learn_errors() -> None:
    con = duckdb.connect()
    with pytest.raises(ReferenceDataError) as err:
        learn_naf_cpv(con, "SELECT '43.22A' AS ape, '45330000' AS cpv")
    assert err.value.one_line() == (
        "la requête des paires n'a pas de colonne naf (colonnes : ape, cpv). "
        "Nommez les colonnes : SELECT … AS naf, … AS cpv."
    )
    with pytest.raises(ReferenceDataError) as err:
        learn_naf_cpv(con, "SELECT * FROM missing_table")
    assert err.value.one_line().startswith(
        "la requête des paires a échoué (Catalog Error: Table with"
    )
    with pytest.raises(ReferenceDataError) as err:
        learn_naf_cpv(con, PAIRS, min_support=0)
    assert err.value.one_line() == (
        "min_support doit être au moins 1 (reçu 0). "
        "Donnez le nombre minimal d'observations pour qu'une paire soit gardée."
    )

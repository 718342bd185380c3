"""The free-text rules: each fact comes with the sentence it was read in, nothing invented."""

from __future__ import annotations

import pytest

from ancrage.notices.model import Notice
from ancrage.notices.textrules import apply_text_rules, criterion_type, extract, load_rules


def _facts(text: str) -> list[str]:
    return [fact.fact for _rule, fact in extract(text, "f")]


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Qualification QUALIBAT 1552 ou équivalent.", ["label:Qualibat"]),
        ("Certification ISO 14001 exigée.", ["label:ISO 14001"]),
        ("Qualifelec E2 ou équivalent.", ["label:Qualifelec"]),
        ("Produits porteurs de l'écolabel européen.", ["label:Ecolabel"]),
        ("Une visite sur site est obligatoire.", ["site_visit:mandatory"]),
        ("La visite des lieux est facultative.", ["site_visit:optional"]),
        ("Les variantes ne sont pas autorisées.", ["variants:not_allowed"]),
        (
            "Clause d'insertion : 350 heures d'insertion à réaliser.",
            ["insertion_hours:350", "insertion_clause"],
        ),
        (
            "Marché réservé aux ESAT et entreprises adaptées (article L. 2113-12).",
            ["reserved:ESAT/EA"],
        ),
        (
            "Le lot 3 est réservé aux structures d'insertion par l'activité économique.",
            ["reserved:SIAE"],
        ),
        ("La nouvelle norme sera appliquée.", []),
        ("Visiter notre site internet.", []),
    ],
)
def test_rules(text: str, facts: list[str]) -> None:
    assert _facts(text) == facts


def test_fact_keeps_only_its_sentence() -> None:
    found = extract("Les prix sont fermes. Certification ISO 9001 exigée. Rien d'autre.", "f")
    assert [(f.fact, f.sentence) for _r, f in found] == [
        ("label:ISO 9001", "Certification ISO 9001 exigée.")
    ]


def test_apply_sets_fields_from_rules() -> None:
    n = Notice(
        id="x:1",
        source="x",
        source_id="1",
        kind="contract_notice",
        source_format="t",
        variants_allowed=False,
    )
    apply_text_rules(n, [("a", "Les variantes sont autorisées. Visite obligatoire.")])
    assert n.variants_allowed is False  # the form's answer wins over free text
    assert n.site_visit is True
    assert [f.source_field for f in n.facts_from_text] == ["a", "a"]


def test_reserved_from_text() -> None:
    n = Notice(id="x:1", source="x", source_id="1", kind="contract_notice", source_format="t")
    apply_text_rules(n, [("rens", "Marché réservé aux ESAT.")])
    assert [(r.code, r.label, r.source_field) for r in n.reserved] == [
        ("sheltered-workshop", "ESAT/EA", "rens")
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Prix des travaux", "price"),
        ("Valeur technique", "quality"),
        ("Coût global", "cost"),
        ("Délai d'exécution", None),
        (None, None),
    ],
)
def test_criterion_type(name: str | None, kind: str | None) -> None:
    assert criterion_type(name) == kind


def test_rule_ids_are_unique() -> None:
    ids = [r.id for r in load_rules()]
    assert len(ids) == len(set(ids))

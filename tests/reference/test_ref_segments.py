"""Purchase segments: hand-picked codes, and full coverage of the real CPV list."""

from __future__ import annotations

import re

import pytest

from ancrage.reference.cpv import CpvNomenclature, cpv_prefix
from ancrage.reference.segments import rule_of, segment_of, segment_rules, segments

# The ids are public (stored in warehouses, used in reports): changing one is a breaking change.
STABLE_IDS = (
    "travaux-batiment", "voirie-reseaux", "genie-civil", "alimentation-restauration", "energie",
    "eau", "fournitures-medicales", "informatique-telecoms", "nettoyage", "espaces-verts",
    "transport", "vehicules", "mobilier", "fournitures-bureau", "prestations-intellectuelles",
    "conseil-formation", "assurances-finance", "maintenance-batiments", "dechets-assainissement",
    "communication-impression", "securite-gardiennage", "textiles-epi", "loisirs-culture-sport",
    "services-sociaux-sante", "materiaux-construction", "equipements-techniques", "autres",
)


@pytest.mark.parametrize(
    ("code", "segment_id"),
    [
        ("45421000-4", "travaux-batiment"),  # menuiserie
        ("45330000", "travaux-batiment"),  # plomberie
        ("45262500", "travaux-batiment"),  # maçonnerie
        ("45233140", "voirie-reseaux"),  # travaux routiers
        ("45112500", "voirie-reseaux"),  # terrassement
        ("45232400", "voirie-reseaux"),  # égouts
        ("45221110", "genie-civil"),  # ponts
        ("45500000", "genie-civil"),  # location d'engins avec opérateur
        ("15811100", "alimentation-restauration"),  # pain
        ("55524000", "alimentation-restauration"),  # traiteur pour écoles
        ("39312000", "alimentation-restauration"),  # équipement de restauration (392/3931)
        ("9310000", "energie"),  # électricité, 7 digits
        ("09134200-9", "energie"),  # diesel
        ("65100000", "eau"),  # distribution d'eau
        ("33600000", "fournitures-medicales"),
        ("33760000", "nettoyage"),  # papier hygiénique
        ("30213100", "informatique-telecoms"),  # ordinateurs portables
        ("48000000", "informatique-telecoms"),
        ("64210000", "informatique-telecoms"),  # téléphonie
        ("90910000", "nettoyage"),
        ("90611000", "nettoyage"),  # voirie (propreté)
        ("90620000", "voirie-reseaux"),  # déneigement
        ("77310000", "espaces-verts"),
        ("03451000", "espaces-verts"),  # plantes
        ("60100000", "transport"),
        ("34110000", "vehicules"),
        ("50110000", "vehicules"),  # entretien de véhicules
        ("34928400", "voirie-reseaux"),  # mobilier urbain
        ("39130000", "mobilier"),
        ("30192000", "fournitures-bureau"),
        ("71200000", "prestations-intellectuelles"),  # architecture
        ("80500000", "conseil-formation"),
        ("79410000", "conseil-formation"),
        ("66510000", "assurances-finance"),
        ("50720000", "maintenance-batiments"),  # chauffage central
        ("90500000", "dechets-assainissement"),
        ("90650000", "dechets-assainissement"),  # désamiantage
        ("79810000", "communication-impression"),
        ("79341000", "communication-impression"),  # publicité
        ("79710000", "securite-gardiennage"),
        ("18100000", "textiles-epi"),
        ("92500000", "loisirs-culture-sport"),
        ("22110000", "loisirs-culture-sport"),  # livres
        ("85000000", "services-sociaux-sante"),
        ("44111000", "materiaux-construction"),
        ("42000000", "equipements-techniques"),
        ("70000000", "autres"),
        ("98370000", "autres"),  # funéraire
    ],
)
def test_segment_of(cpv: CpvNomenclature, code: str, segment_id: str) -> None:
    assert code in cpv  # a real code
    assert segment_of(code).id == segment_id


def test_unknown_division_is_autres() -> None:
    assert rule_of("99000000") is None
    assert segment_of("99000000").id == "autres"


def test_ids_are_stable_slugs() -> None:
    assert tuple(segments()) == STABLE_IDS
    for segment in segments().values():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", segment.id)
        assert segment.label and segment.description


def test_every_code_maps_to_one_segment(cpv: CpvNomenclature) -> None:
    rules = segment_rules()
    used: set[str] = set()
    for code in cpv.codes():
        # exactly one: the division always has a rule, and the longest matching prefix is unique
        assert code[:2] in rules, code
        matching = [p for p in rules if code.startswith(p)]
        longest = max(matching, key=len)
        assert [p for p in matching if len(p) == len(longest)] == [longest]
        assert segment_of(code).id == rules[longest].segment_id
        used.add(rules[longest].segment_id)
    assert used == set(STABLE_IDS)


def test_rules_are_real_prefixes(cpv: CpvNomenclature) -> None:
    prefixes = {cpv_prefix(code) for code in cpv.codes()}
    assert set(segment_rules()) <= prefixes

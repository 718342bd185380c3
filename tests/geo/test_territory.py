"""The territory argument: prefixed codes, bare codes, names, and exact error messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.errors import AncrageError
from ancrage.geo import Geography, TerritoryError, parse_territory

SYNTAX = (
    "Donnez commune:CODE, epci:SIREN, dep:CODE, reg:CODE ou un nom (Poitiers, Grand Poitiers, "
    "Vienne, Nouvelle-Aquitaine)."
)


@pytest.mark.parametrize(
    ("text", "kind", "code", "nom", "size"),
    [
        ("commune:86194", "commune", "86194", "Poitiers", 1),
        ("epci:200069854", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("dep:86", "dep", "86", "Vienne", 265),
        ("reg:75", "reg", "75", "Nouvelle-Aquitaine", 4_293),
        ("département: 2a", "dep", "2A", "Corse-du-Sud", 124),
        ("dep:1", "dep", "01", "Ain", 391),
        ("region:44", "reg", "44", "Grand Est", 5_115),
        ("commune:75112", "commune", "75056", "Paris", 1),  # arrondissement → Paris
        ("commune:69232", "commune", "69123", "Lyon", 1),  # old code → Lyon
        ("86194", "commune", "86194", "Poitiers", 1),
        ("200069854", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("86", "dep", "86", "Vienne", 265),
        ("Poitiers", "commune", "86194", "Poitiers", 1),
        ("poitiers", "commune", "86194", "Poitiers", 1),
        ("Vienne", "dep", "86", "Vienne", 265),  # not the commune of Isère (38544)
        ("vienne", "dep", "86", "Vienne", 265),
        ("VIENNE", "dep", "86", "Vienne", 265),
        ("Grand Est", "reg", "44", "Grand Est", 5_115),
        ("grand-est", "reg", "44", "Grand Est", 5_115),
        ("CU du Grand Poitiers", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("Provence-Alpes-Cote d'Azur", "reg", "93", "Provence-Alpes-Côte d'Azur", 946),
        ("saint etienne", "commune", "42218", "Saint-Étienne", 1),
        ("Orée d’Anjou", "commune", "49126", "Orée d'Anjou", 1),
        # names people use for an intercommunality
        ("Grand Poitiers", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("grand poitiers", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("Communauté urbaine du Grand Poitiers", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("Grand Poitiers Communauté urbaine", "epci", "200069854", "CU du Grand Poitiers", 40),
        ("Pays Loudunais", "epci", "248600447", "CC du Pays Loudunais", 45),
        ("Grand Chatellerault", "epci", "248600413", "CA Grand Châtellerault", 47),
        ("agglomération de La Rochelle", "epci", "241700434", "CA de La Rochelle", 28),
        ("Nantes", "commune", "44109", "Nantes", 1),  # the official name wins
        ("Nantes Métropole", "epci", "244400404", "Nantes Métropole", 24),
        ("Grand Lyon", "epci", "200046977", "Métropole de Lyon", 58),  # an alias
    ],
)
def test_parse(geo: Geography, text: str, kind: str, code: str, nom: str, size: int) -> None:
    territory = parse_territory(text, geo)
    assert (territory.kind, territory.code, territory.nom) == (kind, code, nom)
    assert len(territory.communes()) == size
    assert territory.label == f"{kind}:{code}"


def test_sizes_match_the_package(geo: Geography) -> None:
    region = parse_territory("reg:75", geo).communes()
    assert region == {c for c, x in geo.communes.items() if x.region == "75"}
    assert sum(len(parse_territory(f"reg:{r}", geo).communes()) for r in geo.regions) == 34_969


def test_contains(geo: Geography) -> None:
    grand_poitiers = parse_territory("CU du Grand Poitiers", geo)
    assert grand_poitiers.contains("86194")
    assert not grand_poitiers.contains("75056")
    assert not grand_poitiers.contains("86000")  # a postal code is not a commune
    paris = parse_territory("dep:75", geo)
    assert paris.contains("75112")  # arrondissement municipal
    saint_denis = parse_territory("commune:93066", geo)
    assert saint_denis.contains("93059")  # Pierrefitte-sur-Seine, merged


def test_default_geography_is_the_shipped_one() -> None:
    assert parse_territory("commune:86194").nom == "Poitiers"


def _message(text: str, geo: Geography) -> str:
    with pytest.raises(TerritoryError) as err:
        parse_territory(text, geo)
    assert isinstance(err.value, AncrageError)
    return err.value.one_line()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Saint-Denis",
            "« Saint-Denis » est ambigu : commune:97411 (Saint-Denis, La Réunion), "
            "commune:93066 (Saint-Denis, Seine-Saint-Denis), commune:11339 (Saint-Denis, Aude), "
            "commune:30247 (Saint-Denis, Gard). Utilisez l'un de ces codes.",
        ),
        (
            "sainte colombe",
            "« sainte colombe » est ambigu : commune:69189 (Sainte-Colombe, Rhône), "
            "commune:77404 (Sainte-Colombe, Seine-et-Marne), "
            "commune:40252 (Sainte-Colombe, Landes), commune:25515 (Sainte-Colombe, Doubs), "
            "commune:33390 (Sainte-Colombe, Gironde), "
            "commune:35262 (Sainte-Colombe, Ille-et-Vilaine), "
            "commune:46260 (Sainte-Colombe, Lot), commune:76569 (Sainte-Colombe, Seine-Maritime), "
            "… et 4 autres. Utilisez l'un de ces codes.",
        ),
        (
            "75",
            "« 75 » est ambigu : reg:75 (Nouvelle-Aquitaine), dep:75 (Paris). "
            "Utilisez l'un de ces codes.",
        ),
        (
            "commune:99999",
            "code de commune inconnu « 99999 » (COG 2026). "
            "Donnez un code INSEE à 5 caractères comme 86194 (pas un code postal), ou un nom.",
        ),
        (
            "commune:86000",
            "code de commune inconnu « 86000 » (COG 2026). "
            "Donnez un code INSEE à 5 caractères comme 86194 (pas un code postal), ou un nom.",
        ),
        (
            "epci:123",
            "code d'EPCI inconnu « 123 » (COG 2026). "
            "Donnez le SIREN à 9 chiffres d'un EPCI à fiscalité propre comme 200069854, ou un nom.",
        ),
        (
            "dep:99",
            "code de département inconnu « 99 » (COG 2026). "
            "Donnez un code de département comme 86, 2A ou 971, ou un nom.",
        ),
        (
            "reg:54",
            "code de région inconnu « 54 » (COG 2026). "
            "Donnez un code de région comme 75 ou 84 (INSEE, pas les 22 anciennes régions), "
            "ou un nom.",
        ),
        ("canton:8601", f"type de territoire inconnu « canton » dans « canton:8601 ». {SYNTAX}"),
        ("12345678", f"code de territoire inconnu « 12345678 » (COG 2026). {SYNTAX}"),
        ("", f"territoire vide. {SYNTAX}"),
        ("Atlantide", f"aucun territoire nommé « Atlantide ». {SYNTAX}"),
        (
            "Sud",
            "« Sud » est ambigu : epci:200060473 (CC du Sud), epci:249740085 (CA du Sud). "
            "Utilisez l'un de ces codes.",
        ),
        (
            "Grand Poitier",
            "aucun territoire nommé « Grand Poitier ». Vouliez-vous dire epci:200069854 "
            "(CU du Grand Poitiers) ? " + SYNTAX,
        ),
        (
            "Poitier",
            "aucun territoire nommé « Poitier ». "
            "Vouliez-vous dire commune:86194 (Poitiers, Vienne) ? " + SYNTAX,
        ),
    ],
)
def test_errors(geo: Geography, text: str, message: str) -> None:
    assert _message(text, geo) == message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_text_parses_or_raises_territory_error(geo: Geography, text: str) -> None:
    try:
        territory = parse_territory(text, geo)
    except TerritoryError as err:
        assert err.one_line()
    else:
        assert territory.communes() <= set(geo.communes)

"""The territory argument: prefixed codes, bare codes, names, and exact error messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.errors import AncrageError
from ancrage.geo import Geography, TerritoryError, parse_territory

SYNTAX = "Use commune:CODE, epci:SIREN, dep:CODE, reg:CODE or an exact French name."


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
            '"Saint-Denis" is ambiguous: commune:97411 (Saint-Denis, La Réunion), '
            "commune:93066 (Saint-Denis, Seine-Saint-Denis), commune:11339 (Saint-Denis, Aude), "
            "commune:30247 (Saint-Denis, Gard). Use one of these codes.",
        ),
        (
            "sainte colombe",
            '"sainte colombe" is ambiguous: commune:69189 (Sainte-Colombe, Rhône), '
            "commune:77404 (Sainte-Colombe, Seine-et-Marne), "
            "commune:40252 (Sainte-Colombe, Landes), commune:25515 (Sainte-Colombe, Doubs), "
            "commune:33390 (Sainte-Colombe, Gironde), "
            "commune:35262 (Sainte-Colombe, Ille-et-Vilaine), "
            "commune:46260 (Sainte-Colombe, Lot), commune:76569 (Sainte-Colombe, Seine-Maritime), "
            "… and 4 more. Use one of these codes.",
        ),
        (
            "75",
            '"75" is ambiguous: reg:75 (Nouvelle-Aquitaine), dep:75 (Paris). '
            "Use one of these codes.",
        ),
        (
            "commune:99999",
            'unknown commune code "99999" (COG 2026). '
            "Use a 5-character INSEE code such as 86194 (not a postal code), or a name.",
        ),
        (
            "commune:86000",
            'unknown commune code "86000" (COG 2026). '
            "Use a 5-character INSEE code such as 86194 (not a postal code), or a name.",
        ),
        (
            "epci:123",
            'unknown EPCI code "123" (COG 2026). '
            "Use the 9-digit SIREN of an EPCI à fiscalité propre such as 200069854, or a name.",
        ),
        (
            "dep:99",
            'unknown département code "99" (COG 2026). '
            "Use a département code such as 86, 2A or 971, or a name.",
        ),
        (
            "reg:54",
            'unknown région code "54" (COG 2026). '
            "Use a région code such as 75 or 84 (INSEE, not the old 22 régions), or a name.",
        ),
        ("canton:8601", f'unknown territory kind "canton" in "canton:8601". {SYNTAX}'),
        ("12345678", f'unknown territory code "12345678" (COG 2026). {SYNTAX}'),
        ("", f"empty territory. {SYNTAX}"),
        ("Atlantide", f'no territory named "Atlantide". {SYNTAX}'),
        (
            "Poitier",
            'no territory named "Poitier". Did you mean commune:86194 (Poitiers, Vienne)? '
            + SYNTAX,
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

"""Table-driven, hand-checked cases of the DECP place of execution (``lieuExecution``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ancrage.geo import Geography, ResolvedPlace
from ancrage.geo.places import postal_departement, resolve_place, type_code_kinds

C, D, R, P, U = "commune", "departement", "region", "pays", "unknown"

# (code, typeCode, nom) → (level, commune, département, région, pays, reason)
CASES: list[tuple[object, object, object, tuple[str, ...] | tuple[object, ...]]] = [
    ("86000", "Code postal", None, (C, "86194", "86", "75", "FR", "code postal, une commune")),
    ("86000", "CODE POSTAL", None, (C, "86194", "86", "75", "FR", "code postal, une commune")),
    (86000, "code_postal", None, (C, "86194", "86", "75", "FR", "code postal, une commune")),
    ("86 000", "CP", None, (C, "86194", "86", "75", "FR", "code postal, une commune")),
    (
        "75000",
        "Code postal",
        None,
        (C, "75056", "75", "11", "FR", "pseudo code postal (ville entière)"),
    ),
    ("75015", "Code postal", None, (C, "75056", "75", "11", "FR", "code postal, une commune")),
    ("13001", "Code postal", None, (C, "13055", "13", "93", "FR", "code postal, une commune")),
    (
        "86360",
        "Code postal",
        None,
        (D, None, "86", "75", "FR", "code postal partagé par 2 communes du même département"),
    ),
    (
        "86360",
        "Code postal",
        "CHASSENEUIL DU POITOU",
        (C, "86062", "86", "75", "FR", "code postal et nom de commune"),
    ),
    (
        "01200",
        "Code postal",
        None,
        (R, None, None, "84", "FR", "code postal partagé par 9 communes de la même région"),
    ),
    (
        "86035",
        "Code postal",
        None,
        (D, None, "86", "75", "FR", "code postal inconnu, département déduit"),
    ),
    (
        "1400",
        "Code postal",
        None,
        (D, None, "01", "84", "FR", "code postal partagé par 10 communes du même département"),
    ),
    ("20000", "Code postal", None, (C, "2A004", "2A", "94", "FR", "code postal, une commune")),
    ("97400", "Code postal", None, (C, "97411", "974", "04", "FR", "code postal, une commune")),
    ("86194", "Code commune", None, (C, "86194", "86", "75", "FR", "code commune")),
    ("2B033", "Code INSEE", None, (C, "2B033", "2B", "94", "FR", "code commune")),
    (
        "69232",
        "Code commune",
        None,
        (C, "69123", "69", "84", "FR", "ancien code (commune fusionnée)"),
    ),
    (
        "75101",
        "Code arrondissement",
        None,
        (C, "75056", "75", "11", "FR", "arrondissement municipal"),
    ),
    (
        "863",
        "Code arrondissement",
        None,
        (D, None, "86", "75", "FR", "arrondissement départemental"),
    ),
    ("8601", "Code canton", None, (D, None, "86", "75", "FR", "canton, département déduit")),
    ("86", "Code département", None, (D, None, "86", "75", "FR", "code département")),
    ("2A", "Code Département", None, (D, None, "2A", "94", "FR", "code département")),
    ("971", "Code département", None, (D, None, "971", "01", "FR", "code département")),
    ("1", "Code département", None, (D, None, "01", "84", "FR", "code département")),
    ("86.0", "Code département", None, (D, None, "86", "75", "FR", "code département")),
    (
        "FR-2A",
        "Code département",
        None,
        (D, None, "2A", "94", "FR", "code ISO 3166-2 de département"),
    ),
    ("75", "Code région", None, (R, None, None, "75", "FR", "code région")),
    ("FR-NAQ", "Code région", None, (R, None, None, "75", "FR", "code ISO 3166-2 de région")),
    ("FR", "Code pays", None, (P, None, None, None, "FR", "code pays")),
    ("FRANCE", "Code pays", None, (P, None, None, None, "FR", "code pays")),
    ("BE", "Code pays", None, (P, None, None, None, "BE", "code pays étranger")),
    ("FR-75", "Code pays", None, (D, None, "75", "11", "FR", "code ISO 3166-2 de département")),
    # the declared type does not fit the code
    (
        "86",
        "Code postal",
        None,
        (D, None, "86", "75", "FR", "code département (type « Code postal » incohérent)"),
    ),
    (
        "FR",
        "Code postal",
        None,
        (P, None, None, None, "FR", "code pays (type « Code postal » incohérent)"),
    ),
    # free-text or missing type: the shape of the code decides
    (
        "86000",
        "Lieu d'exécution",
        None,
        (
            C,
            "86194",
            "86",
            "75",
            "FR",
            "code postal, une commune (type « Lieu d'exécution » non reconnu)",
        ),
    ),
    ("86", None, None, (D, None, "86", "75", "FR", "code département (sans type)")),
    ("86194", "", None, (C, "86194", "86", "75", "FR", "code commune (sans type)")),
    # 69001 is both Affoux (INSEE) and Lyon 1er (postal): only the département is sure
    (
        "69001",
        None,
        None,
        (
            D,
            None,
            "69",
            "84",
            "FR",
            "code INSEE ou postal partagé par 2 communes du même département (sans type)",
        ),
    ),
    # names
    (
        "Poitiers",
        "Ville",
        None,
        (C, "86194", "86", "75", "FR", "nom de commune (dans le champ code)"),
    ),
    (None, None, "Poitiers", (C, "86194", "86", "75", "FR", "nom de commune")),
    ("", "Code postal", "Vienne", (D, None, "86", "75", "FR", "nom de département")),
    (
        "???",
        "Code postal",
        "Grand Est",
        (R, None, None, "44", "FR", "nom de région (code « ??? » illisible)"),
    ),
    ("99999", "Code postal", None, (U, None, None, None, None, "code non reconnu")),
    (None, None, None, (U, None, None, None, None, "ni code ni nom")),
    ("97", "Code département", None, (U, None, None, None, None, "code non reconnu")),
]


@pytest.mark.parametrize(("code", "type_code", "name", "expected"), CASES)
def test_resolve_place(
    geo: Geography, code: object, type_code: object, name: object, expected: tuple[object, ...]
) -> None:
    place = resolve_place(geo, code, type_code, name)
    assert place == ResolvedPlace(
        level=expected[0],  # type: ignore[arg-type]
        commune=expected[1],  # type: ignore[arg-type]
        departement=expected[2],  # type: ignore[arg-type]
        region=expected[3],  # type: ignore[arg-type]
        pays=expected[4],  # type: ignore[arg-type]
        reason=expected[5],  # type: ignore[arg-type]
    )


def test_type_code_table_is_data() -> None:
    kinds = type_code_kinds()
    assert kinds["code postal"] == "postal"
    assert kinds["code departement"] == "departement"
    assert set(kinds.values()) == {
        "postal", "commune", "departement", "region", "pays", "arrondissement", "canton",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("postal", "dep"), [("20000", "2A"), ("20100", "2A"), ("20200", "2B"), ("97400", "974")]
)
def test_postal_departement(postal: str, dep: str) -> None:
    assert postal_departement(postal) == dep


@settings(max_examples=300, deadline=None)
@given(
    code=st.one_of(st.none(), st.text(max_size=12), st.integers(), st.floats()),
    type_code=st.one_of(
        st.none(),
        st.text(max_size=20),
        st.sampled_from(
            [
                "Code postal",
                "Code commune",
                "Code pays",
                "Code canton",
                "Code arrondissement",
                "Code région",
            ]
        ),
    ),
    name=st.one_of(st.none(), st.text(max_size=20)),
)
def test_resolve_place_never_crashes(
    geo: Geography, code: object, type_code: object, name: object
) -> None:
    place = resolve_place(geo, code, type_code, name)
    assert place.level in {"commune", "departement", "region", "pays", "unknown"}
    if place.commune is not None:
        assert place.commune in geo.communes
    if place.departement is not None:
        assert geo.departements[place.departement].region == place.region

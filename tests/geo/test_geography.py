"""Golden tests of the COG look-ups on the shipped data (hand-checked against the package)."""

from __future__ import annotations

import pytest

from ancrage.geo import Geography, TerritoryError


def test_poitiers(geo: Geography) -> None:
    poitiers = geo.commune("86194")
    assert (poitiers.nom, poitiers.departement, poitiers.region) == ("Poitiers", "86", "75")
    assert poitiers.siren == "218601946"
    assert poitiers.codes_postaux == ("86000",)
    epci = geo.epci_of(poitiers)
    assert epci is not None
    assert (epci.code, epci.nom, epci.type, len(epci.membres)) == (
        "200069854",
        "CU du Grand Poitiers",
        "CU",
        40,
    )
    assert geo.departement_of("86194").nom == "Vienne"
    assert geo.region_of("86194").nom == "Nouvelle-Aquitaine"
    assert geo.region_of(geo.departement_of("86194")).code == "75"
    assert geo.region_of("86").code == "75"
    assert geo.region_of("2A").nom == "Corse"


@pytest.mark.parametrize(
    ("old", "current", "nom"),
    [
        ("49040", "49126", "Orée d'Anjou"),  # Bouzillé, commune déléguée
        ("14011", "14581", "Aurseulles"),  # merged, Aurseulles created after 2022
        ("93059", "93066", "Saint-Denis"),  # Pierrefitte-sur-Seine, merged in 2025
        ("69232", "69123", "Lyon"),  # Saint-Rambert-l'Île-Barbe, merged in 1963
        ("01120", "01262", "Montluel"),  # Cordieux, commune associée
    ],
)
def test_old_codes_map_to_the_current_commune(
    geo: Geography, old: str, current: str, nom: str
) -> None:
    commune = geo.commune(old)
    assert (commune.code, commune.nom) == (current, nom)
    assert commune.is_current


@pytest.mark.parametrize(
    ("code", "commune"),
    [("75101", "75056"), ("75120", "75056"), ("13201", "13055"), ("69389", "69123")],
)
def test_arrondissements_municipaux_map_to_the_city(
    geo: Geography, code: str, commune: str
) -> None:
    assert geo.commune(code).code == commune
    entity = geo.entity(code)
    assert entity is not None and entity.type == "arrondissement-municipal"


def test_lookup_says_how(geo: Geography) -> None:
    assert geo.lookup_commune("86194") == (geo.communes["86194"], "code commune")
    assert geo.lookup_commune("75112") == (geo.communes["75056"], "arrondissement municipal")
    assert geo.lookup_commune("93059") == (geo.communes["93066"], "commune déléguée")
    assert geo.lookup_commune("69232") == (geo.communes["69123"], "ancien code (commune fusionnée)")
    assert geo.lookup_commune("86000") is None


def test_unknown_commune_code(geo: Geography) -> None:
    with pytest.raises(TerritoryError) as err:
        geo.commune("86000")
    assert err.value.one_line() == (
        "code de commune inconnu « 86000 » (COG 2026). "
        "Donnez un code INSEE à 5 caractères comme 86194 (pas un code postal)."
    )


def test_unknown_departement_code(geo: Geography) -> None:
    with pytest.raises(TerritoryError) as err:
        geo.region_of("99")
    assert err.value.one_line() == (
        "code de département inconnu « 99 » (COG 2026). Donnez un code comme 86, 2A ou 971."
    )


def test_postal_codes(geo: Geography) -> None:
    assert [c.code for c in geo.communes_of_postal_code("86000")] == ["86194"]
    assert [c.nom for c in geo.communes_of_postal_code("86360")] == [
        "Chasseneuil-du-Poitou",
        "Montamisé",
    ]
    # 01200 spans two départements (Ain and Haute-Savoie)
    codes = [c.code for c in geo.communes_of_postal_code("01200")]
    assert len(codes) == 9 and "74109" in codes and "01033" in codes
    assert len(geo.communes_of_postal_code("75015")) == 1  # Paris, not the arrondissement
    assert geo.communes_of_postal_code("99999") == []


def test_epci_edge_cases(geo: Geography) -> None:
    paris = geo.epci_of("75101")
    assert paris is not None and paris.nom == "Métropole du Grand Paris"
    lyon = geo.epci_of("69123")
    assert lyon is not None and lyon.type == "MET69"
    assert geo.epci_of("29155") is None  # Ouessant, outside any EPCI
    outside = [c for c in geo.communes.values() if c.epci is None]
    assert len(outside) == 98


def test_every_current_commune_has_departement_and_region(geo: Geography) -> None:
    for commune in geo.communes.values():
        assert geo.departements[commune.departement].region == commune.region


def test_centroids_and_distance(geo: Geography) -> None:
    lat, lon = geo.centroid("86194") or (0.0, 0.0)
    assert lat == pytest.approx(46.584, abs=0.01) and lon == pytest.approx(0.360, abs=0.01)
    # Paris is not in the 2022 file (arrondissements are): mean of the 20 arrondissements
    lat, lon = geo.centroid("75056") or (0.0, 0.0)
    assert lat == pytest.approx(48.86, abs=0.02) and lon == pytest.approx(2.34, abs=0.03)
    distance = geo.distance_km("86194", "75056")
    assert distance == pytest.approx(300, abs=15)
    assert geo.distance_km("75101", "75056") == 0.0  # an arrondissement is in its city
    assert geo.distance_km("75056", "86194") == distance
    assert geo.centroid("49126") is not None  # created after the file: mean of its parts


def test_centroid_coverage(geo: Geography) -> None:
    missing = sorted(c for c in geo.communes if geo.centroid(c) is None)
    # communes rétablies after 2022 (absent from the 2022 file, no part in it either) and the
    # five TAAF districts
    assert missing == [
        "15031", "15035", "15047", "15171", "60694", "85165", "85212",
        "98411", "98412", "98413", "98414", "98415",
    ]  # fmt: skip


def test_without_postal_base_there_are_no_points() -> None:
    geo = Geography()
    assert geo.centroid("86194") is None
    assert geo.distance_km("86194", "75056") is None


def test_nothing_is_read_before_use() -> None:
    from pathlib import Path

    geo = Geography(Path("/nonexistent"), postal_base=Path("/nonexistent.csv"))
    assert geo.postal_base == Path("/nonexistent.csv")

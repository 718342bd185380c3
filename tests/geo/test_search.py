"""Territory pickers: names by their start, then by a word, régions and départements first."""

from __future__ import annotations

from ancrage.geo.search import search_territories


def test_start_of_a_name_then_a_word() -> None:
    found = [t.label for t in search_territories("Poit", limit=6)]
    assert found[0] == "commune:86194"
    assert "epci:200069854" in [t.label for t in search_territories("Poit", limit=10)]


def test_departement_code_and_name() -> None:
    assert search_territories("86")[0].text == "Vienne (département)"
    vienne = search_territories("vienne")
    assert vienne[0].label == "dep:86"
    assert vienne[1].text == "Vienne (commune, 38)"


def test_nothing() -> None:
    assert search_territories("  ") == []
    assert search_territories("zzzzqqq") == []

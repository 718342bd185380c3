"""Mojibake repaired for what users read: wrong decoding (ftfy's rules) and letters lost as
U+FFFD restored when one accented spelling is a known word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ancrage.textrepair import repair
from ancrage.watch.history import history_section


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("Soci\ufffdt\ufffd Nouvelle BRUNORI", "Société Nouvelle BRUNORI"),
        ("SOCI\ufffdT\ufffd G\ufffdN\ufffdRALE", "SOCIÉTÉ GÉNÉRALE"),
        ("SociÃ©tÃ© Dupont", "Société Dupont"),  # decoded as Latin-1: ftfy's rule
        ("Travaux d'\ufffdlagage", "Travaux d'élagage"),
        ("Zzz\ufffd", "Zzz\ufffd"),  # no known word: left as it is
        # real buyer names of the DECP samples: places of the COG, words of the fixes table
        ("Mairie Saint-Maur-des-Foss\ufffds", "Mairie Saint-Maur-des-Foss\ufffds"),  # Fossès too
        (
            "Universit\ufffd de Technologie de Compi\ufffdgne",
            "Université de Technologie de Compiègne",
        ),
        ("Conseil D\ufffdpartemental de l'Ard\ufffdche", "Conseil Départemental de l'Ardèche"),
        ("D\ufffdpartement de l Indre", "Département de l Indre"),
        (
            "Soci\ufffdt\ufffd Fran\ufffdaise Radiot\ufffdl\ufffdphone",
            "Société Française Radiotéléphone",
        ),
        # a word of the language before a place: « crèches », not Crêches-sur-Saône; « à », not Ô
        ("repas des cr\ufffdches", "repas des crèches"),
        ("livraison \ufffd Meaux", "livraison à Meaux"),
        ("Plain text", "Plain text"),
        ("", ""),
        (None, None),
    ],
)
def test_repair(raw: str | None, fixed: str | None) -> None:
    assert repair(raw) == fixed


def test_the_real_decp_name_is_repaired(shared_data: Path) -> None:
    data = json.loads((shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json").read_bytes())
    names = {
        t.get("denominationSociale")
        for m in data["marches"]
        for t in m.get("titulaires") or []
        if "BRUNORI" in str(t.get("denominationSociale"))
    }
    assert names == {"Soci\ufffdt\ufffd Nouvelle BRUNORI"}
    assert repair(names.pop()) == "Société Nouvelle BRUNORI"


def test_market_history_shows_repaired_names() -> None:
    history = {
        "criteria": {"cpv_class": "4545", "departement": "74", "value_min": None},
        "summary": {"contracts": 1, "median_offers": None, "local_share": None, "sme_share": None},
        "similar": [
            {
                "winner": "Soci\ufffdt\ufffd Nouvelle BRUNORI",
                "winner_siret": "50143818800010",
                "amount": 12000.0,
                "notification_date": "2019-05-02",
                "object": "R\ufffdnovation de la toiture",
            }
        ],
    }
    section = history_section(history)
    item = section.items[-1]
    assert item.label == "Société Nouvelle BRUNORI"
    assert item.value.endswith("— Rénovation de la toiture")

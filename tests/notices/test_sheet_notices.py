"""Reading sheets of real notices: criteria and weights hand-checked against the files."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from ancrage.notices.model import Notice
from ancrage.notices.sheet import MISSING, reading_sheet, render_html, render_json, render_text

Get = Callable[[str], Notice]


def test_ted_criteria_and_weights(ted_notice: Get) -> None:
    # cn_24_FRA_comments.xml: each lot, BT-539 price "Prix" 60 (per-exa), quality "Qualité" 40
    text = render_text(
        reading_sheet(ted_notice("sdk_examples/cn_24_FRA_comments.xml"), today=date(2019, 6, 20))
    )
    assert text.count("• Prix (prix) : pondération 60") == 2
    assert text.count("• Qualité (qualité) : pondération 40") == 2
    assert text.count("Part du prix dans la note : 60 %") == 2
    assert "24/06/2019 à 16:00 (UTC+00:00)" in text
    assert "il reste 4 jours" in text
    assert "Rouen Habitat" in text


def test_boamp_criteria_and_weights(boamp_xml_notice: Get) -> None:
    # test-pub-2.xml: CRITERES_QUALITE POIDS 50 "Valeur technique…", CRITERES_PRIX POIDS 50
    text = render_text(
        reading_sheet(boamp_xml_notice("test-pub-2.xml"), today=date(2017, 2, 1)), width=200
    )
    assert (
        "• Valeur technique appréciée suivant le mémoire technique (qualité) : pondération 50"
        in text
    )
    assert "• Prix (prix) : pondération 50" in text
    assert "Part du prix dans la note : 50 %" in text
    assert "date limite dépassée depuis 2 jours" in text
    assert f"Valeur estimée : {MISSING}" in text


def test_facts_from_text_show_their_sentence(ods_notices: dict[str, Notice]) -> None:
    sheet = reading_sheet(ods_notices["26-7113"], today=date(2026, 2, 1))
    docs = {s.title: s for s in sheet.sections}["Documents et certifications à préparer"]
    rge = [i for i in docs.items if i.label == "Certification : RGE"]
    assert rge[0].sentence == "RGE QUALIBAT - Reconnu garant de l'environnement ou équivalent"
    assert rge[0].source_field == "capacités techniques et professionnelles"
    visit = [i for i in docs.items if i.label == "Visite du site"]
    assert visit[0].value == "obligatoire"
    env = {s.title: s for s in sheet.sections}[
        "Environnement et social : ce que cela veut dire pour vous"
    ]
    assert [i.label for i in env.items] == ["Social", "Environnement"]
    assert all(i.note for i in env.items)


def test_price_only_warning(boamp_xml_notice: Get) -> None:
    notice = boamp_xml_notice("test-pub-2.xml")
    notice.award_criteria = [c for c in notice.award_criteria if c.type == "price"]
    notice.lots = []
    text = render_text(reading_sheet(notice, today=date(2017, 1, 1)))
    assert "Attention : prix seul" in text


def test_html_is_self_contained(ted_notice: Get) -> None:
    html = render_html(
        reading_sheet(ted_notice("sdk_examples/cn_24_FRA_comments.xml"), today=date(2019, 6, 20))
    )
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<(script|link)[^>]*(src|href)=[\"']?https?:", html, re.I)
    assert "<script" not in html and "<link" not in html
    assert "pondération 60" in html


def test_json_sheet(ted_notice: Get) -> None:
    data = render_json(
        reading_sheet(ted_notice("sdk_examples/cn_24_minimal.xml"), today=date(2020, 1, 1))
    )
    assert data["id"] == "ted:f42be27e-09cf-4f0e-a745-63ec689631e6-01"
    assert data["today"] == "2020-01-01"

"""Places of performance, lots, French labels and the structured JSON, on the real samples."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime

import orjson
import pytest
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.notices.document import notice_json
from ancrage.notices.labels import nuts_to_departements, procedure_label
from ancrage.notices.model import Notice, departements
from ancrage.notices.places import resolve_text
from ancrage.notices.search import search
from ancrage.notices.sheet import reading_sheet, render_html, render_text
from ancrage.notices.store import NoticeStore
from ancrage.notices.values import lot_heading, natural_key
from ancrage.settings import Settings

runner = CliRunner()
NOW = datetime(2026, 1, 22, tzinfo=UTC)
Get = Callable[[str], Notice]


# ---------------------------------------------------------------- places (item 2)


@pytest.mark.parametrize(
    ("text", "commune", "deps"),
    [
        ("Argonay (74)", "Argonay", ("74",)),
        ("2 rue de la Gendarmerie à Doulaincourt-Saucourt 52270", "Doulaincourt-Saucourt", ("52",)),
        (
            "Caserne de gendarmerie - 2 rue de la Gendarmerie à Doulaincourt-Saucourt (52 270)",
            "Doulaincourt-Saucourt",
            ("52",),
        ),
        ("41 rue Camille Pelletan 92300 - LEVALLOIS PERRET", "Levallois-Perret", ("92",)),
        ("Saint Lô", "Saint-Lô", ("50",)),
        ("(59) Nord", None, ("59",)),
        ("Normandie", None, ("14", "27", "50", "61", "76")),
        ("Bassins est du GPMM", None, ()),
    ],
)
def test_place_texts_are_resolved_against_the_cog(
    text: str, commune: str | None, deps: tuple[str, ...]
) -> None:
    assert resolve_text(text) == (commune, deps)


def test_nuts_codes_of_2021_and_2013() -> None:
    assert nuts_to_departements("FRK28") == ["74"]  # Haute-Savoie (NUTS 2021)
    assert nuts_to_departements("FR824") == ["13"]  # Bouches-du-Rhône (NUTS 2013)
    assert nuts_to_departements("FRD") == ["14", "27", "50", "61", "76"]  # Normandie
    assert nuts_to_departements("FR") == [] and nuts_to_departements("NL414") == []


def test_every_place_of_performance_is_kept(ods_notices: dict[str, Notice]) -> None:
    argonay = ods_notices["26-7319"]
    assert departements(argonay) == {"74": "place", "69": "listed"}  # the buyer is in 69
    works = ods_notices["26-7113"]
    assert departements(works)["52"] == "place"  # Doulaincourt-Saucourt, not the buyer's Metz
    assert departements(works)["57"] == "listed"


def test_v230_nuts_and_text_agree(boamp_xml_notice: Get) -> None:
    for name, dep in (("test-pub-2.xml", "13"), ("test-pub-7.xml", "11"), ("test-pub-8.xml", "33")):
        lot = boamp_xml_notice(name).lots[0]
        assert lot.place is not None and lot.place.departements == [dep], name


def test_search_and_territory_find_the_works_site(samples_home: Settings) -> None:
    hits = search(samples_home, "menuiserie", territory="dep:74", now=NOW)
    assert [h.id for h in hits] == ["boamp:26-7319"]
    assert "74" in hits[0].departements
    assert [h.id for h in search(samples_home, "gendarmerie", territory="dep:52", now=NOW)] == [
        "boamp:26-7113"
    ]


# ---------------------------------------------------------------- lots (item 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lot 5 : Menuiserie", ("5", "Menuiserie")),
        (
            "1- Prestations pour l’URSSAF de Rouen (Seine Maritime) ",
            ("1", "Prestations pour l’URSSAF de Rouen (Seine Maritime)"),
        ),
        ("TOITURE\n\nRévision de la toiture", (None, "TOITURE")),
        ("Lot n°3 - Peinture", ("3", "Peinture")),
        (None, (None, None)),
    ],
)
def test_lot_headings(text: str | None, expected: tuple[str | None, str | None]) -> None:
    assert lot_heading(text) == expected


def test_boamp_lots_have_their_number_title_and_no_zero_value(
    ods_notices: dict[str, Notice], samples_home: Settings
) -> None:
    lots = ods_notices["26-7319"].lots
    assert [(lot.number, lot.title, lot.value) for lot in lots] == [
        ("2", "Finition", None),  # the form's 0.00 is a box left empty
        ("5", "Menuiserie", None),
    ]
    assert [lot.number for lot in ods_notices["26-7308"].lots] == list("1234567")
    text = render_text(
        reading_sheet(NoticeStore(samples_home).get("boamp:26-7319"), today=date(2026, 1, 22))
    )
    assert (
        "• Lot 5 : Menuiserie — 45421000 Travaux de menuiserie ; valeur estimée non précisée"
        in text
    )
    assert "Lot ?" not in text and "0 EUR" not in text


def test_lots_in_natural_order() -> None:
    numbers = ["LOT-0010", "LOT-0002", "LOT-0001", "10", "2"]
    assert sorted(numbers[:3], key=natural_key) == ["LOT-0001", "LOT-0002", "LOT-0010"]
    assert sorted(numbers[3:], key=natural_key) == ["2", "10"]


def test_merged_lots_stay_in_natural_order(ted_notice: Get) -> None:
    from ancrage.notices.merge import apply_change
    from ancrage.notices.model import Lot

    notice = ted_notice("real/2024-OJS170-00525037.xml")
    change = ted_notice("real/2024-OJS170-00525037.xml")
    change.id, change.kind, change.changes_notice = "ted:x", "corrigendum", notice.id
    change.lots = [Lot("LOT-0013", title="added")]
    notice.lots = list(reversed(notice.lots))
    merged = apply_change(notice, change)
    assert [lot.number for lot in merged.lots][:3] == ["LOT-0001", "LOT-0002", "LOT-0003"]
    assert merged.lots[-1].number == "LOT-0013"


# ---------------------------------------------------------------- French labels (item 6)


def test_procedures_in_french() -> None:
    assert procedure_label("procedureAdapteeO") == "Procédure adaptée ouverte"
    assert procedure_label("restricted") == "Restreinte"
    assert procedure_label("open") == "Ouverte"
    assert procedure_label("ouvert") == "Appel d'offres ouvert"
    assert procedure_label("PROCEDURE_ADAPTE") == "Procédure adaptée"


_INTERNAL = re.compile(r"\b[a-z]+[A-Z]\w*\.[a-z]\w*\b|\(informComplementaire")


def test_no_code_nor_internal_path_in_any_sheet(samples: list[Notice]) -> None:
    for notice in samples:
        text = render_text(reading_sheet(notice, today=date(2026, 1, 22)), width=300)
        text = re.sub(r"https?://\S+", "", text)
        assert not _INTERNAL.search(text), (notice.id, _INTERNAL.search(text))
        for code in (
            "procedureAdapteeO",
            "Procédure : open",
            "Procédure : restricted",
            "Social : sociaux",
            "Environnement : environnementaux",
            "Lot ?",
        ):
            assert code not in text, (notice.id, code)


def test_eforms_codes_shown_with_their_french_label(ted_notice: Get) -> None:
    text = render_text(
        reading_sheet(ted_notice("sdk_examples/cn_24_maximal.xml"), today=date(2026, 1, 22)),
        width=300,
    )
    assert "• Environnement : L’atténuation du changement climatique" in text
    assert "• Social : Accessibilité pour tous" in text
    assert "• Achat stratégique : Réduction des incidences sur l’environnement" in text
    for code in ("env-imp", "clim-mitig", "acc-all", "res-pub-ser"):
        assert code not in text


def test_cpv_codes_come_with_their_label(ods_notices: dict[str, Notice]) -> None:
    text = render_text(reading_sheet(ods_notices["26-7319"], today=date(2026, 1, 22)))
    assert "Code CPV principal : 45454100 Travaux de réfection" in text


def test_html_sheet_links_are_clickable(ods_notices: dict[str, Notice]) -> None:
    html = render_html(reading_sheet(ods_notices["26-7319"], today=date(2026, 1, 22)))
    assert '<a href="https://www.boamp.fr/pages/avis/?q=idweb:26-7319">' in html
    assert 'href="https://www.achatpublic.com/' in html


# ---------------------------------------------------------------- structured JSON (item 7)


def test_notice_json_is_the_structured_notice(samples_home: Settings) -> None:
    result = runner.invoke(
        app,
        ["notice", "show", "boamp:26-7319", "--home", str(samples_home.home), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout)
    assert set(document) == {"notice", "sheet"}
    notice = document["notice"]
    assert notice["id"] == "boamp:26-7319"
    assert notice["deadline"] == "2026-02-11T12:00:00+01:00"
    assert notice["publication_date"] == "2026-01-21"
    assert notice["procedure"] == {
        "code": "procedureAdapteeO",
        "label": "Procédure adaptée ouverte",
    }
    assert notice["place"]["commune"] == "Argonay"
    assert notice["departements"][0] == {
        "code": "74",
        "origin": "place",
        "origin_label": "lieu d'exécution",
    }
    lot = notice["lots"][1]
    assert (lot["number"], lot["title"], lot["value"]) == ("5", "Menuiserie", None)
    assert lot["cpv"] == [{"code": "45421000", "label": "Travaux de menuiserie", "main": True}]
    assert notice["documents_asked"]["qualifications"] == ["cf. Règlement de consultation."]


def test_notice_json_criteria_weights_and_requirements(ted_notice: Get) -> None:
    data = notice_json(ted_notice("sdk_examples/cn_24_maximal.xml"), NOW)
    lot = data["lots"][0]
    assert lot["award_criteria"] and all("weight" in c for c in lot["award_criteria"])
    assert any(c["weight"] is not None for c in lot["award_criteria"])
    kinds = {c["kind"] for c in data["considerations"]}
    assert "environmental" in kinds and "social" in kinds
    assert all(c["label"] for c in data["considerations"] if c["code"] != "other")
    assert orjson.loads(orjson.dumps(data)) == data  # plain JSON

"""The report on the enriched tabular sample: content, self-containment, PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from ancrage.diagnose import Scope, build_scope, diagnose
from ancrage.report import ReportError, build_report, render_html, write_report
from ancrage.report.pdf import chromium_path, weasyprint_available, write_pdf
from ancrage.report.spend import spend_by_place

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_spend_by_place_matches_diagnostic(enriched_home) -> None:
    scope = build_scope(territory="dep:74")
    spend = spend_by_place(enriched_home, scope)
    d = diagnose(enriched_home, scope)
    # the maps count exactly what the diagnostic counts
    assert spend.total_eur == pytest.approx(d.totals.amount_eur)
    top = spend.by_departement[0]
    assert top.code == "74"
    # CSV (hand-checked in tests/diagnose): of the 223 contract × supplier rows of the 179
    # contracts of dep-74 buyers, 137 have titulaire_departement_code 74
    assert top.rows == 137
    assert sum(p.rows for p in spend.by_departement) + 1 == 223  # 1 without département
    # 114 of the 179 contracts have a buyer placed at the commune (COG lookup of the SIRET)
    assert sum(p.rows for p in spend.by_buyer_commune) == 114
    buyers_total = sum(p.amount_eur for p in spend.by_buyer_commune) + spend.unplaced_buyer_eur
    assert buyers_total == pytest.approx(spend.total_eur)


def test_key_messages_first(report_74) -> None:
    html = render_html(report_74)
    messages = report_74.key_messages
    # 179 contracts (hand-checked in tests/diagnose), 52 buyers
    assert messages[0].startswith("179 contrats pour 108,5\u00a0M€ HT, passés par 52 acheteurs")
    # 46.8 M€ of 108.5 M€ go to suppliers in the 74 (spend_by_place, checked above)
    assert messages[1].startswith("43\u00a0% des montants restent dans le département")
    # the département is what is unknown here (1 row of 223), not the ring's « lieu »
    assert "Département du titulaire inconnu pour" in messages[1]
    assert "Lieu du titulaire" not in messages[1]
    assert messages[2] == "10\u00a0% des montants partent hors de la région (Auvergne-Rhône-Alpes)."
    assert "Hors du territoire, premier département bénéficiaire : Savoie (73)" in messages[3]
    assert html.index("L'essentiel") < html.index("1. Le volume")
    assert html.index(messages[0]) < html.index("<svg")


def test_html_is_self_contained_with_charts_and_maps(report_74) -> None:
    html = render_html(report_74)
    assert not EXTERNAL.search(html)
    assert "<script" not in html
    assert "<link" not in html
    assert "@import" not in html
    assert "url(" not in html
    assert html.count("<svg") >= 7
    assert html.count("class='tile'") == 101  # 96 metropolitan + 5 DROM départements
    assert "data-code='74'><title>Haute-Savoie (74)" in html
    assert "class='map map-communes'" in html
    assert "Dans le territoire : qui achète, qui reçoit ?" in html
    assert "Pour comparer : Auvergne-Rhône-Alpes (reg:84)" in html
    # every SVG is well-formed XML
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL):
        etree.fromstring(svg.encode())


def test_always_shows_quality_targets_sources(report_74) -> None:
    html = render_html(report_74)
    assert "7. Qualité des données" in html
    # no spend data in this warehouse: no spend section
    assert "spend_rings" not in report_74.figures
    assert 'id="depenses"' not in html
    assert "100 % des contrats notifiés avec au moins une considération environnementale" in html
    assert "30 % avec une considération sociale" in html
    assert "à partir du 21 août 2026" in html
    assert "Sources et méthode" in html
    assert "DONNÉES FICTIVES" not in html
    assert report_74.generated in html


def test_fictitious_banner_and_no_enrichment(synthetic_home, tmp_path: Path) -> None:
    report = build_report(synthetic_home, Scope())
    assert report.fictitious
    html = render_html(report)
    assert 'class="fictitious-banner"' in html
    assert "position: fixed" in html  # repeated on every printed page
    assert report.map_notes == [
        "Cartes indisponibles : l'entrepôt n'est pas enrichi (lancez « ancrage enrich »)."
    ]
    assert "map-dep" not in html


def test_write_html_atomic_and_bad_suffix(report_74, tmp_path: Path) -> None:
    target = tmp_path / "out" / "rapport.html"
    assert write_report(report_74, target) == "html"
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(target.parent.glob("*.part"))
    with pytest.raises(ReportError) as exc:
        write_report(report_74, tmp_path / "rapport.docx")
    assert exc.value.one_line() == (
        f"{tmp_path / 'rapport.docx'}: format de rapport inconnu « .docx ». "
        "Nommez la sortie rapport.html ou rapport.pdf."
    )


def test_pdf(report_74, tmp_path: Path) -> None:
    if not weasyprint_available() and chromium_path() is None:
        pytest.skip(
            "no PDF engine: WeasyPrint needs Pango (apt-get install libpango-1.0-0 "
            "libpangoft2-1.0-0), or install chromium"
        )
    target = tmp_path / "rapport.pdf"
    used = write_report(report_74, target)
    assert used in ("weasyprint", "chromium")
    data = target.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(data) > 30_000
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "L'essentiel" in text
        assert "Qualité des données" in text


def test_pdf_without_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("ancrage.report.pdf.weasyprint_available", lambda: False)
    monkeypatch.setattr("ancrage.report.pdf.chromium_path", lambda: None)
    with pytest.raises(ReportError) as exc:
        write_pdf("<html></html>", tmp_path / "x.pdf")
    assert exc.value.one_line() == (
        "impossible de produire le PDF : ni WeasyPrint ni Chromium ne sont disponibles. "
        "Installez Pango pour WeasyPrint (Debian : apt-get install libpango-1.0-0 "
        "libpangoft2-1.0-0) ou Chromium (apt-get install chromium), ou écrivez le rapport en "
        "HTML avec --out rapport.html."
    )


def test_no_commune_map_without_territory(enriched_home, postal_base: Path) -> None:
    report = build_report(enriched_home, Scope(years=(2024, 2024)), postal_base=postal_base)
    assert "map_departements" in report.figures
    assert "map_communes" not in report.figures
    assert report.map_notes == [
        "Carte des communes : elle montre l'intérieur d'un territoire ; donnez-en un "
        "(--territory) pour l'obtenir."
    ]


def test_concessions_apart_in_the_report(shared_data: Path, tmp_path: Path) -> None:
    from ancrage.ingest.pipeline import load_paths
    from ancrage.settings import Settings

    home = Settings.resolve(tmp_path / "home")
    sample = shared_data / "decp/v2_2024/official_examples/marches_concessions.json"
    assert not load_paths(home, [sample]).errors
    report = build_report(home, Scope())
    # 2 marchés, 2 concessions (valeur globale 25 € each after modification, as published)
    assert report.data.totals.contracts == 2
    assert report.key_messages[1] == (
        "À part : 2 contrats de concession, d'une valeur globale de 50\u00a0€ sur toute leur "
        "durée, non comptée dans les montants (ce n'est pas un achat)."
    )
    html = render_html(report)
    assert "Les contrats de concession, comptés à part" in html
    assert "Type de contrat : marchés (les concessions sont présentées à part)" in html

"""The report as a document: a continuous year axis, no mostly blank PDF page, a labelled
commune map, legends that show only what can appear."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ancrage.diagnose import build_scope
from ancrage.ingest.pipeline import load_paths
from ancrage.report import build_report, render_html
from ancrage.report.maps import commune_map, departement_map
from ancrage.report.pdf import _import_weasyprint, weasyprint_available
from ancrage.report.spend import PlaceSpend
from ancrage.report.svg import Part, stacked_bar
from ancrage.settings import Settings

# 2018-2019 and 2024: four years without any contract between them
SAMPLES = (
    "decp/v1_2019/e-marchespublics.json",
    "decp/v2_2024/real/megalis_decp-59920013600241-2024-07-09-01.json",
)


@pytest.fixture(scope="module")
def gap_home(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Settings:
    settings = Settings.resolve(tmp_path_factory.mktemp("gap") / "home")
    assert not load_paths(settings, [shared_data / s for s in SAMPLES]).errors
    return settings


def test_years_on_a_continuous_axis(gap_home: Settings) -> None:
    report = build_report(gap_home, build_scope())
    svg = report.figures["years"].svg
    labels = re.findall(r">(\d{4})</text>", svg)
    assert labels == [str(y) for y in range(2018, 2025)]
    assert svg.count("aucun contrat") == 4  # 2020 to 2023 keep their place, without a bar
    assert any("2020, 2021, 2022, 2023" in t for t in report.figures["years"].text)


def _page_fill(html: str) -> list[float]:
    """How far down each PDF page its text and charts go (0 = empty, 1 = full)."""
    doc = _import_weasyprint().HTML(string=html).render()
    fills = []
    for page in doc.pages:
        root = page._page_box
        bottom = 0.0
        for child in root.children:
            if type(child).__name__ == "MarginBox":  # the footer
                continue
            for box in child.descendants():
                kind = type(box).__name__
                if kind in ("LineBox", "BlockReplacedBox", "InlineReplacedBox") and box.height:
                    bottom = max(bottom, box.position_y + box.margin_height())
        height = page.height - root.margin_top - root.margin_bottom
        fills.append((bottom - root.margin_top) / height)
    return fills


@pytest.mark.skipif(not weasyprint_available(), reason="WeasyPrint needs Pango")
def test_no_pdf_page_is_mostly_blank(report_74, enriched_home, postal_base) -> None:
    small = build_report(
        enriched_home, build_scope(territory="commune:74010"), postal_base=postal_base
    )
    for report in (report_74, small):
        fills = _page_fill(render_html(report))
        assert len(fills) >= 3
        assert all(f >= 0.5 for f in fills[:-1]), fills


def test_commune_map_is_labelled(report_74) -> None:
    svg = report_74.figures["map_communes"].svg
    names = re.findall(r"<text class='label'[^>]*>([^<]+)</text>", svg)
    assert len(names) == 8
    assert "Annecy" in names  # the most populous commune of Haute-Savoie


def test_legends_show_only_what_can_appear() -> None:
    bar = stacked_bar(
        [
            Part("a", 0.7, "#111111"),
            Part("b", 0.0, "#222222"),
            Part("c", 0.002, "#333333"),
            Part("d", 0.298, "#444444"),
        ],
        title="t",
    )
    assert "a — 70" in bar and "d — 30" in bar
    assert "b —" not in bar and "fill='#222222'" not in bar
    assert "moins de 0,5 % : c" in bar
    dep = departement_map([PlaceSpend("74", 100.0, 1)], {}, title="t")
    legend = re.findall(r"font-size='12' fill='#1f2933'>([^<]+)</text>", dep)
    assert legend == ["aucun montant", "25 % et plus"]
    assert "territoire étudié" not in dep  # no home territory drawn
    points = {"74010": (45.9, 6.1)}
    received_only = commune_map(
        [PlaceSpend("74010", 10.0, 1)], [], points, {}, backdrop=["74010"], title="t"
    )
    assert "montant reçu" in received_only and "cercle vide" not in received_only

"""Formatting, charts and maps in isolation."""

from __future__ import annotations

import csv
from importlib import resources

from lxml import etree

from ancrage.fmt import eur, pct
from ancrage.report.maps import commune_map, departement_map, share_class, tiles
from ancrage.report.spend import PlaceSpend
from ancrage.report.svg import Part, Series, columns, hbars, lines, stacked_bar


def test_french_numbers() -> None:
    assert pct(0.4812) == "48\u00a0%"
    assert pct(None) == "—"
    assert eur(123_297_962.94) == "123,3\u00a0M€"
    assert eur(850_000) == "850\u00a0k€"
    assert eur(3_400_000_000) == "3,4\u00a0Md€"


def test_tiles_cover_every_departement_once() -> None:
    text = resources.files("ancrage").joinpath("data/geo/departements.csv").read_text("utf-8")
    wanted = {
        r["code"] for r in csv.DictReader(text.splitlines()) if r["zone"] in ("metro", "drom")
    }
    layout = tiles()
    assert {t.code for t in layout} == wanted
    assert len(wanted) == 101
    assert len({(t.col, t.row) for t in layout}) == 101


def test_share_classes() -> None:
    assert [share_class(s) for s in (0, 0.005, 0.01, 0.07, 0.2, 0.5)] == [0, 1, 2, 3, 4, 5]


def _xml(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def test_charts_are_valid_svg_with_escaped_text() -> None:
    svg = stacked_bar([Part("a < b", 0.25), Part("c & d", 0.75)], title="t")
    root = _xml(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "a &lt; b" in svg
    assert _xml(hbars([Part("x", 0.4, target=1.0, target_label="cible")], title="t")) is not None
    assert _xml(columns(["2024"], [3.0], labels=["3 €"], title="t")) is not None
    line = lines(["2023", "2024"], [Series("s", [None, 0.5], "#000")], title="t")
    assert line.count("<circle") == 1


def test_maps() -> None:
    dep = departement_map(
        [PlaceSpend("74", 80.0, 2), PlaceSpend("73", 20.0, 1)], {}, title="t", home=["74"]
    )
    root = _xml(dep)
    assert len(root.findall(".//{http://www.w3.org/2000/svg}g")) == 101
    points = {"74010": (45.9, 6.1), "74056": (45.92, 6.87)}
    com = commune_map(
        [PlaceSpend("74010", 10.0, 1)],
        [PlaceSpend("74056", 40.0, 1)],
        points,
        {"74010": "Annecy"},
        backdrop=list(points),
        title="t",
    )
    root = _xml(com)
    received = root.find(".//{http://www.w3.org/2000/svg}g[@class='received']")
    assert received is not None and len(received) == 1
    assert "Annecy" in com
    empty = commune_map([], [], {}, {}, backdrop=[], title="t")
    assert "Aucune commune localisable." in empty

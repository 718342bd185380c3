"""Maps as inline SVG, drawn from data shipped or already cached (no network, no basemap).

- Départements: a tile cartogram, one square per département at a fixed grid position
  (``data/report/departement_tiles.csv``: 96 metropolitan départements laid out by hand to keep
  neighbours near each other, and the 5 DROM on a separate row). Colour = share of the amount.
- Communes: proportional circles at commune points (La Poste's postal base, see
  :mod:`ancrage.geo.centroids`), equirectangular projection scaled by cos(latitude); the
  communes of the territory are drawn as small grey dots to show its shape.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from importlib import resources

from ancrage.fmt import eur, pct
from ancrage.geo.centroids import Point
from ancrage.report.spend import PlaceSpend
from ancrage.report.svg import FONT, INK, MUTED

# Sequential palette (light → dark), colour-blind safe; index by share class.
PALETTE = ("#eef3f6", "#c6dbe7", "#8fb9d0", "#4f8fb0", "#23628a", "#0b3b5c")
BREAKS = (0.0, 0.01, 0.05, 0.10, 0.25)  # lower bounds of classes 1..5 (0 = no amount)
LOCAL = "#c26a1b"


@dataclass(frozen=True)
class Tile:
    code: str
    col: int
    row: int


@cache
def tiles() -> tuple[Tile, ...]:
    text = (
        resources.files("ancrage")
        .joinpath("data/report/departement_tiles.csv")
        .read_text(encoding="utf-8")
    )
    return tuple(
        Tile(r["code"], int(r["col"]), int(r["row"])) for r in csv.DictReader(io.StringIO(text))
    )


def share_class(share: float) -> int:
    if share <= 0:
        return 0
    return sum(1 for b in BREAKS if share >= b)


def departement_map(
    spend: Sequence[PlaceSpend],
    names: Mapping[str, str],
    *,
    home: Sequence[str] = (),
    title: str,
    cell: int = 40,
) -> str:
    """Tile cartogram of the amount received by suppliers located in each département;
    ``home`` départements (the territory) get a thick outline."""
    total = sum(p.amount_eur for p in spend) or 1.0
    by_code = {p.code: p for p in spend}
    layout = tiles()
    cols = max(t.col for t in layout) + 1
    rows = max(t.row for t in layout) + 1
    gap = 3
    legend_w = 190
    width = cols * cell + legend_w
    height = rows * cell + 12
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='map map-dep' role='img' "
        f"viewBox='0 0 {width} {height}' width='{width}' height='{height}' {FONT}>"
        f"<title>{escape(title)}</title>"
    ]
    for t in layout:
        p = by_code.get(t.code)
        share = p.amount_eur / total if p else 0.0
        k = share_class(share)
        x, y = t.col * cell, t.row * cell + (8 if t.row > 12 else 0)
        stroke = f"stroke='{LOCAL}' stroke-width='3'" if t.code in home else "stroke='none'"
        tip = f"{names.get(t.code, t.code)} ({t.code}) : {eur(p.amount_eur if p else 0.0)}"
        if p:
            tip += f", {pct(share, 1)}"
        out.append(
            f"<g class='tile' data-code='{escape(t.code)}'><title>{escape(tip)}</title>"
            f"<rect x='{x + gap / 2:.1f}' y='{y + gap / 2:.1f}' width='{cell - gap}' "
            f"height='{cell - gap}' rx='3' fill='{PALETTE[k]}' {stroke}/>"
            f"<text x='{x + cell / 2:.1f}' y='{y + cell / 2 + 4:.1f}' font-size='11' "
            f"text-anchor='middle' fill='{'#ffffff' if k >= 4 else INK}'>{escape(t.code)}</text>"
            "</g>"
        )
    out.append(
        f"<text x='0' y='{13 * cell + 2}' font-size='10' fill='{MUTED}'>Outre-mer :</text>"
        if rows > 13
        else ""
    )
    lx = cols * cell + 16
    labels = ("aucun montant", "moins de 1 %", "1 à 5 %", "5 à 10 %", "10 à 25 %", "25 % et plus")
    out.append(
        f"<text x='{lx}' y='20' font-size='12' font-weight='bold' fill='{INK}'>"
        "Part du montant</text>"
    )
    # a legend never shows a colour no tile has
    present = sorted(
        {
            share_class(by_code[t.code].amount_eur / total if t.code in by_code else 0)
            for t in layout
        }
    )
    for row, i in enumerate(present):
        label = labels[i]
        y = 32 + row * 22
        out.append(
            f"<rect x='{lx}' y='{y}' width='16' height='16' rx='2' fill='{PALETTE[i]}' "
            f"stroke='{MUTED}' stroke-width='0.5'/>"
            f"<text x='{lx + 22}' y='{y + 12}' font-size='12' fill='{INK}'>{label}</text>"
        )
    if any(t.code in home for t in layout):
        y = 32 + len(present) * 22 + 6
        out.append(
            f"<rect x='{lx}' y='{y}' width='16' height='16' rx='2' fill='none' stroke='{LOCAL}' "
            f"stroke-width='3'/><text x='{lx + 22}' y='{y + 12}' font-size='12' fill='{INK}'>"
            "territoire étudié</text>"
        )
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Projection:
    """Equirectangular projection of a bounding box onto a ``width`` × ``height`` frame."""

    lat_max: float
    lon_min: float
    scale: float
    k: float
    pad: float

    @classmethod
    def fit(cls, points: Sequence[Point], width: float, height: float, pad: float) -> Projection:
        lats = [p[0] for p in points]
        lons = [p[1] for p in points]
        k = math.cos(math.radians((max(lats) + min(lats)) / 2))
        span_x = max((max(lons) - min(lons)) * k, 1e-3)
        span_y = max(max(lats) - min(lats), 1e-3)
        scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
        return cls(max(lats), min(lons), scale, k, pad)

    def __call__(self, p: Point) -> tuple[float, float]:
        return (
            self.pad + (p[1] - self.lon_min) * self.k * self.scale,
            self.pad + (self.lat_max - p[0]) * self.scale,
        )


def commune_map(
    received: Sequence[PlaceSpend],
    spent: Sequence[PlaceSpend],
    points: Mapping[str, Point],
    names: Mapping[str, str],
    *,
    backdrop: Sequence[str],
    title: str,
    population: Mapping[str, int] | None = None,
    labels: int = 8,
    width: int = 640,
    height: int = 520,
) -> str:
    """Proportional circles: amount received by suppliers of each commune (filled) and amount
    spent by buyers of each commune (outlined), over the grey dots of ``backdrop`` communes.
    Only communes with a known point are drawn. The biggest circles and, up to ``labels`` names
    in all, the most populous communes of ``backdrop`` (``population``) are named, so that a
    reader finds their way."""
    population = population or {}
    rec = [p for p in received if p.code in points]
    spe = [p for p in spent if p.code in points]
    frame = [points[c] for c in backdrop if c in points] or [points[p.code] for p in rec + spe]
    legend_h = 64
    out = [
        f"<svg xmlns='http://www.w3.org/2000/svg' class='map map-communes' role='img' "
        f"viewBox='0 0 {width} {height + legend_h}' width='{width}' height='{height + legend_h}' "
        f"{FONT}><title>{escape(title)}</title>"
    ]
    if not frame:
        out.append(
            f"<text x='{width / 2}' y='{height / 2}' text-anchor='middle' font-size='14' "
            f"fill='{MUTED}'>Aucune commune localisable.</text></svg>"
        )
        return "".join(out)
    proj = Projection.fit(frame, width, height, 24)
    dot = 1.2 if len(frame) > 2000 else 1.8
    out.append("<g class='backdrop' fill='#c9d1d8'>")
    for c in backdrop:
        if c in points:
            x, y = proj(points[c])
            out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{dot}'/>")
    out.append("</g>")
    vmax = max([p.amount_eur for p in rec + spe] + [1.0])
    r_max = 28.0

    def radius(amount: float) -> float:
        return max(r_max * math.sqrt(amount / vmax), 1.5)

    for layer, items, style in (
        ("spent", spe, f"fill='none' stroke='{INK}' stroke-width='1.2'"),
        ("received", rec, f"fill='{LOCAL}' fill-opacity='0.7' stroke='#ffffff' stroke-width='0.8'"),
    ):
        out.append(f"<g class='{layer}'>")
        for p in sorted(items, key=lambda q: -q.amount_eur):
            x, y = proj(points[p.code])
            verb = "reçu par les titulaires" if layer == "received" else "dépensé par les acheteurs"
            tip = f"{names.get(p.code, p.code)} ({p.code}) : {eur(p.amount_eur)} {verb}"
            out.append(
                f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{radius(p.amount_eur):.1f}' {style}>"
                f"<title>{escape(tip)}</title></circle>"
            )
        out.append("</g>")
    # names: the biggest circles, then the most populous communes of the territory
    named: dict[str, float] = {}
    for p in sorted(rec + spe, key=lambda q: -q.amount_eur)[:5]:
        named.setdefault(p.code, radius(p.amount_eur))
    for code in sorted((c for c in backdrop if c in points), key=lambda c: -population.get(c, 0)):
        if len(named) >= labels:
            break
        named.setdefault(code, dot)
    for code, r in named.items():
        x, y = proj(points[code])
        name = escape(names.get(code, code))
        at = f"x='{x + r + 3:.1f}' y='{y + 4:.1f}' font-size='11'"
        # a white halo drawn first, then the name: readable over circles, in every renderer
        # (WeasyPrint ignores paint-order)
        out.append(
            f"<text {at} fill='#ffffff' stroke='#ffffff' stroke-width='3' "
            f"stroke-linejoin='round'>{name}</text><text class='label' {at} fill='{INK}'>"
            f"{name}</text>"
        )
    ly = height + 10
    big = radius(vmax)
    legend = []  # only the symbols the map shows
    if rec:
        legend.append(
            f"<circle cx='{20 + big}' cy='{ly + big}' r='{big:.1f}' fill='{LOCAL}' "
            f"fill-opacity='0.7'/><text x='{28 + 2 * big}' y='{ly + big - 4:.1f}' "
            f"font-size='12' fill='{INK}'>montant reçu par les titulaires de la commune "
            f"({escape(eur(max(p.amount_eur for p in rec)))} pour le plus grand cercle)</text>"
        )
    if spe:
        legend.append(
            f"<circle cx='{20 + big}' cy='{ly + big}' r='{big * 0.6:.1f}' fill='none' "
            f"stroke='{INK}' stroke-width='1.2'/><text x='{28 + 2 * big}' "
            f"y='{ly + big + 14:.1f}' font-size='12' fill='{INK}'>cercle vide : montant "
            "dépensé par les acheteurs de la commune</text>"
        )
    out.extend(legend)
    out.append("</svg>")
    return "".join(out)

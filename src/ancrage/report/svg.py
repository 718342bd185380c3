"""Small inline SVG charts (no JavaScript, no external fetch): bars, stacked bar, lines.

Every chart is a self-contained ``<svg>`` string with a ``<title>`` for screen readers and a
``viewBox`` so it scales to the page; text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from ancrage.fmt import pct

FONT = "font-family='DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif'"
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#d9dee3"


@dataclass(frozen=True)
class Part:
    """One labelled value of a chart (a bar, a segment of a stacked bar)."""

    label: str
    value: float
    color: str = "#2f6f8f"
    note: str = ""
    target: float | None = None  # drawn as a red tick on this bar's row (hbars)
    target_label: str = ""


def _open(width: float, height: float, title: str, css: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='chart {css}' role='img' "
        f"viewBox='0 0 {width:.0f} {height:.0f}' width='{width:.0f}' height='{height:.0f}' "
        f"{FONT}><title>{escape(title)}</title>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 12,
    anchor: str = "start",
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' text-anchor='{anchor}' "
        f"fill='{fill}' font-weight='{weight}'>{escape(text)}</text>"
    )


def hbars(
    parts: Sequence[Part],
    *,
    title: str,
    width: int = 640,
    label_width: int = 230,
) -> str:
    """Horizontal bars of shares (0..1, scale 0–100 %), one per part; a part's ``target`` is a
    red dashed tick across its row, labelled under the bar."""
    row = 44
    top = 8
    height = top + row * max(len(parts), 1) + 4
    bar_w = width - label_width - 110
    out = [_open(width, height, title, "hbars")]
    for i, p in enumerate(parts):
        y = top + i * row
        w = max(bar_w * min(p.value, 1.0), 0.0)
        out.append(
            f"<rect x='{label_width}' y='{y + 4}' width='{bar_w}' height='20' fill='#eef1f4'/>"
        )
        out.append(_text(label_width - 8, y + 19, p.label, anchor="end"))
        out.append(
            f"<rect x='{label_width}' y='{y + 4}' width='{w:.1f}' height='20' "
            f"fill='{p.color}' rx='2'/>"
        )
        out.append(_text(label_width + bar_w + 8, y + 19, p.note or pct(p.value), weight="bold"))
        if p.target is not None:
            x = label_width + bar_w * p.target
            out.append(
                f"<line x1='{x:.1f}' y1='{y}' x2='{x:.1f}' y2='{y + 28}' stroke='#b3261e' "
                "stroke-width='2' stroke-dasharray='4 2'/>"
            )
            anchor = "end" if p.target > 0.8 else "middle"
            out.append(_text(x, y + 40, p.target_label, size=11, anchor=anchor, fill="#b3261e"))
    out.append("</svg>")
    return "".join(out)


def stacked_bar(parts: Sequence[Part], *, title: str, width: int = 640) -> str:
    """One bar of 100 % split into parts, with a legend below (two columns)."""
    total = sum(p.value for p in parts) or 1.0
    bar_h = 34
    # a legend never shows what cannot be seen: parts under half a percent are named apart
    shown = [p for p in parts if p.value / total >= 0.005]
    tiny = [p.label for p in parts if 0 < p.value / total < 0.005]
    legend_rows = (len(shown) + 1) // 2 + (1 if tiny else 0)
    height = bar_h + 16 + legend_rows * 22
    out = [_open(width, height, title, "stacked")]
    x = 0.0
    for p in parts:
        w = width * p.value / total
        if w > 0:
            out.append(
                f"<rect x='{x:.2f}' y='0' width='{w:.2f}' height='{bar_h}' fill='{p.color}'>"
                f"<title>{escape(p.label)} : {escape(pct(p.value / total))}</title></rect>"
            )
            if w > 38:
                out.append(
                    _text(
                        x + w / 2,
                        bar_h / 2 + 5,
                        pct(p.value / total),
                        anchor="middle",
                        fill="#ffffff",
                        weight="bold",
                    )
                )
        x += w
    for i, p in enumerate(shown):
        col, line = i % 2, i // 2
        lx = col * width / 2
        ly = bar_h + 14 + line * 22
        out.append(f"<rect x='{lx:.0f}' y='{ly:.0f}' width='14' height='14' fill='{p.color}'/>")
        out.append(_text(lx + 20, ly + 12, f"{p.label} — {pct(p.value / total)}", size=12))
    if tiny:
        ly = bar_h + 14 + ((len(shown) + 1) // 2) * 22
        out.append(_text(0, ly + 12, "moins de 0,5 % : " + ", ".join(tiny), size=11, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Series:
    """One line of a line chart: values by x label (``None`` = no data)."""

    label: str
    values: Sequence[float | None]
    color: str


def lines(
    xs: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    target: float | None = None,
    target_label: str = "",
) -> str:
    """Shares (0..1) over years: one polyline per series, points labelled."""
    left, right, top, bottom = 44, 120, 12, 28
    plot_w = width - left - right
    plot_h = height - top - bottom
    out = [_open(width, height, title, "lines")]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - tick)
        out.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='{GRID}'/>"
        )
        out.append(_text(left - 6, y + 4, pct(tick), size=10, anchor="end", fill=MUTED))
    n = max(len(xs), 1)
    step = plot_w / max(n - 1, 1)

    def px(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    for i, x in enumerate(xs):
        out.append(_text(px(i), height - 8, x, size=11, anchor="middle", fill=MUTED))
    if target is not None:
        y = top + plot_h * (1 - target)
        out.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#b3261e' "
            "stroke-width='1.5' stroke-dasharray='5 3'/>"
        )
        out.append(_text(left + plot_w + 6, y + 4, target_label, size=11, fill="#b3261e"))
    for s in series:
        pts = [(px(i), top + plot_h * (1 - v)) for i, v in enumerate(s.values) if v is not None]
        # a line joins consecutive points only: a period without data leaves a gap
        runs: list[list[tuple[float, float]]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((px(i), top + plot_h * (1 - v)))
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in run)
                out.append(
                    f"<polyline points='{path}' fill='none' stroke='{s.color}' stroke-width='2.5'/>"
                )
        for cx, cy in pts:
            out.append(f"<circle cx='{cx:.1f}' cy='{cy:.1f}' r='3.5' fill='{s.color}'/>")
        if pts:
            out.append(
                _text(pts[-1][0] + 8, pts[-1][1] + 4, s.label, size=11, fill=s.color, weight="bold")
            )
    out.append("</svg>")
    return "".join(out)


def columns(
    xs: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    labels: Sequence[str],
    width: int = 640,
    height: int = 200,
    color: str = "#2f6f8f",
) -> str:
    """Vertical bars (e.g. amount by year), value labels on top; a ``None`` value (no data for
    that x) leaves its slot empty, marked with its label, so the axis stays continuous."""
    top, bottom = 18, 26
    plot_h = height - top - bottom
    vmax = max([v for v in values if v is not None] + [1e-9])
    n = max(len(xs), 1)
    slot = width / n
    bar = min(slot * 0.6, 70)
    out = [_open(width, height, title, "columns")]
    out.append(
        f"<line x1='0' y1='{top + plot_h:.1f}' x2='{width}' y2='{top + plot_h:.1f}' "
        f"stroke='{GRID}'/>"
    )
    for i, (x, v, lab) in enumerate(zip(xs, values, labels, strict=True)):
        cx = slot * i + slot / 2
        if v is None:
            out.append(_text(cx, top + plot_h - 5, lab, size=10, anchor="middle", fill=MUTED))
        else:
            h = plot_h * v / vmax
            out.append(
                f"<rect x='{cx - bar / 2:.1f}' y='{top + plot_h - h:.1f}' width='{bar:.1f}' "
                f"height='{h:.1f}' fill='{color}' rx='2'/>"
            )
            out.append(
                _text(cx, top + plot_h - h - 5, lab, size=11, anchor="middle", weight="bold")
            )
        out.append(_text(cx, height - 8, x, size=11, anchor="middle", fill=MUTED))
    out.append("</svg>")
    return "".join(out)

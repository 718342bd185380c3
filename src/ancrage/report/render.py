"""Render a :class:`~ancrage.report.build.Report` as one self-contained HTML file, or PDF."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import jinja2

from ancrage import __version__, fmt
from ancrage.report.build import Report
from ancrage.report.pdf import Engine, ReportError, write_pdf

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf"}


def render_html(report: Report) -> str:
    """The whole report as one HTML string: CSS inline, charts and maps as inline SVG."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ancrage", "data/report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = resources.files("ancrage").joinpath("data/report/report.css").read_text("utf-8")
    return env.get_template("report.html.j2").render(
        r=report, css=css, fmt=fmt, version=__version__
    )


def output_format(path: Path) -> str:
    """``html`` or ``pdf`` from the file name."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ReportError(
            f"format de rapport inconnu « {path.suffix or path.name} »",
            file=path,
            hint="Nommez la sortie rapport.html ou rapport.pdf.",
        )
    return kind


def write_report(report: Report, path: Path, *, engine: Engine = "auto") -> str:
    """Write ``path`` (HTML or PDF by its suffix, atomically); returns what wrote it."""
    kind = output_format(path)
    html = render_html(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    try:
        if kind == "html":
            partial.write_text(html, encoding="utf-8")
            used = "html"
        else:
            used = write_pdf(html, partial, engine=engine)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return used

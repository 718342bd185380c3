"""The territorial report: the diagnostic as a document (one self-contained HTML file or a PDF)
with key messages, inline SVG charts and maps, data quality, sources and method."""

from ancrage.report.build import Report, build_report
from ancrage.report.pdf import ReportError
from ancrage.report.render import render_html, write_report

__all__ = ["Report", "ReportError", "build_report", "render_html", "write_report"]

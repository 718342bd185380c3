"""HTML → PDF: WeasyPrint (PyPI, needs the Pango system library), else headless Chromium.

WeasyPrint is the default: a pip dependency plus Debian's ``libpango-1.0-0`` and
``libpangoft2-1.0-0`` (present on most desktops and in the ``python:3.11`` image). When Pango
is missing, a ``chromium`` on ``PATH`` renders the same file with ``--print-to-pdf``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path
from typing import Any, Literal

from ancrage.errors import AncrageError

Engine = Literal["auto", "weasyprint", "chromium"]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PANGO_HINT = (
    "Installez Pango pour WeasyPrint (Debian : apt-get install libpango-1.0-0 "
    "libpangoft2-1.0-0) ou Chromium (apt-get install chromium), ou écrivez le rapport en HTML "
    "avec --out rapport.html."
)


class ReportError(AncrageError):
    """The report cannot be written as asked."""


def _import_weasyprint() -> Any:
    """The weasyprint module (it loads Pango when imported)."""
    with warnings.catch_warnings():
        # WeasyPrint ≥ 66 announces on import that it will need Debian's libharfbuzz-subset0
        # some day; the PDF is the same without it (fonts are embedded whole).
        warnings.filterwarnings(
            "ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning
        )
        import weasyprint  # type: ignore[import-untyped]

    return weasyprint


def weasyprint_available() -> bool:
    """WeasyPrint imports (Pango is installed)."""
    try:
        _import_weasyprint()
    except (ImportError, OSError):
        return False
    return True


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(binary: str) -> list[str]:
    """Flags for a headless, offline, sandbox-free run (containers run as root)."""
    return [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-extensions",
        "--no-first-run",
    ]


def _weasyprint(html: str, target: Path) -> None:
    _import_weasyprint().HTML(string=html).write_pdf(target)


def _chromium(html: str, target: Path, binary: str) -> None:
    with tempfile.TemporaryDirectory(prefix="ancrage-report-") as tmp:
        page = Path(tmp) / "rapport.html"
        page.write_text(html, encoding="utf-8")
        cmd = [
            *chromium_command(binary),
            f"--user-data-dir={tmp}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or not target.is_file():
        raise ReportError(
            f"Chromium n'a pas pu imprimer le PDF (code de sortie {done.returncode})",
            file=target,
            hint="Relancez avec --out rapport.html et imprimez-le depuis un navigateur.",
        )


def write_pdf(html: str, target: Path, *, engine: Engine = "auto") -> str:
    """Render ``html`` to ``target``; returns the engine used."""
    if engine in ("auto", "weasyprint") and weasyprint_available():
        _weasyprint(html, target)
        return "weasyprint"
    binary = chromium_path() if engine in ("auto", "chromium") else None
    if binary is not None:
        _chromium(html, target, binary)
        return "chromium"
    wanted = "WeasyPrint (avec Pango) n'est pas disponible"
    if engine == "auto":
        wanted = "ni WeasyPrint ni Chromium ne sont disponibles"
    elif engine == "chromium":
        wanted = "Chromium n'est pas disponible"
    raise ReportError(f"impossible de produire le PDF : {wanted}", hint=PANGO_HINT)

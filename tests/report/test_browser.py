"""Headless Chromium opens the HTML report: the charts and maps are in the rendered DOM."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ancrage.report import write_report
from ancrage.report.pdf import chromium_command, chromium_path


@pytest.fixture(scope="module")
def chromium() -> str:
    found = chromium_path()
    if found is None:
        pytest.skip("browser test skipped: no chromium on PATH (Debian: apt-get install chromium)")
    return found


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_rendered_dom_has_charts_and_maps(chromium, report_74, tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    write_report(report_74, page)
    done = _run(
        [
            *chromium_command(chromium),
            f"--user-data-dir={tmp_path / 'p'}",
            "--dump-dom",
            page.as_uri(),
        ]
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert dom.count("<svg") >= 7
    assert 'class="map map-dep"' in dom
    assert 'class="map map-communes"' in dom
    assert dom.count('class="tile"') == 101


def test_screenshot(chromium, report_74, tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    write_report(report_74, page)
    shot = tmp_path / "shot.png"
    done = _run(
        [
            *chromium_command(chromium),
            f"--user-data-dir={tmp_path / 'p'}",
            "--hide-scrollbars",
            "--window-size=900,3000",
            f"--screenshot={shot}",
            page.as_uri(),
        ]
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page of this size is a few kB

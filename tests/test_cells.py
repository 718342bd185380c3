"""Formula-like text is neutralised in every cell the product writes to CSV or XLSX."""

from __future__ import annotations

import datetime as dt

import pytest

from ancrage.cells import safe_cell, safe_row


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("=HYPERLINK(\"http://x\",\"clic\")", "'=HYPERLINK(\"http://x\",\"clic\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Menuiserie = bois", "Menuiserie = bois"),
        ("", ""),
        ("Société Nouvelle BRUNORI", "Société Nouvelle BRUNORI"),
    ],
)
def test_text_cells(raw: str, written: str) -> None:
    assert safe_cell(raw) == written


@pytest.mark.parametrize("value", [None, -12, -3.5, 0, True, dt.date(2026, 8, 21)])
def test_non_text_cells_unchanged(value: object) -> None:
    assert safe_cell(value) is value


def test_row() -> None:
    assert safe_row(["=1", 2, None, "a"]) == ["'=1", 2, None, "a"]


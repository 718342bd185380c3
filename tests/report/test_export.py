"""The export for a French user: French headers and codes, shares as percentages, names beside
ids, a table of contents, no silent empty sheet, formula-like text neutralised."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
from typer.testing import CliRunner

from ancrage.cli.app import app
from ancrage.report.export import HEADERS, sheets, write_csv


def _export(home: Path, fmt: str, out: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "export",
            "--territory",
            "dep:74",
            "--format",
            fmt,
            "--out",
            str(out),
            "--home",
            str(home),
        ],
    )
    assert res.exit_code == 0, res.output


def test_xlsx_in_french(enriched_home, tmp_path: Path) -> None:
    _export(enriched_home.home, "xlsx", tmp_path)
    book = openpyxl.load_workbook(tmp_path / "diagnostic.xlsx")
    toc = book["Sommaire"]
    assert toc["A1"].value == "Diagnostic de la commande publique — tableaux"
    listed = [toc.cell(r, 1).value for r in range(5, toc.max_row + 1)]
    assert listed == book.sheetnames[1:]
    for name in book.sheetnames[1:]:
        assert len(name) <= 31
        ws = book[name]
        title = ws["A1"].value
        # the sheet name is made of whole words of the title, never a word cut
        words = set(re.split(r"[\s\[\]:*?/\\',]+", title)) | {"réf.", "tranche", "segment"}
        assert set(name[3:].split()) <= words, (name, title)
        if ws.max_row <= 3:  # empty: a sentence says why
            assert ws["A2"].value.startswith("Aucune ligne : ")
    rings = next(
        book[n]
        for n in book.sheetnames
        if book[n]["A1"].value == "Localisation des titulaires par cercle"
    )
    headers = [c.value for c in rings[5]]
    assert headers[:3] == ["cercle", "lignes contrat × titulaire", "montant (€ HT)"]
    assert "même département" in [rings.cell(r, 1).value for r in range(6, rings.max_row + 1)]
    share_col = headers.index("part du montant") + 1
    assert rings.cell(6, share_col).number_format == "0.0%"
    by_buyer = next(
        book[n]
        for n in book.sheetnames
        if book[n]["A1"].value == "Volume de la commande publique, par acheteur"
    )
    assert [c.value for c in by_buyer[5]][:2] == [
        "acheteur (SIRET ou identifiant)",
        "acheteur (nom)",
    ]
    assert all(by_buyer.cell(r, 2).value for r in range(6, by_buyer.max_row + 1))


def test_every_column_has_a_french_header(enriched_home) -> None:
    from ancrage.diagnose import build_scope, indicator_tables

    tables = indicator_tables(enriched_home, build_scope(territory="dep:74"), reference="france")
    columns = {c for rows in tables.values() for r in rows for c in r}
    assert columns - set(HEADERS) == set()


def test_csv_for_a_french_spreadsheet_and_no_formula(tmp_path: Path) -> None:
    tables = {
        "volume__by_buyer": [
            {"buyer": '=HYPERLINK("x")', "contracts": 2, "amount_eur": 1234.5},
        ],
        "locality_rings": [{"ring": "departement", "share_amount": 0.4812}],
        "concessions__by_buyer": [],
    }
    items = sheets(tables, {'=HYPERLINK("x")': "@SUM(A1)"})
    write_csv(items, tmp_path, fictitious=True)
    text = (tmp_path / "volume__by_buyer.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines() == [
        "acheteur (SIRET ou identifiant);acheteur (nom);contrats;montant (€ HT)",
        '"\'=HYPERLINK(""x"")";\'@SUM(A1);2;1234,50',
    ]
    rings = (tmp_path / "locality_rings.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rings == ["cercle;part du montant (%)", "même département;48,1"]
    empty = (tmp_path / "concessions__by_buyer.csv").read_text(encoding="utf-8-sig")
    assert empty.strip() == "Aucune ligne : aucun contrat de concession dans ce périmètre."
    toc = (tmp_path / "sommaire.csv").read_text(encoding="utf-8-sig")
    assert toc.startswith("DONNÉES FICTIVES")


def test_names_with_lost_accents_are_exported_repaired(tmp_path: Path, shared_data: Path) -> None:
    """The CSV and XLSX files carry the name users read on the pages, not « Communaut� »."""
    from ancrage.ingest.pipeline import load_paths
    from ancrage.settings import Settings

    home = tmp_path / "home"
    sample = shared_data / "decp" / "v1_2019" / "data.gouv.fr_aife.json"
    assert not load_paths(Settings.resolve(home), [sample]).errors
    cacem = "24972006100103"  # published « Communaut� d'Agglom�ration Centre Martinique CACEM »
    for fmt in ("csv", "xlsx"):
        res = CliRunner().invoke(
            app,
            ["export", "--buyers", cacem, "--format", fmt, "--out", str(tmp_path / fmt),
             "--home", str(home)],
        )
        assert res.exit_code == 0, res.output
    rows = (tmp_path / "csv" / "volume__by_buyer.csv").read_text(encoding="utf-8-sig")
    assert f"{cacem};Communauté d'Agglomération Centre Martinique CACEM;" in rows
    assert "\ufffd" not in rows
    book = openpyxl.load_workbook(tmp_path / "xlsx" / "diagnostic.xlsx")
    cells = [
        str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
    ]
    assert "Communauté d'Agglomération Centre Martinique CACEM" in cells
    assert not any("\ufffd" in c for c in cells)

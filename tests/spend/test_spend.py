"""Loading a buyer's accounting export: hand-made realistic fixtures, counts, errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import Workbook

from ancrage.errors import AncrageError
from ancrage.settings import Settings
from ancrage.spend.columns import parse_map
from ancrage.spend.pipeline import load_spend
from ancrage.spend.status import spend_status

FIXTURES = Path(__file__).parent / "fixtures"
HELIOS = FIXTURES / "mandats_2024_helios.csv"
BUYER = "21860194600013"
TODAY = dt.date(2026, 11, 1)


def rows(settings: Settings, table: str = "spend") -> list[dict[str, Any]]:
    path = settings.warehouse_dir / "enriched" / f"{table}.parquet"
    cur = duckdb.connect().execute(f"SELECT * FROM '{path}' ORDER BY source_line")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.resolve(tmp_path / "home")


def test_helios_csv_cp1252(settings: Settings) -> None:
    report = load_spend(settings, HELIOS, BUYER, today=TODAY)
    assert report.detected_format == "csv (windows-1252, séparateur ;)"
    assert report.header_line == 2  # a title line comes first
    assert report.amount_kind == "TTC"
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (9, 6, 3, 0)
    assert report.repaired == 2
    assert report.amount_eur == pytest.approx(1234.56 + 12345.67 - 150 + 38900 + 450 + 5000)
    by_line = {r["source_line"]: r for r in rows(settings)}
    bread = by_line[3]
    assert bread["supplier_siret"] == "43851029000010"
    assert bread["supplier_siren"] == "438510290"
    assert bread["supplier_name"] == "BOULANGERIE DU MARCHÉ"
    assert bread["account"] == "60623"
    assert (bread["purchase_type"], bread["segment_id"]) == (
        "fournitures",
        "alimentation-restauration",
    )
    assert bread["date"] == dt.date(2024, 1, 15)
    assert bread["reference"] == "101"
    assert bread["spend_id"] == f"{report_prefix(HELIOS)}-3"
    assert by_line[4]["amount_eur"] == 12345.67
    assert by_line[5]["amount_eur"] == -150.0  # credit note
    assert by_line[5]["nature"] == "Réparation; pneus"
    assert by_line[5]["segment_id"] == "vehicules"
    works = by_line[6]
    assert (works["purchase_type"], works["segment_id"]) == ("travaux", "travaux-batiment")
    assert works["supplier_siret"] is None and works["supplier_name"] == "SARL PEINTURE & CO"
    assert by_line[8]["date"] is None and by_line[8]["year"] == 2024  # 31/02 dropped, exercice kept
    assert by_line[9]["in_scope"] is False  # a subsidy is not a purchase
    quarantine = {
        r["source_line"]: (r["field"], r["raw_value"], r["reason"])
        for r in rows(settings, "spend_quarantine")
    }
    assert quarantine == {
        7: ("supplier", None, "fournisseur absent (ni SIRET ou SIREN valide, ni nom)"),
        10: ("amount", "à payer", "montant illisible"),
        11: ("supplier", None, "fournisseur absent (ni SIRET ou SIREN valide, ni nom)"),
    }
    repairs = {(r["source_line"], r["field"], r["rule"]) for r in rows(settings, "spend_repairs")}
    assert repairs == {
        (3, "supplier_siret", "siret_separators_removed"),
        (8, "date", "date_invalid_dropped"),
    }


def report_prefix(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def test_reload_changes_nothing(settings: Settings) -> None:
    load_spend(settings, HELIOS, BUYER, today=TODAY)
    before = rows(settings)
    again = load_spend(settings, HELIOS, BUYER, today=TODAY)
    assert again.already_loaded
    assert (again.read, again.loaded, again.quarantined, again.duplicates) == (9, 0, 3, 6)
    assert rows(settings) == before


def make_xlsx(path: Path, lines: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Mandats"
    sheet.append(
        [
            "Siret fournisseur",
            "Raison sociale",
            "Date de mandatement",
            "Compte",
            "Nature",
            "Montant HT",
        ]
    )
    for line in lines:
        sheet.append(line)
    book.save(path)
    return path


XLSX_LINES: list[list[Any]] = [
    ["32610037800024", "ÉLEC POITOU", dt.datetime(2024, 3, 1), 60612, "Électricité", 1000.5],
    [552100554, "GRANDE ENTREPRISE", 45366, "2183", "Ordinateurs", 2400],  # SIREN, serial date
    [None, "TRAITEUR LOCAL", "12/03/2024", "6257", "Réception", "1 200,00"],
]


def test_xlsx_and_overlapping_export(settings: Settings, tmp_path: Path) -> None:
    first = make_xlsx(tmp_path / "mars.xlsx", XLSX_LINES)
    report = load_spend(settings, first, BUYER, today=TODAY)
    assert report.detected_format == "xlsx (feuille Mandats)"
    assert report.amount_kind == "HT"
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (3, 3, 0, 0)
    got = {r["source_line"]: r for r in rows(settings)}
    assert got[2]["date"] == dt.date(2024, 3, 1) and got[2]["segment_id"] == "energie"
    assert got[3]["supplier_siret"] is None and got[3]["supplier_siren"] == "552100554"
    assert got[3]["date"] == dt.date(2024, 3, 15)  # Excel serial 45366
    assert got[3]["segment_id"] == "informatique-telecoms"
    assert got[4]["amount_eur"] == 1200.0
    # a wider export of the same period: the three lines already loaded are duplicates
    wider = make_xlsx(
        tmp_path / "t1.xlsx",
        [*XLSX_LINES, ["54205103100038", "GARAGE", dt.date(2024, 3, 20), "61551", "Pneus", 300]],
    )
    second = load_spend(settings, wider, BUYER, today=TODAY)
    assert (second.read, second.loaded, second.quarantined, second.duplicates) == (4, 1, 0, 3)
    assert len(rows(settings)) == 4


def test_no_amount_column(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("SIRET;Tiers;Date;Valeur\n32610037800024;ELEC;01/02/2024;12,00\n", "utf-8")
    with pytest.raises(AncrageError) as info:
        load_spend(settings, path, BUYER)
    assert info.value.one_line() == (
        f"{path}: aucune colonne de montant trouvée (colonnes vues : SIRET, Tiers, Date, Valeur). "
        'Indiquez-la avec --map, par exemple : --map amount_ttc="NOM DE LA COLONNE" '
        "(ou amount_ht=…, ou amount=… si le fichier ne dit pas HT ou TTC)."
    )
    report = load_spend(settings, path, BUYER, mapping=parse_map(["amount=Valeur"]), today=TODAY)
    assert (report.loaded, report.amount_kind) == (1, None)


def test_explicit_map_comma_csv_utf8(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Fourn.,Code,Quand,Somme,Cpte\n"
        'ACME,32610037800024,2024-05-02,"1 500,00",6156\n'
        'ACME,32610037800024,2024-05-03,"-20,5",6156\n',
        "utf-8",
    )
    mapping = parse_map(
        ["supplier_name=Fourn.,supplier_siret=Code", "date=Quand,amount_ht=Somme,account=Cpte"]
    )
    report = load_spend(settings, path, BUYER, mapping=mapping, today=TODAY)
    assert report.detected_format == "csv (utf-8, séparateur ,)"
    assert (report.loaded, report.amount_kind, report.amount_eur) == (2, "HT", 1479.5)
    assert [r["purchase_type"] for r in rows(settings)] == ["services", "services"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("amount", "option --map illisible : 'amount'"),
        ("montant=X", "champ inconnu dans --map : 'montant'"),
        (
            "amount=A,amount_ht=B",
            "une seule colonne de montant dans --map (amount, amount_ht ou amount_ttc)",
        ),
    ],
)
def test_bad_map(option: str, message: str) -> None:
    with pytest.raises(AncrageError) as info:
        parse_map([option])
    assert info.value.message == message


def test_bad_buyer_and_xls(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(AncrageError) as info:
        load_spend(settings, HELIOS, "12345678901234")
    assert info.value.one_line() == (
        "SIRET d'acheteur invalide : '12345678901234'. Indiquez les 14 chiffres du SIRET de "
        "l'acheteur avec --buyer (clé de contrôle vérifiée)."
    )
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(AncrageError) as info:
        load_spend(settings, old, BUYER)
    assert info.value.one_line() == (
        f"{old}: ancien format Excel (.xls) non pris en charge. Enregistrez le fichier au format "
        ".xlsx ou CSV, puis relancez."
    )
    assert not (settings.warehouse_dir / "spend" / "parts").exists()


def test_status(settings: Settings) -> None:
    assert spend_status(settings) is None
    load_spend(settings, HELIOS, BUYER, today=TODAY)
    status = spend_status(settings)
    assert status is not None
    assert status["totals"]["files"] == 1 and status["totals"]["lines"] == 6
    assert status["totals"]["quarantined"] == 3
    assert status["by_buyer_year"][0]["purchase_lines"] == 5


def test_cli(tmp_path: Path) -> None:
    env = {**os.environ, "ANCRAGE_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    bad = tmp_path / "x.csv"
    bad.write_text("Tiers;Date\nA;01/01/2024\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ancrage", "load-spend", str(bad), "--buyer", BUYER],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "aucune colonne de montant trouvée (colonnes vues : Tiers, Date)" in done.stderr
    ok = subprocess.run(
        [sys.executable, "-m", "ancrage", "load-spend", str(HELIOS), "--buyer", BUYER,
         "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert '"loaded": 6' in ok.stdout

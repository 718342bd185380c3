"""SIRENE stock on the mirror: only the columns Ancrage reads travel (HTTP ranges); resume."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ancrage.enrich.facts import find_stock
from ancrage.fetch.sirene import STOCK_FILES
from ancrage.settings import Settings
from ancrage.sirene.stock import ESTABLISHMENT_COLUMNS, LEGAL_UNIT_COLUMNS, lookup_stock
from tests.fetch.mirror import Mirror
from tests.fetch.replay import Fault, Replay

ROWS = 2_000
GROUP = 250  # 8 row groups per file


def establishments(rows: int = ROWS) -> pa.Table:
    return _ESTABLISHMENTS.slice(0, rows)


def _establishments(rows: int = ROWS) -> pa.Table:
    """Fictitious establishments with the official column names, plus columns never read."""
    sirets = [f"{900000000 + i:09d}{i % 97:05d}" for i in range(rows)]
    return pa.table(
        {
            "siren": [s[:9] for s in sirets],
            "siret": sirets,
            # a wide column Ancrage never reads (random: incompressible, like real text)
            "enseigne1Etablissement": [os.urandom(100).hex() for _ in range(rows)],
            "codeCommuneEtablissement": ["86194" if i % 2 else "59350" for i in range(rows)],
            "codePostalEtablissement": ["86000" if i % 2 else "59000" for i in range(rows)],
            "activitePrincipaleEtablissement": ["43.32A"] * rows,
            "etablissementSiege": [i % 3 == 0 for i in range(rows)],
            "etatAdministratifEtablissement": ["A"] * rows,
            "activitePrincipaleRegistreMetiersEtablissement": [
                "4332AB" if i % 5 == 0 else None for i in range(rows)
            ],
            "codePaysEtrangerEtablissement": [None] * rows,
        }
    )


def legal_units(rows: int = ROWS) -> pa.Table:
    return _LEGAL_UNITS.slice(0, rows)


def _legal_units(rows: int = ROWS) -> pa.Table:
    return pa.table(
        {
            "siren": [f"{900000000 + i:09d}" for i in range(rows)],
            # personal names: never copied (random text, incompressible like real names)
            "prenom1UniteLegale": [os.urandom(50).hex() for _ in range(rows)],
            "nomUniteLegale": [os.urandom(50).hex() for _ in range(rows)],
            "denominationUniteLegale": [f"SOCIETE FICTIVE {i}" for i in range(rows)],
            "categorieJuridiqueUniteLegale": ["5499"] * rows,
            "categorieEntreprise": ["PME"] * rows,
            "anneeCategorieEntreprise": ["2023"] * rows,
            "trancheEffectifsUniteLegale": ["02"] * rows,
            "anneeEffectifsUniteLegale": ["2023"] * rows,
            "economieSocialeSolidaireUniteLegale": ["N"] * rows,
        }
    )


_ESTABLISHMENTS = _establishments()
_LEGAL_UNITS = _legal_units()


def parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, row_group_size=GROUP)
    return buf.getvalue()


@pytest.fixture
def stock() -> dict[str, bytes]:
    return {
        "StockEtablissement_utf8": parquet(establishments()),
        "StockUniteLegale_utf8": parquet(legal_units()),
    }


def static(name: str) -> str:
    return f"/static/resources/{STOCK_FILES[name]}/{name}.parquet"


def test_only_the_columns_ancrage_reads_travel(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, stock: dict[str, bytes]
) -> None:
    mirror.sirene(stock)
    [report] = run_fetch(["sirene"])
    assert report.error is None
    assert [(f.path.name, f.status) for f in report.files] == [
        ("StockEtablissement_utf8.parquet", "new"),
        ("StockUniteLegale_utf8.parquet", "new"),
    ]
    et = pq.read_table(report.files[0].path)
    ul = pq.read_table(report.files[1].path)
    assert et.column_names == list(ESTABLISHMENT_COLUMNS)
    assert ul.column_names == list(LEGAL_UNIT_COLUMNS)
    assert et.equals(establishments().select(list(ESTABLISHMENT_COLUMNS)))
    assert ul.equals(legal_units().select(list(LEGAL_UNIT_COLUMNS)))
    requests = replay.requests_to(static("StockUniteLegale_utf8"))
    assert requests and all("range" in r.headers for r in requests)
    sent = sum(r.sent for r in requests)
    assert sent < len(stock["StockUniteLegale_utf8"]) / 2  # the name columns did not travel
    found = lookup_stock(["90000000100001"], find_stock(report.files[0].path.parent))
    assert found["denomination"].to_pylist() == ["SOCIETE FICTIVE 1"]
    assert not any(p.name.startswith(".") for p in report.files[0].path.parent.iterdir())
    [again] = run_fetch(["sirene"])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert len(replay.requests_to(static("StockUniteLegale_utf8"))) == len(requests)


def test_an_interrupted_projection_resumes_at_the_first_missing_row_group(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, stock: dict[str, bytes]
) -> None:
    mirror.sirene(stock)
    path = static("StockEtablissement_utf8")
    replay.fault(path, *[Fault()] * 5, *[Fault(status=503)] * 4)
    [failed] = run_fetch(["sirene"])
    assert failed.error is not None
    assert "a encore répondu HTTP 503 après 4 tentatives" in failed.error.one_line()
    folder = home.home / "downloads" / "sirene"
    [parts] = list(folder.glob(".StockEtablissement_utf8.*.parts"))
    kept = sorted(p.name for p in parts.glob("rg-*.parquet"))
    assert 0 < len(kept) < ROWS // GROUP
    assert not (folder / "StockEtablissement_utf8.parquet").exists()
    before = len(replay.requests_to(path))
    [resumed] = run_fetch(["sirene"])
    assert resumed.error is None
    got = pq.read_table(folder / "StockEtablissement_utf8.parquet")
    assert got.equals(establishments().select(list(ESTABLISHMENT_COLUMNS)))
    # the resumed run read nothing of the row groups already kept
    meta = pq.ParquetFile(io.BytesIO(stock["StockEtablissement_utf8"])).metadata
    kept_spans = []
    for i in range(len(kept)):
        chunks = [meta.row_group(i).column(c) for c in range(meta.num_columns)]
        start = min(c.dictionary_page_offset or c.data_page_offset for c in chunks)
        end = max((c.dictionary_page_offset or c.data_page_offset) + c.total_compressed_size
                  for c in chunks)  # fmt: skip
        kept_spans.append((start, end))
    for request in replay.requests_to(path)[before:]:
        first, last = (int(x) for x in request.headers["range"][6:].split("-"))
        assert all(last < start or first >= end for start, end in kept_spans), request.headers
    assert not parts.exists()


def test_a_server_without_ranges_gets_the_whole_file_projected_locally(
    mirror: Mirror, replay: Replay, home: Settings, run_fetch: Any, stock: dict[str, bytes]
) -> None:
    mirror.sirene(stock)
    replay.ranges = False
    [report] = run_fetch(["sirene"])
    assert report.error is None
    got = pq.read_table(report.files[0].path)
    assert got.column_names == list(ESTABLISHMENT_COLUMNS)
    folder = home.home / "downloads" / "sirene"
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == [
        "StockEtablissement_utf8.parquet",
        "StockUniteLegale_utf8.parquet",
    ]


def test_a_stock_without_a_needed_column_is_a_changed_format(
    mirror: Mirror, home: Settings, run_fetch: Any, stock: dict[str, bytes]
) -> None:
    changed = establishments().drop_columns(["codeCommuneEtablissement"])
    mirror.sirene({**stock, "StockEtablissement_utf8": parquet(changed)})
    [report] = run_fetch(["sirene"])
    assert report.error is not None
    url = f"{mirror.url}{static('StockEtablissement_utf8')}"
    assert report.error.one_line() == (
        f"{url}: le stock SIRENE n'a plus la colonne codeCommuneEtablissement. "
        "L'INSEE a changé le format du stock ; rien n'a été écrit. Signalez-le."
    )
    assert not (home.home / "downloads/sirene/StockEtablissement_utf8.parquet").exists()


def test_sirene_says_the_territory_does_not_restrict_it(
    mirror: Mirror, run_fetch: Any, stock: dict[str, bytes], tmp_path: Path
) -> None:
    from ancrage.geo.territory import parse_territory

    mirror.sirene(stock)
    [report] = run_fetch(["sirene"], territory=parse_territory("dep:86"))
    assert report.notes == [
        "SIRENE : le stock est national et mensuel ; --territory ne le restreint pas (les "
        "titulaires d'un territoire viennent de toute la France)."
    ]

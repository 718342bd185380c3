"""Build the shipped COG files from the data folder of ``@etalab/decoupage-administratif``.

Used by ``scripts/build_geo.py`` (which fetches the package with ``npm pack``) and by the tests
(which rebuild from the shared copy and compare with the shipped files byte for byte).
The output is small, deterministic gzip CSV (``mtime=0``) so a rebuild leaves git clean.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

COMMUNE_FIELDS = (
    "code",
    "nom",
    "type",
    "commune",
    "departement",
    "region",
    "arrondissement",
    "epci",
    "siren",
    "codes_postaux",
    "population",
    "zone",
)
EPCI_FIELDS = ("code", "nom", "type", "mode_financement", "population", "membres")
OLD_CODE_FIELDS = ("ancien_code", "code")
DEPARTEMENT_FIELDS = ("code", "nom", "region", "chef_lieu", "zone")
REGION_FIELDS = ("code", "nom", "chef_lieu", "zone")
ARRONDISSEMENT_FIELDS = ("code", "nom", "departement", "region", "chef_lieu")

OUTPUT_FILES = (
    "communes.csv.gz",
    "anciens_codes.csv.gz",
    "epci.csv.gz",
    "departements.csv",
    "regions.csv",
    "arrondissements.csv",
)


def _load(data_dir: Path, name: str) -> list[dict[str, Any]]:
    with (data_dir / name).open("rb") as fh:
        rows: list[dict[str, Any]] = json.load(fh)
    return rows


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _csv_bytes(fields: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(fields)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _write(out_dir: Path, name: str, fields: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    data = _csv_bytes(fields, rows)
    if name.endswith(".gz"):
        data = gzip.compress(data, compresslevel=9, mtime=0)
    (out_dir / name).write_bytes(data)


def build(data_dir: Path, out_dir: Path) -> dict[str, int]:
    """Write the shipped files from the package's ``data/`` folder; return row counts."""
    communes = _load(data_dir, "communes.json")
    epcis = _load(data_dir, "epci.json")
    departements = _load(data_dir, "departements.json")
    regions = _load(data_dir, "regions.json")
    arrondissements = _load(data_dir, "arrondissements.json")

    epci_of: dict[str, str] = {}
    for epci in epcis:
        for member in epci["membres"]:
            epci_of[member["code"]] = epci["code"]

    commune_rows: list[list[str]] = []
    old_rows: list[list[str]] = []
    for c in sorted(communes, key=lambda x: (x["code"], x["type"])):
        current = c["type"] == "commune-actuelle"
        parent = c.get("commune") or c.get("chefLieu") or ""
        commune_rows.append(
            [
                c["code"],
                c["nom"],
                c["type"],
                "" if current else parent,
                c["departement"],
                c["region"],
                _text(c.get("arrondissement")),
                epci_of.get(c["code"], "") if current else "",
                _text(c.get("siren")),
                " ".join(c.get("codesPostaux", [])),
                _text(c.get("population")),
                c["zone"],
            ]
        )
        if current:
            old_rows.extend([old, c["code"]] for old in c.get("anciensCodes", []))

    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir, "communes.csv.gz", COMMUNE_FIELDS, commune_rows)
    _write(out_dir, "anciens_codes.csv.gz", OLD_CODE_FIELDS, sorted(old_rows))
    _write(
        out_dir,
        "epci.csv.gz",
        EPCI_FIELDS,
        (
            [
                e["code"],
                e["nom"],
                e["type"],
                _text(e.get("modeFinancement")),
                _text(e.get("populationMunicipale")),
                " ".join(sorted(m["code"] for m in e["membres"])),
            ]
            for e in sorted(epcis, key=lambda x: x["code"])
        ),
    )
    _write(
        out_dir,
        "departements.csv",
        DEPARTEMENT_FIELDS,
        ([d["code"], d["nom"], d["region"], d["chefLieu"], d["zone"]] for d in departements),
    )
    _write(
        out_dir,
        "regions.csv",
        REGION_FIELDS,
        ([r["code"], r["nom"], r["chefLieu"], r["zone"]] for r in regions),
    )
    _write(
        out_dir,
        "arrondissements.csv",
        ARRONDISSEMENT_FIELDS,
        (
            [a["code"], a["nom"], a["departement"], a["region"], a["chefLieu"]]
            for a in arrondissements
        ),
    )
    return {
        "communes": len(commune_rows),
        "anciens_codes": len(old_rows),
        "epci": len(epcis),
        "departements": len(departements),
        "regions": len(regions),
        "arrondissements": len(arrondissements),
    }


CURRENT_POINTER = "current"  # file in <reference>/geo naming the installed version's folder


def installed_dir(reference_dir: Path) -> Path | None:
    """The folder of a COG refreshed into the data home (``ancrage fetch cog``), if any.

    ``<reference>/geo/current`` names a folder beside it holding the :data:`OUTPUT_FILES`;
    without it (or when it is incomplete) the shipped COG is used."""
    pointer = reference_dir / "geo" / CURRENT_POINTER
    if not pointer.is_file():
        return None
    folder = pointer.parent / pointer.read_text(encoding="utf-8").strip()
    if not all((folder / name).is_file() for name in OUTPUT_FILES):
        return None
    return folder

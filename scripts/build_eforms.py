"""Build the compact eForms tables shipped in ``src/ancrage/data/notices/eforms/``.

From the official eForms SDK (EU Publications Office, ``OP-TED/eForms-SDK`` on GitHub, licence
CC BY 4.0 — credit: « eForms SDK © Union européenne, Office des publications »):

* ``fields.json``: the XPath of every field and node the notice readers use
  (:data:`ancrage.notices.eforms_sdk.FIELDS_USED`), for each SDK release given (the newest in
  full, the others as their differences): :func:`ancrage.notices.eforms_sdk.compact_table`;
* ``codelists_fr.json``: the French label (``fra_label``) of each code of the code lists the
  reading sheet shows (:data:`ancrage.notices.labels.CODELISTS`), from the newest release;
* ``nuts_fr.csv``: each French NUTS 3 code with its département (INSEE code): the NUTS 2021
  codes of the SDK (``fra_label`` of ``nuts_nuts-fra-lvl3.gc`` matched to the COG shipped with
  Ancrage), and the NUTS 2013 codes older notices use (``FR824``: 4th département, by INSEE
  code, of the former région FR82 Provence-Alpes-Côte d'Azur), from :data:`REGIONS_2013`.

Releases are read from a clone of the SDK repository (``git show <tag>:<path>``), one tag per
SDK version the notices declare (``cbc:CustomizationID``)::

    git clone https://github.com/OP-TED/eForms-SDK.git /tmp/eForms-SDK
    python scripts/build_eforms.py --repo /tmp/eForms-SDK 1.7.2 1.8.2 1.9.1 1.10.5 1.15.1

or from unpacked release folders (``--dir DIR`` instead of ``--repo``: ``DIR/<tag>/fields/
fields.json`` and ``DIR/<tag>/codelists/*.gc``).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from ancrage.notices.eforms_sdk import compact_table
from ancrage.notices.labels import CODELISTS, codelist_labels, nuts_departements

OUTPUT = Path(__file__).resolve().parents[1] / "src" / "ancrage" / "data" / "notices" / "eforms"
NUTS_LIST = "nuts_nuts-fra-lvl3"
#: the former régions (NUTS 2 of 2013) and their départements; a NUTS 3 code of 2013 is the
#: région's code and the rank of the département (by INSEE code) in it: FR824 = 13
REGIONS_2013 = {
    "FR21": ("08", "10", "51", "52"),
    "FR22": ("02", "60", "80"),
    "FR23": ("27", "76"),
    "FR24": ("18", "28", "36", "37", "41", "45"),
    "FR25": ("14", "50", "61"),
    "FR26": ("21", "58", "71", "89"),
    "FR30": ("59", "62"),
    "FR41": ("54", "55", "57", "88"),
    "FR42": ("67", "68"),
    "FR43": ("25", "39", "70", "90"),
    "FR51": ("44", "49", "53", "72", "85"),
    "FR52": ("22", "29", "35", "56"),
    "FR53": ("16", "17", "79", "86"),
    "FR61": ("24", "33", "40", "47", "64"),
    "FR62": ("09", "12", "31", "32", "46", "65", "81", "82"),
    "FR63": ("19", "23", "87"),
    "FR71": ("01", "07", "26", "38", "42", "69", "73", "74"),
    "FR72": ("03", "15", "43", "63"),
    "FR81": ("11", "30", "34", "48", "66"),
    "FR82": ("04", "05", "06", "13", "83", "84"),
    "FR83": ("2A", "2B"),
    "FR91": ("971",),
    "FR92": ("972",),
    "FR93": ("973",),
    "FR94": ("974",),
}


def nuts_2013() -> list[tuple[str, str, str]]:
    """``(NUTS 3 code of 2013, département, label)``: the départements of each former région
    in INSEE order (FR910 for a région of one département)."""
    from ancrage.geo import default_geography

    names = default_geography().departements
    out = []
    for region, deps in REGIONS_2013.items():
        for rank, dep in enumerate(deps, start=1):
            code = f"{region}0" if len(deps) == 1 else f"{region}{rank}"
            out.append((code, dep, f"{names[dep].nom} (NUTS 2013)"))
    return out


class Releases:
    """The files of SDK releases, from a git clone (tags) or from unpacked folders."""

    def __init__(self, repo: Path | None, folder: Path | None) -> None:
        self.repo, self.folder = repo, folder

    def read(self, tag: str, path: str) -> bytes:
        if self.folder is not None:
            return (self.folder / tag / path).read_bytes()
        assert self.repo is not None
        return subprocess.run(
            ["git", "-C", str(self.repo), "show", f"{tag}:{path}"],
            check=True,
            capture_output=True,
        ).stdout


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def build(releases: Releases, tags: list[str], output: Path) -> None:
    newest = tags[-1]
    table = compact_table({tag: releases.read(tag, "fields/fields.json") for tag in tags})
    lists = {
        name: codelist_labels(releases.read(newest, f"codelists/{name}.gc")) for name in CODELISTS
    }
    nuts = nuts_departements(releases.read(newest, f"codelists/{NUTS_LIST}.gc")) + nuts_2013()
    output.mkdir(parents=True, exist_ok=True)
    (output / "fields.json").write_text(_dump(table), encoding="utf-8")
    codelists = {"source": f"OP-TED/eForms-SDK {newest}, codelists/*.gc (fra_label)"}
    (output / "codelists_fr.json").write_text(
        _dump({**codelists, "licence": table["licence"], "lists": lists}), encoding="utf-8"
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["nuts", "departement", "label"])
    writer.writerows(sorted(nuts))
    (output / "nuts_fr.csv").write_text(buffer.getvalue(), encoding="utf-8")
    print(f"{output}: SDK {', '.join(tags)}; {len(lists)} code lists; {len(nuts)} NUTS 3 codes")
    if len({code for code, _, _ in nuts}) != len(nuts):
        sys.exit("build_eforms: a NUTS code of 2013 is also a code of 2021")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--repo", type=Path, help="a clone of OP-TED/eForms-SDK (with its tags)")
    source.add_argument("--dir", type=Path, help="a folder of unpacked releases, one per tag")
    parser.add_argument("tags", nargs="+", help="SDK releases, oldest first (e.g. 1.7.2 … 1.15.1)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    try:
        build(Releases(args.repo, args.dir), args.tags, args.output)
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError) as exc:
        sys.exit(f"build_eforms: {exc}")


if __name__ == "__main__":
    main()

"""Build the compact eForms tables shipped in ``src/ancrage/data/notices/eforms/``.

From the official eForms SDK (EU Publications Office, ``OP-TED/eForms-SDK`` on GitHub, licence
CC BY 4.0 — credit: « eForms SDK © Union européenne, Office des publications »):

* ``fields.json``: the XPath of every field and node the notice readers use
  (:data:`ancrage.notices.eforms_sdk.FIELDS_USED`), for each SDK release given (the newest in
  full, the others as their differences): :func:`ancrage.notices.eforms_sdk.compact_table`;
* ``codelists_fr.json``: the French label (``fra_label``) of each code of the code lists the
  reading sheet shows (:data:`ancrage.notices.labels.CODELISTS`), from the newest release;
* ``nuts_fr.csv``: each French NUTS 3 code with its département (INSEE code), the NUTS label
  (``fra_label`` of ``nuts_nuts-fra-lvl3.gc``) matched to the COG shipped with Ancrage.

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
    nuts = nuts_departements(releases.read(newest, f"codelists/{NUTS_LIST}.gc"))
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

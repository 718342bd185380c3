"""Purchase segments: families of purchases a local authority recognises, from the CPV code.

``data/reference/segments.csv`` lists the segments (stable slug id, French label, description);
``data/reference/segment_rules.csv`` maps CPV prefixes (division, group, class…) to a segment.
A code takes the segment of its longest matching prefix; every CPV division has a rule, so every
code of the vocabulary has exactly one segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from ancrage.errors import InputFileError
from ancrage.reference._common import packaged, read_csv
from ancrage.reference.cpv import normalise_cpv

SEGMENTS_FILE = "segments.csv"
RULES_FILE = "segment_rules.csv"
_PREFIX = re.compile(r"^\d{2,8}$")


@dataclass(frozen=True)
class Segment:
    id: str  # stable slug, e.g. "travaux-batiment"
    label: str  # French label
    description: str


@dataclass(frozen=True)
class SegmentRule:
    cpv_prefix: str
    segment_id: str
    note: str


@cache
def segments() -> dict[str, Segment]:
    """All segments by id, in file order."""
    path = packaged(SEGMENTS_FILE)
    out: dict[str, Segment] = {}
    for line, row in read_csv(path, ("segment_id", "label", "description")):
        if row["segment_id"] in out:
            raise InputFileError(
                f"segment « {row['segment_id']} » en double", file=path, record=f"ligne {line}"
            )
        out[row["segment_id"]] = Segment(row["segment_id"], row["label"], row["description"])
    return out


@cache
def segment_rules() -> dict[str, SegmentRule]:
    """Rules by CPV prefix."""
    path = packaged(RULES_FILE)
    known = segments()
    out: dict[str, SegmentRule] = {}
    for line, row in read_csv(path, ("cpv_prefix", "segment_id", "note")):
        prefix, segment_id = row["cpv_prefix"], row["segment_id"]
        if not _PREFIX.match(prefix) or prefix in out or segment_id not in known:
            raise InputFileError(
                "règle invalide (préfixe qui n'a pas 2 à 8 chiffres, préfixe en double ou segment "
                "inconnu)",
                file=path, record=f"ligne {line}", value=f"{prefix},{segment_id}",
            )
        out[prefix] = SegmentRule(prefix, segment_id, row["note"])
    return out


def rule_of(cpv: str) -> SegmentRule | None:
    """The longest-prefix rule matching a CPV code (any accepted spelling)."""
    code = normalise_cpv(cpv)
    rules = segment_rules()
    for size in range(8, 1, -1):
        rule = rules.get(code[:size])
        if rule is not None:
            return rule
    return None


def segment_of(cpv: str) -> Segment:
    """Segment of a CPV code; ``autres`` for a division without a rule (not in CPV 2008)."""
    rule = rule_of(cpv)
    return segments()[rule.segment_id if rule else "autres"]

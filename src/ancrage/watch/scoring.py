"""What matching scores, shared by the scalar definition (:mod:`ancrage.watch.matching`) and
its column-wise twin (:mod:`ancrage.watch.columns`): a notice or lot flattened for matching
(:class:`Target`, with the facts every candidate needs, :class:`TargetFacts`), a profile in the
shape matching needs (:class:`Compiled`), the weights and thresholds, and the weighted sum.

:func:`weighted_score` is the one place the six sub-scores are added up: on floats for one pair,
on numpy arrays for a batch, with the same operations in the same order, so both give the same
number bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from ancrage.geo.centroids import Point
from ancrage.geo.text import fold
from ancrage.watch.model import Profile

MIN_SCORE = 0.4
WEIGHTS = {"cpv": 0.35, "keywords": 0.2, "distance": 0.15, "value": 0.1, "cert": 0.1, "days": 0.1}
DEFAULT_SCALE_KM = 200.0  # distance at which the distance score reaches 0 without a radius
VALUE_SLACK = 3.0  # a value beyond ×/÷ 3 of the range is dropped

Score = TypeVar("Score", float, npt.NDArray[np.float64])


def weighted_score(
    cpv: Score, keywords: Score, distance: Score, value: Score, cert: Score, days: Score
) -> Score:
    """The score of a pair (floats) or of many pairs (arrays): the sub-scores weighed by
    :data:`WEIGHTS` and added up left to right."""
    total: Score = (
        WEIGHTS["cpv"] * cpv
        + WEIGHTS["keywords"] * keywords
        + WEIGHTS["distance"] * distance
        + WEIGHTS["value"] * value
        + WEIGHTS["cert"] * cert
        + WEIGHTS["days"] * days
    )
    return total


def cpv_digits(code: str) -> str:
    """Significant digits of an 8-digit CPV code (at least 2)."""
    head = code[:8].rstrip("0")
    return head if len(head) >= 2 else code[:2]


@dataclass(frozen=True, slots=True)
class Target:
    """A notice (not allotted) or one of its lots, flattened for matching."""

    notice_id: str
    lot_index: int | None
    lot_number: str | None
    title: str
    cpv: tuple[str, ...]  # 8-digit codes
    value: float | None
    deps: frozenset[str]
    point: Point | None
    place: str | None
    deadline: datetime | None
    purchase_type: str | None
    reserved: bool
    allotted: bool
    stems: frozenset[str]
    labels: tuple[str, ...]  # certifications the notice names
    green: tuple[str, ...]
    total: float | None = None  # the whole call's value, when a lot has none of its own
    site: frozenset[str] = frozenset()  # départements of the place of performance itself


@dataclass(slots=True)
class Compiled:
    """A profile in the shape matching needs."""

    profile: Profile
    cpv: tuple[str, ...]
    keywords: tuple[tuple[str, ...], ...]  # stems of each keyword
    keyword_text: tuple[str, ...]
    excluded: tuple[tuple[str, ...], ...]
    deps: frozenset[str] | None  # None: anywhere
    point: Point | None
    certifications: frozenset[str]
    own_deps: frozenset[str] = frozenset()  # the départements the profile names
    keyword_den: int = 1  # keyword hits that give the full keyword score (1 or 2)


@dataclass(frozen=True, slots=True)
class TargetFacts:
    """What every candidate of a target needs, computed once per target."""

    digits: tuple[str, ...]  # significant digits of its CPV codes
    labels: tuple[str, ...]  # certifications asked, folded
    days: int | None  # days left before the deadline

    @classmethod
    def of(cls, target: Target, now: datetime) -> TargetFacts:
        return cls(
            tuple(cpv_digits(code) for code in target.cpv),
            tuple(fold(label) for label in target.labels),
            (target.deadline - now).days if target.deadline is not None else None,
        )

"""The values a search filters on, as the store keeps them: départements as a bitmap, CPV codes
as text. Shared by the store, its migrations and the search (no project imports)."""

from __future__ import annotations

from collections.abc import Iterable

# Départements kept in the bitmap of ``notice_filter`` (63 bits per column, so values stay
# positive); a rarer code (or a typo) is only in ``notice_dep``, and ``OTHER_DEP`` is set.
DEP_CODES: tuple[str, ...] = (
    *(f"{i:02d}" for i in range(1, 96) if i != 20),
    "2A",
    "2B",
    *("971", "972", "973", "974", "975", "976", "977", "978"),
    *("984", "986", "987", "988", "989"),
)
DEP_BIT = {code: i for i, code in enumerate(DEP_CODES)}
OTHER_DEP = len(DEP_CODES)
_BITS = 63


def dep_mask(deps: Iterable[str]) -> tuple[int, int]:
    """``(deps_lo, deps_hi)``: the bitmap of some départements (unknown codes: ``OTHER_DEP``)."""
    mask = 0
    for dep in deps:
        mask |= 1 << DEP_BIT.get(dep, OTHER_DEP)
    return mask & ((1 << _BITS) - 1), mask >> _BITS


def cpv_text(codes: Iterable[str]) -> str:
    """The CPV codes as `` 45421000 45000000``: ``instr(cpvs, ' ' || prefix)`` finds a prefix."""
    return "".join(f" {c}" for c in sorted(codes))

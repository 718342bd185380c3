"""Column fast path: tell, for a whole column at once, which raw values a normaliser takes as
they are.

Most values of a column are already clean (an object without stray spaces, a contract id without
separators, an amount written as a number) and unique per record, so caching the normalisers of
:mod:`ancrage.ingest.values` does not help them: each still costs several Python calls. Here a
column of text is matched at once by compiled regular expressions (pyarrow compute); only the
values that may need a repair (the residue) go through the Python normalisers, which stay the
reference. A differential test holds both ways equal on every real sample, generated files and
hypothesis-generated values.

A value is classed clean only when the normaliser is sure to give it back unchanged without a
repair; anything doubtful goes to the residue (a residue that is clean after all costs time, never
a difference).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ancrage.ingest import values as V

# what a value of a column is, for the normaliser of that column
CLEAN = 0  # taken as is, no repair
UNREPAIRABLE = 1  # text taken as is with the repair ``text_unrepairable`` (it holds U+FFFD)
RESIDUE = 2  # anything else: through the Python normaliser

Kinds = npt.NDArray[np.int8]


# Every character but the space that Python's ``str.split()``, ``str.strip()`` and ``\\s`` take for
# whitespace (``str.isspace``: the Unicode White_Space characters and the information separators
# U+001C–U+001F), as the body of an RE2 class; a test holds it equal to ``str.isspace`` over every
# code point.
OTHER_SPACES = (
    r"\t-\r\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
    r"\x{205f}\x{3000}"
)


@cache
def _patterns() -> dict[str, str]:
    ws = " " + OTHER_SPACES
    markers = "|".join(re.escape(m) for m in V._MOJIBAKE_MARKERS)
    return {
        # what ``" ".join(s.split())`` changes (a space at an end, two spaces, any other
        # whitespace), or a mojibake marker (``ftfy`` may change the text)
        "unspaced": f"^ | $|  |[{OTHER_SPACES}]|{markers}",
        # no whitespace, no dot, a digit: what ``identifier`` leaves as it is (once stripped) and
        # cannot be a null token
        "compact": f"^[^{ws}.]*[0-9][^{ws}.]*$",
    }


def _strings(raws: list[Any]) -> tuple[pa.Array, npt.NDArray[np.bool_]] | None:
    """The column as an Arrow string array (values that are not text as nulls), and where the
    values that are not text and not None are; None when the column has no text at all, or text
    that is not Unicode Arrow can hold."""
    if set(map(type, raws)) <= _TEXT:
        texts, other = raws, np.zeros(len(raws), dtype=np.bool_)
    else:
        texts = [raw if type(raw) is str else None for raw in raws]
        other = np.fromiter(
            (raw is not None and type(raw) is not str for raw in raws),
            dtype=np.bool_,
            count=len(raws),
        )
    if texts.count(None) == len(texts):
        return None
    try:
        return pa.array(texts, type=pa.string()), other
    except UnicodeEncodeError:  # a lone surrogate (not UTF-8): the normaliser takes the column
        return None


def _mask(array: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _absent(arr: pa.Array, other: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    return _mask(arr.is_null()) & ~other


def text_kinds(raws: list[Any]) -> Kinds | None:
    """For :func:`values.text`: CLEAN, UNREPAIRABLE or RESIDUE for each value; None when the
    column has no text (nothing to gain).

    Text of at most ``_NULL_TOKEN_MAX_LEN`` characters (a label, maybe a null token) is left to
    the residue: such values repeat, the normaliser's cache answers them.
    """
    found = _strings(raws)
    if found is None:
        return None
    arr, other = found
    ok = pc.and_(
        pc.greater(pc.utf8_length(arr), V._NULL_TOKEN_MAX_LEN),
        pc.invert(pc.match_substring_regex(arr, _patterns()["unspaced"])),
    )
    ok_mask = _mask(ok)
    lost = _mask(pc.match_substring(arr, "\ufffd"))
    kinds = np.full(len(raws), RESIDUE, dtype=np.int8)
    kinds[ok_mask & ~lost] = CLEAN
    kinds[ok_mask & lost] = UNREPAIRABLE
    kinds[_absent(arr, other)] = CLEAN  # None stays None
    return kinds


def identifier_kinds(raws: list[Any]) -> Kinds | None:
    """For :func:`values.identifier`: CLEAN or RESIDUE for each value (None as
    :func:`text_kinds`)."""
    found = _strings(raws)
    if found is None:
        return None
    arr, other = found
    ok = _mask(pc.match_substring_regex(arr, _patterns()["compact"]))
    kinds = np.where(ok, CLEAN, RESIDUE).astype(np.int8)
    kinds[_absent(arr, other)] = CLEAN
    return kinds


def numbers(raws: list[Any]) -> list[float | None] | None:
    """For :func:`values.number`: the column when every value is a finite number or None (JSON
    numbers as read), else None (the normaliser then takes it value by value)."""
    if not set(map(type, raws)) <= _NUMERIC:
        return None
    try:
        out = [None if raw is None else float(raw) for raw in raws]
    except OverflowError:  # an integer beyond floats: the normaliser says what to do
        return None
    if not all(math.isfinite(value) for value in out if value is not None):
        return None
    return out


def integers(raws: list[Any]) -> list[int | None] | None:
    """For :func:`values.integer`: the column when every value is an int or None, else None."""
    if not set(map(type, raws)) <= _INTEGRAL:
        return None
    try:
        # as integer() does: through a float (a huge id-like number loses its last digits)
        return [None if raw is None else int(float(raw)) for raw in raws]
    except OverflowError:
        return None


_TEXT = frozenset({str, type(None)})
_NUMERIC = frozenset({float, int, type(None)})
_INTEGRAL = frozenset({int, type(None)})

KINDS: dict[Callable[[Any], V.Fixed], Callable[[list[Any]], Kinds | None]] = {
    V.text: text_kinds,
    V.identifier: identifier_kinds,
}
WHOLE: dict[Callable[[Any], V.Fixed], Callable[[list[Any]], list[Any] | None]] = {
    V.number: numbers,
    V.integer: integers,
}

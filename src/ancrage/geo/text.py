"""Name normalisation for name look-ups (territories, place names, type codes): the project's
one :func:`ancrage.text.fold`, re-exported where the geography modules have always found it."""

from __future__ import annotations

from ancrage.text import fold

__all__ = ["fold"]

"""Errors of the geography module."""

from __future__ import annotations

from ancrage.errors import AncrageError


class TerritoryError(AncrageError):
    """A territory argument names nothing, or several things."""

    exit_code = 2


class GeoDataError(AncrageError):
    """A geographic reference file (shipped or downloaded) is missing or unreadable."""

    exit_code = 2

"""Errors raised by the SIRENE enrichment."""

from __future__ import annotations

from ancrage.errors import AncrageError


class SireneError(AncrageError):
    """A SIRENE stock file or a wanted identifier cannot be used."""

    exit_code = 2


class SireneApiError(AncrageError):
    """The API « Recherche d'entreprises » cannot be reached or keeps failing."""

    exit_code = 4

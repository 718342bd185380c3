"""Errors of the download connectors: one line in French, what happened and what to do."""

from __future__ import annotations

from ancrage.errors import AncrageError, BusyError

RESUME_HINT = "Relancez la même commande : les téléchargements reprennent où ils se sont arrêtés."


class FetchError(AncrageError):
    """A download could not be completed (HTTP error, checksum, busy data home…)."""

    exit_code = 4


class FetchBusyError(FetchError, BusyError):
    """Another fetch or update holds the data home."""


class OfflineError(FetchError):
    """The host cannot be reached at all: no network, no DNS, proxy refused."""

    exit_code = 5

    def __init__(self, message: str, *, host: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.host = host


class SourceChangedError(FetchError):
    """A source answered something that is not the format Ancrage reads: nothing was written."""

    exit_code = 6

"""Errors of the watch's sending side: one French line, what happened and what to do."""

from __future__ import annotations

from ancrage.errors import AncrageError, BusyError


class WatchBusyError(BusyError):
    """Another watch run holds the run lock (« occupé », as a busy warehouse)."""

    exit_code = 3


class AlertsNotSentError(AncrageError):
    """A run could not send some alerts (they wait for a retry, or were abandoned)."""

    exit_code = 4

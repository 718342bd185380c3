"""The errors a user can meet with notices (each an :class:`ancrage.errors.AncrageError`)."""

from __future__ import annotations

from ancrage.errors import AncrageError, BusyError


class NoticeStoreError(AncrageError):
    """The notice store is missing, from a newer version, or does not hold a notice."""

    exit_code = 3


class NoticeNotFoundError(NoticeStoreError):
    """No notice with this id."""


class NoticeStoreBusyError(NoticeStoreError, BusyError):
    """Another process is writing to the notice store (a load)."""


class NoticeSearchError(AncrageError):
    """A search option is not usable."""

    exit_code = 2


class NoticeMergeError(AncrageError):
    """A change notice does not refer to the notice it is applied to."""

"""One exception root for everything a user can get wrong.

Every error carries what is wrong (file, record, field, value) and how to fix it (hint). The CLI
turns an :class:`AncrageError` into one line on stderr and a non-zero exit code; tests assert the
exact text of :meth:`AncrageError.one_line`.
"""

from __future__ import annotations

from pathlib import Path


class AncrageError(Exception):
    """Root of all user-facing errors."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        record: str | None = None,
        field: str | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.record = record
        self.field = field
        self.value = value
        self.hint = hint

    def __reduce__(self) -> tuple[object, ...]:
        """Picklable with its details (errors cross process boundaries in parallel loads)."""
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))

    def one_line(self) -> str:
        """The error as the CLI prints it: ``file: record: message (hint)``."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.record:
            parts.append(f"enregistrement {self.record}")
        if self.field:
            parts.append(f"champ {self.field}")
        head = ": ".join([*parts, self.message])
        return f"{head}. {self.hint}" if self.hint else head

    def __str__(self) -> str:
        return self.one_line()


def _rebuild(cls: type[AncrageError], message: str, state: dict[str, object]) -> AncrageError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class InputFileError(AncrageError):
    """An input file cannot be read at all (empty, truncated, wrong encoding, unknown format)."""

    exit_code = 2


class ConfigError(AncrageError):
    """A setting, an option or the data home is not usable."""

    exit_code = 2


class WarehouseError(AncrageError):
    """The warehouse is missing, locked or inconsistent."""

    exit_code = 3


class BusyError(AncrageError):
    """What a command needs is held by another process (a writer, a run, a load): the same
    command succeeds once that process is done (a scheduler tries again soon)."""


class WarehouseBusyError(WarehouseError, BusyError):
    """Another process holds the warehouse (a writer, or a reader while one writes): try again
    once it is done."""

"""Errors and file helpers shared by the reference modules."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from ancrage.errors import AncrageError, InputFileError


class ReferenceDataError(AncrageError):
    """Reference data is missing, cannot be downloaded or is not in the expected layout."""

    exit_code = 2


class InvalidCodeError(AncrageError):
    """A nomenclature code (CPV, NAF) is not written in any accepted form."""


def packaged(name: str) -> Path:
    """Path of a data file shipped in ``ancrage/data/reference``."""
    return Path(str(resources.files("ancrage").joinpath("data", "reference", name)))


def read_csv(path: Path, expected: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV whose header starts with ``expected`` (case-insensitive).

    Yields ``(line_number, row)`` with keys lower-cased; raises :class:`InputFileError` when the
    file is missing, not UTF-8 or has another header.
    """
    try:
        handle = path.open(encoding="utf-8", newline="")
    except FileNotFoundError as exc:
        raise ReferenceDataError(
            "reference file not found", file=path, hint="Check the reference directory."
        ) from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
            if tuple(header[: len(expected)]) != expected:
                raise InputFileError(
                    f"unexpected header {','.join(header) or '(empty file)'}, "
                    f"expected {','.join(expected)}",
                    file=path,
                    hint="Download the file again or check that it is the right one.",
                )
            for row in reader:
                if not row:
                    continue
                values = [*row, *([""] * (len(header) - len(row)))]
                yield reader.line_num, dict(zip(header, values, strict=False))
        except UnicodeDecodeError as exc:
            raise InputFileError(
                "the file is not UTF-8 text",
                file=path,
                hint="Download the file again or check that it is the right one.",
            ) from exc
        except csv.Error as exc:
            raise InputFileError(
                f"the file is not valid CSV ({exc})",
                file=path,
                record=f"line {reader.line_num}",
                hint="Download the file again or check that it is the right one.",
            ) from exc

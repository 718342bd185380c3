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
            "fichier de référence introuvable", file=path, hint="Vérifiez le dossier de référence."
        ) from exc
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [h.strip().lower().lstrip("\ufeff") for h in next(reader, [])]
            if tuple(header[: len(expected)]) != expected:
                raise InputFileError(
                    f"en-tête inattendu {_quoted(header)}, attendu « {','.join(expected)} »",
                    file=path,
                    hint="Téléchargez le fichier à nouveau ou vérifiez que c'est le bon.",
                )
            for row in reader:
                if not row:
                    continue
                values = [*row, *([""] * (len(header) - len(row)))]
                yield reader.line_num, dict(zip(header, values, strict=False))
        except UnicodeDecodeError as exc:
            raise InputFileError(
                "le fichier n'est pas un texte UTF-8",
                file=path,
                hint="Téléchargez le fichier à nouveau ou vérifiez que c'est le bon.",
            ) from exc
        except csv.Error as exc:
            raise InputFileError(
                f"le fichier n'est pas un CSV valide ({_csv_problem(exc)})",
                file=path,
                record=f"ligne {reader.line_num}",
                hint="Téléchargez le fichier à nouveau ou vérifiez que c'est le bon.",
            ) from exc


def _quoted(header: list[str]) -> str:
    return f"« {','.join(header)} »" if header else "(fichier vide)"


# The messages of Python's csv module that a damaged download can produce, in French.
_CSV_PROBLEMS = (
    ("unexpected end of data", "fin de données inattendue"),
    ("line contains NUL", "la ligne contient un caractère NUL"),
    ("new-line character seen in unquoted field", "saut de ligne dans un champ sans guillemets"),
    ("field larger than field limit", "champ plus long que la limite permise"),
    ("expected after", "caractère inattendu après un guillemet"),
)


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    return next((fr for en, fr in _CSV_PROBLEMS if en in text), text)

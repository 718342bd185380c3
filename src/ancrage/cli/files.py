"""The files ``ancrage load`` and ``ancrage demo --from`` read: files as given, folders walked.

A folder stands for the DECP files under it, at any depth. Its other files are skipped, one line
each saying why (a notice points to ``ancrage notice load``); hidden files and folders (``.git``,
``.DS_Store``) are passed over in silence. A file named on the command line is loaded as today:
the loader reports what is wrong with it, except a notice, which is pointed to ``ancrage notice
load``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ancrage.errors import AncrageError, InputFileError

NO_DECP = "aucun fichier DECP (.json, .xml, .csv, .parquet) dans ce dossier"
NO_DECP_HINT = "Indiquez le dossier qui contient les fichiers téléchargés."
HEAD_BYTES = 65536


@dataclass(frozen=True)
class Skipped:
    """A file of a folder that is not DECP, and why."""

    path: Path
    reason: str

    def one_line(self) -> str:
        return f"{self.path}: {self.reason}"

    def as_json(self) -> dict[str, str]:
        return {"file": str(self.path), "reason": self.reason}


@dataclass
class Inputs:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[AncrageError] = field(default_factory=list)


def decp_inputs(paths: Sequence[Path], *, source_format: str | None = None) -> Inputs:
    """The DECP files of ``paths``, folders walked recursively (in name order).

    With ``source_format`` (a format the files cannot be recognised by), every file of a folder
    is taken. A folder without any DECP file is an error."""
    inputs = Inputs()
    for path in paths:
        if not path.is_dir():
            # a FIFO or a missing file is left to the loader, which says what it is
            notice = None if source_format or not path.is_file() else _notice(path)
            if notice is None:
                inputs.files.append(path)
            else:
                inputs.errors.append(
                    InputFileError(
                        f"{notice}, pas un fichier DECP",
                        file=path,
                        hint=f"Chargez-le avec « ancrage notice load {path} ».",
                    )
                )
            continue
        found, notices = 0, 0
        for file in _walk(path):
            reason = None if source_format else _not_decp(file)
            if reason is None:
                inputs.files.append(file)
                found += 1
            else:
                inputs.skipped.append(Skipped(file, reason))
                notices += reason.startswith("avis ")
        if not found:
            hint = (
                f"Ce dossier contient des avis : chargez-les avec « ancrage notice load {path} »."
                if notices
                else NO_DECP_HINT
            )
            inputs.errors.append(InputFileError(NO_DECP, file=path, hint=hint))
    return inputs


def _walk(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts):
            continue
        if not path.is_dir():
            yield path


def _not_decp(path: Path) -> str | None:
    """Why the file ``path`` of a folder is not loaded, or None when it is a DECP file."""
    from ancrage.sources.registry import detect

    if not path.is_file():
        return "pas un fichier ordinaire (tube, socket…)"
    if _is_schema(_head(path)):  # a schema names « marches »: it could pass for data
        return "schéma de format (JSON Schema ou XSD), pas des données DECP"
    try:
        detect(path)
    except InputFileError as exc:
        notice = _notice(path)
        if notice is not None:
            return f"{notice} : chargez-le avec « ancrage notice load »"
        return exc.message
    return None


_XSD = re.compile(rb"<(?:[\w.-]+:)?schema[\s>]")


def _is_schema(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{"):
        return b'"$schema"' in head and b'"properties"' in head
    return start.startswith(b"<") and _XSD.search(head[:4096]) is not None


def _notice(path: Path) -> str | None:
    """« avis BOAMP » or « avis TED » when ``path`` is a call for tenders, else None."""
    from ancrage.notices.base import READERS

    head = _head(path).removeprefix(b"\xef\xbb\xbf")  # as the notices' own detection
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[", b"<")):
        return None  # notices are JSON or XML (a text file naming BOAMP is not one)
    for reader in READERS:
        if reader.sniff(head, path):
            return "avis TED" if reader.name.startswith("ted") else "avis BOAMP"
    return None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""

"""The DECP source formats, and detection of the format of a file from its content."""

from __future__ import annotations

import importlib
import re
import stat
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

from ancrage.errors import InputFileError
from ancrage.sources.base import Source

# Adding a format: write sources/<module>.py exposing SOURCE, and add its name here.
SOURCE_MODULES = ("decp2019", "decp2024", "decp2024_xml", "decp_tabular")
HEAD_BYTES = 65536
# the first element of an XML document, after its prolog (<?xml ...?>, comments, doctype)
_FIRST_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)")


@cache
def all_sources() -> tuple[Source, ...]:
    return tuple(
        importlib.import_module(f"ancrage.sources.{name}").SOURCE for name in SOURCE_MODULES
    )


def by_name(name: str) -> Source:
    for source in all_sources():
        if source.name == name:
            return source
    names = ", ".join(s.name for s in all_sources())
    raise InputFileError(f"format inconnu « {name} »", hint=f"Formats possibles : {names}.")


class Sniffer(Protocol):
    def sniff(self, head: bytes, path: Path) -> bool: ...


F = TypeVar("F", bound=Sniffer)
_BOM = b"\xef\xbb\xbf"


def detect(path: Path) -> Source:
    """The source format of ``path``, from its first bytes (never from its name alone)."""
    return detect_among(path, all_sources(), _unknown)


def check_regular(path: Path) -> None:
    """Refuse, without opening it, what is not a regular file: opening a FIFO waits for a
    writer forever, a device never ends."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise InputFileError("fichier introuvable", file=path, hint="Vérifiez le chemin.") from exc
    except OSError as exc:
        raise InputFileError(
            f"lecture impossible ({exc.strerror})", file=path, hint="Vérifiez les droits."
        ) from exc
    if stat.S_ISDIR(mode):
        raise InputFileError(
            "c'est un dossier, pas un fichier",
            file=path,
            hint="Passez les fichiers du dossier (par exemple dossier/*.json).",
        )
    if not stat.S_ISREG(mode):
        raise InputFileError(
            "pas un fichier ordinaire (tube, socket ou périphérique)",
            file=path,
            hint="Enregistrez d'abord les données dans un fichier, puis chargez ce fichier.",
        )


def detect_among(
    path: Path, formats: Sequence[F], unknown: Callable[[bytes, Path], InputFileError]
) -> F:
    """The first of ``formats`` whose ``sniff`` recognises the head of ``path`` (a UTF-8 byte
    order mark removed); ``unknown(head, path)`` is the error when none does. The one
    detection routine of the DECP sources and of the notice readers."""
    check_regular(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise InputFileError(
            f"lecture impossible ({exc.strerror})", file=path, hint="Vérifiez les droits."
        ) from exc
    head = head.removeprefix(_BOM)
    if not head.strip():
        raise InputFileError(
            "fichier vide", file=path, hint="Téléchargez-le à nouveau depuis sa source."
        )
    for candidate in formats:
        if candidate.sniff(head, path):
            return candidate
    raise unknown(head, path)


def _unknown(head: bytes, path: Path) -> InputFileError:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    hint = (
        "Formats reconnus : DECP 2019 (JSON), DECP 2024 (JSON ou XML), DECP consolidé "
        "tabulaire (CSV ou Parquet)."
    )
    if start.startswith(b"<"):
        body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        doctype_html = body[:15].lower().startswith(b"<!doctype html")
        m = _FIRST_ELEMENT.search(body)
        tag = m.group(1).decode("utf-8", "replace") if m else "?"
        html = doctype_html or tag.lower() == "html"
        what = "page HTML" if html else "fichier XML"
        return InputFileError(
            f"{what} qui n'est pas au format DECP (élément <{tag}>)", file=path, hint=hint
        )
    if start.startswith((b"{", b"[")):
        return InputFileError(
            "JSON sans la structure DECP attendue (clé « marches »)", file=path, hint=hint
        )
    if head.startswith(b"PAR1"):
        return InputFileError(
            "Parquet sans les colonnes du format tabulaire DECP", file=path, hint=hint
        )
    return InputFileError("format de fichier non reconnu", file=path, hint=hint)

"""The small interface every notice reader exposes (as :mod:`ancrage.sources.base` for DECP).

A reader knows one notice format. It never touches the store: it *sniffs* the head of a file to
say whether the format is its own, then *reads* the file as a stream of :class:`Notice`.
Conventions, as for the DECP sources:

* a record that cannot be read is reported with :meth:`NoticeReadContext.reject` (file,
  record, id, reason) and not yielded; the other records of the file still load;
* a file that cannot be read at all raises :class:`ancrage.errors.InputFileError` with a
  one-line French message and a hint.

Readers are modules (``ted``, ``boamp_xml``, ``boamp_json``) with module-level ``name``,
``label``, ``sniff`` and ``read``; :data:`READERS` lists them in detection order, and
:func:`detect` is the one detection routine of the project
(:func:`ancrage.sources.registry.detect_among`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from ancrage.errors import InputFileError
from ancrage.notices import boamp_json, boamp_xml, ted
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.model import Notice
from ancrage.sources.registry import detect_among


class NoticeReader(Protocol):
    """A notice file format."""

    name: str  # stable identifier, e.g. "ted-eforms-xml"
    label: str  # human description

    def sniff(self, head: bytes, path: Path) -> bool:
        """True when ``head`` (the first 64 KiB of the file, BOM removed) is this format."""
        ...

    def read(self, path: Path, ctx: NoticeReadContext) -> Iterator[Notice]:
        """The notices of the file; unreadable records go to ``ctx.reject``."""
        ...


# in detection order; adding a format: one module, one name here
READERS: tuple[NoticeReader, ...] = (ted, boamp_xml, boamp_json)


def _unknown(head: bytes, path: Path) -> InputFileError:  # noqa: ARG001 - detect_among's interface
    return InputFileError(
        "format d'avis non reconnu",
        file=path,
        hint="Formats lus : BOAMP JSON (Opendatasoft, API DILA), BOAMP XML (Boamp_v230), "
        "TED eForms XML.",
    )


def detect(path: Path) -> NoticeReader:
    """The reader of ``path``, from its first bytes."""
    return detect_among(path, READERS, _unknown)

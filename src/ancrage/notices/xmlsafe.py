"""Safe XML parsing for notices: no entities, no network, clear one-line errors."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ancrage.errors import InputFileError

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
}


def parse_xml(data: bytes, path: Path | str) -> etree._Element:
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise InputFileError(
            f"malformed XML at line {line}",
            file=path,
            hint="The file is truncated or not XML; download the notice again.",
        ) from exc
    if root is None:
        raise InputFileError("empty XML document", file=path, hint="Download the notice again.")
    return root


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot read the file ({exc.strerror})",
            file=path,
            hint="Check the path and the file permissions.",
        ) from exc

"""TED eForms UBL XML notices (contract notice, PIN, award, change notices).

Read through the eForms SDK field table (:mod:`ancrage.notices.eforms_sdk`): every value is
looked up by its business term (BT-262-Lot, BT-131(d)-Lot...), not by hand-written XPaths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ancrage.errors import InputFileError
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.eforms import notice_from_ubl
from ancrage.notices.model import Notice
from ancrage.notices.places import locate
from ancrage.notices.xmlsafe import parse_xml, read_bytes

name = "ted-eforms-xml"
label = "TED eForms notice (UBL 2.3 XML)"

UBL_ROOTS = ("ContractNotice", "PriorInformationNotice", "ContractAwardNotice")
_UBL_NS = b"urn:oasis:names:specification:ubl:schema:xsd:"


def sniff(head: bytes, path: Path) -> bool:  # noqa: ARG001 - same interface for all sources
    return _UBL_NS in head and any(r.encode() in head for r in UBL_ROOTS)


def read(path: Path, ctx: NoticeReadContext) -> Iterator[Notice]:
    data = read_bytes(path)
    ctx.progress(0)
    root = parse_xml(data, path)
    local = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if local not in UBL_ROOTS:
        raise InputFileError(
            f"ce n'est pas un avis eForms (élément racine « {local or '?'} »)",
            file=path,
            hint="Fichier attendu : un avis UBL ContractNotice, PriorInformationNotice ou "
            "ContractAwardNotice.",
        )
    try:
        notice = notice_from_ubl(root, ctx.eforms_table(), "ted", name)
    except ValueError as exc:
        ctx.reject(path.name, str(exc))
        return
    ctx.progress(len(data))
    yield locate(notice)

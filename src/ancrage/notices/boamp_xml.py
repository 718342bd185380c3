"""DILA bulk XML notices (schema ``Boamp_v230.xsd``), one ``<ANNONCE>`` per file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ancrage.errors import InputFileError
from ancrage.notices.boamp_v230 import norm_key, notice_from_v230
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.model import Notice
from ancrage.notices.places import locate
from ancrage.notices.xmlsafe import parse_xml, read_bytes

name = "boamp-xml-v230"
label = "BOAMP notice, DILA XML (Boamp_v230)"


def sniff(head: bytes, path: Path) -> bool:  # noqa: ARG001 - same interface for all sources
    return b"<ANNONCE" in head and (b"<GESTION" in head or b"Boamp_v" in head)


def to_tree(element: etree._Element) -> Any:
    """XML element → normalised tree (see :mod:`ancrage.notices.boamp_v230`)."""
    children = [c for c in element if isinstance(c.tag, str)]
    attributes = {norm_key(str(k)): v for k, v in element.attrib.items() if "}" not in str(k)}
    content = (element.text or "").strip()
    if not children:
        if attributes:
            return {**attributes, "value": content}
        return content
    out: dict[str, Any] = dict(attributes)
    for child in children:
        key = norm_key(str(child.tag))
        value = to_tree(child)
        if key in out:
            existing = out[key]
            out[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[key] = value
    return out


LIST_KEYS = ("cpv", "lot", "critere", "decision", "titulaire", "descripteur", "codenuts")


def read(path: Path, ctx: NoticeReadContext) -> Iterator[Notice]:
    data = read_bytes(path)
    root = parse_xml(data, path)
    if root.tag != "ANNONCE":
        raise InputFileError(
            f"ce n'est pas un avis BOAMP (élément racine « {root.tag!s} »)",
            file=path,
            hint="Fichier attendu : un avis <ANNONCE> Boamp_v230 de la DILA.",
        )
    gestion = root.find("GESTION")
    donnees = root.find("DONNEES")
    if gestion is None or donnees is None:
        ctx.reject(path.name, "ANNONCE sans GESTION ni DONNEES")
        return
    try:
        notice = notice_from_v230(to_tree(gestion), to_tree(donnees), source_format=name)
    except ValueError as exc:
        ctx.reject(path.name, str(exc))
        return
    ctx.progress(len(data))
    yield locate(notice)

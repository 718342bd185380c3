"""eForms UBL converted to JSON (xmltodict style, BOAMP ``donnees.EFORMS``) → lxml tree.

Keys ``cac:…``/``cbc:…`` are elements, ``@name`` attributes, ``#text`` text; lists repeat the
element. The tree is then read by :mod:`ancrage.notices.eforms` with the same SDK table as TED.
"""

from __future__ import annotations

from lxml import etree

from ancrage.notices.eforms_sdk import NAMESPACES

ROOT_NS = "urn:oasis:names:specification:ubl:schema:xsd:{}-2"


def _qname(key: str) -> str | None:
    prefix, _, local = key.rpartition(":")
    if not prefix:
        return local if local.isidentifier() else None
    uri = NAMESPACES.get(prefix)
    return f"{{{uri}}}{local}" if uri else None


def _fill(element: etree._Element, value: object) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            key = str(key)
            if key == "#text":
                element.text = None if child is None else str(child)
            elif key.startswith("@"):
                if not key.startswith("@xmlns") and child is not None and ":" not in key:
                    element.set(key[1:], str(child))
            else:
                qname = _qname(key)
                if qname is None:
                    continue
                for item in child if isinstance(child, list) else [child]:
                    _fill(etree.SubElement(element, qname, nsmap=NAMESPACES), item)
    elif value is not None:
        element.text = str(value)


def tree_from_json(root_name: str, body: object) -> etree._Element:
    """``{"ContractNotice": {...}}`` → ``<ContractNotice xmlns="urn:…ContractNotice-2">``."""
    local = root_name.rpartition(":")[2]
    root = etree.Element(f"{{{ROOT_NS.format(local)}}}{local}", nsmap=NAMESPACES)
    _fill(root, body)
    return root

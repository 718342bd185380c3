"""libxml2's errors said in French, whatever the damage (cut files, random bytes)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ancrage.xmlerrors import XmlFault, describe

DOC = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<marches>\n<marche><id>1</id>'
    b"<objet>R\xc3\xa9fection &amp; toiture</objet><montant>1200</montant></marche>\n</marches>"
)
ENGLISH = re.compile(r"\b(line|column|tag|expected|found|not|end|data)\b", re.I)


def _error(data: bytes) -> etree.XMLSyntaxError | None:
    try:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return exc
    return None


@settings(max_examples=200, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(DOC) - 1), noise=st.binary(max_size=8))
def test_every_damage_is_said_in_french(cut: int, noise: bytes) -> None:
    exc = _error(DOC[:cut] + noise)
    if exc is None:
        return
    error = describe(exc)
    assert not ENGLISH.search(error.detail), error.detail
    assert error.detail


@pytest.mark.parametrize(
    ("data", "fault", "detail"),
    [
        (b"<marches><id>1", XmlFault.truncated, "le fichier s'arrête au milieu de l'élément <id>"),
        (b"<a>" * 300 + b"</a>" * 300, XmlFault.depth, "éléments imbriqués sur plus de 256"),
        ("<a>é</a>".encode("latin-1"), XmlFault.encoding, "octets invalides pour l'encodage"),
        (b"<a>&x;</a>", XmlFault.syntax, "entité « x » non définie"),
        (b"", XmlFault.truncated, "document vide"),
    ],
)
def test_faults(data: bytes, fault: XmlFault, detail: str) -> None:
    exc = _error(data)
    assert exc is not None
    error = describe(exc)
    assert error.fault is fault
    assert error.detail.startswith(detail)

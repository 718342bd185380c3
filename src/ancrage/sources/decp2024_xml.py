"""DECP format 2024, XML (XSD v2.0.2): ``<marches>`` with ``<marche>`` / ``<contrat-concession>``.

The file is streamed with :func:`lxml.etree.iterparse` (no entities, no DTD, no network) and each
record element is cleared once read. A record element is first turned into the dict shape of the
JSON format (same keys, same wrapped lists), then mapped by the one 2024 mapping
:func:`ancrage.sources.decp2024.map_2024`. Values stay the XML text (``"oui"``, ``"575000"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

from lxml import etree

from ancrage.errors import InputFileError
from ancrage.sources.base import Kind, RawContract, ReadContext
from ancrage.sources.decp2024 import map_2024
from ancrage.sources.jsonstream import EMPTY_HINT, UTF8_HINT
from ancrage.xmlerrors import XmlFault, describe

# elements holding a JSON array of one-key objects: <titulaires><titulaire>... -> [{"titulaire":…}]
LIST_WRAPPERS: Final = frozenset(
    {
        "titulaires",
        "concessionnaires",
        "modifications",
        "actesSousTraitance",
        "modificationsActesSousTraitance",
        "donneesExecution",
        "tarifs",
    }
)
# elements holding a JSON object of one array of labels:
# <techniques><technique>… -> {"technique": […]}
LABEL_WRAPPERS: Final = {
    "techniques": "technique",
    "modalitesExecution": "modaliteExecution",
    "typesPrix": "typePrix",
    "considerationsSociales": "considerationSociale",
    "considerationsEnvironnementales": "considerationEnvironnementale",
}
RECORD_KINDS: Final[dict[str, Kind]] = {"marche": "marche", "contrat-concession": "concession"}
_ROOT: Final = "marches"
_DAMAGED = "Le fichier est tronqué ou abîmé : téléchargez-le à nouveau."
_SUSPICIOUS = (
    "Aucun fichier DECP n'est fait ainsi : vérifiez d'où vient ce fichier et téléchargez-le à "
    "nouveau depuis sa source officielle."
)
_HINTS = {
    XmlFault.encoding: UTF8_HINT,
    XmlFault.depth: _SUSPICIOUS,
    XmlFault.huge: _SUSPICIOUS,
}
_HEAD_SIZE = 4096
_MARCHES_ROOT = re.compile(rb"<(?:[\w.-]+:)?marches[\s>]")


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if tag[:1] == "{" else tag


def element_to_json(element: etree._Element) -> object:
    """The JSON value the 2024 JSON format gives for ``element``."""
    tag = _local(element.tag)
    children = [child for child in element if isinstance(child.tag, str)]
    if tag in LABEL_WRAPPERS and (children or not _has_text(element)):
        labels: dict[str, list[object]] = {} if children else {LABEL_WRAPPERS[tag]: []}
        for child in children:
            labels.setdefault(_local(child.tag), []).append(element_to_json(child))
        return labels
    if tag in LIST_WRAPPERS and (children or not _has_text(element)):
        return [{_local(child.tag): element_to_json(child)} for child in children]
    if not children:
        return element.text
    out: dict[str, object] = {}
    repeated: set[str] = set()
    for child in children:
        key = _local(child.tag)
        value = element_to_json(child)
        if key not in out:
            out[key] = value
        elif key in repeated:
            previous = out[key]
            assert isinstance(previous, list)
            previous.append(value)
        else:
            out[key] = [out[key], value]
            repeated.add(key)
    return out


def _has_text(element: etree._Element) -> bool:
    return bool(element.text and element.text.strip())


class _Progress:
    """A file wrapper telling the read context how many bytes were read."""

    def __init__(self, fh: BinaryIO, ctx: ReadContext) -> None:
        self.fh = fh
        self.ctx = ctx
        self.done = 0

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.done += len(data)
        self.ctx.progress(self.done)
        return data


def _check_head(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(_HEAD_SIZE).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise InputFileError("fichier vide", file=path, hint=EMPTY_HINT)
    if head[:1] in (b"{", b"["):
        raise InputFileError(
            "ressemble à du JSON, pas à du XML",
            file=path,
            hint="Lisez un fichier JSON avec le format decp-2019 ou decp-2024.",
        )
    if head[:1] != b"<" and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 BOM
        shown = head[:20].decode("utf-8", "replace").split("\n")[0]
        raise InputFileError(
            f"pas du XML : le fichier commence par {shown!r}",
            file=path,
            hint="Vérifiez que c'est un fichier DECP au format XML.",
        )


class Decp2024XmlSource:
    """DECP format 2024 (XML)."""

    name = "decp-2024-xml"
    label = "DECP format 2024 (XML)"
    shares = False

    def sniff(self, head: bytes, path: Path) -> bool:  # noqa: ARG002
        return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and bool(
            _MARCHES_ROOT.search(head)
        )

    def read(self, path: Path, ctx: ReadContext) -> Iterator[RawContract]:
        _check_head(path)
        counters = dict.fromkeys(RECORD_KINDS, 0)
        with path.open("rb") as fh:
            events = etree.iterparse(
                _Progress(fh, ctx),
                events=("start", "end"),
                resolve_entities=False,
                no_network=True,
                load_dtd=False,
                huge_tree=False,
                remove_comments=True,
                remove_pis=True,
            )
            depth = 0
            try:
                for event, element in events:
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            self._check_root(element, path)
                        continue
                    depth -= 1
                    if depth != 1:
                        continue
                    tag = _local(element.tag)
                    kind = RECORD_KINDS.get(tag)
                    if kind is None:
                        ctx.reject(f"{_ROOT}.{tag}", f"élément <{tag}> inconnu dans <{_ROOT}>")
                    else:
                        ref = f"{_ROOT}.{tag}[{counters[tag]}]"
                        counters[tag] += 1
                        contract = map_2024(element_to_json(element), ref, kind, ctx)
                        if contract is not None:
                            yield contract
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
            except etree.XMLSyntaxError as exc:
                error = describe(exc)
                raise InputFileError(
                    f"XML mal formé à la ligne {error.line} : {error.detail}",
                    file=path,
                    hint=_HINTS.get(error.fault, _DAMAGED),
                ) from None

    @staticmethod
    def _check_root(element: etree._Element, path: Path) -> None:
        tag = _local(element.tag)
        if tag != _ROOT:
            raise InputFileError(
                f"pas un fichier DECP XML : l'élément racine est <{tag}>, <{_ROOT}> attendu",
                file=path,
                hint="Vérifiez que c'est un fichier DECP 2024 au format XML.",
            )


SOURCE = Decp2024XmlSource()

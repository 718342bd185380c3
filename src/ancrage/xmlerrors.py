"""libxml2's parse errors said in French: what is wrong and where, and what kind of fault it is.

lxml reports errors in English (« Premature end of data in tag marches line 1 »); users read
French. Every XML reader of the project (DECP XML, BOAMP and TED notices) frames its own message
and hint from :func:`describe`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree


class XmlFault(StrEnum):
    truncated = "truncated"  # the file stops in the middle: download it again
    syntax = "syntax"  # not well-formed (a tag not closed, a stray character)
    encoding = "encoding"  # bytes that are not of the declared encoding
    depth = "depth"  # nested deeper than any real file: hostile or generated
    huge = "huge"  # one text over libxml2's limit (10 MB): hostile or generated


@dataclass(frozen=True, slots=True)
class XmlError:
    """``detail``: French, with the column when known; ``line``: ``None`` when unknown."""

    fault: XmlFault
    detail: str
    line: int | None


_RULES: list[tuple[re.Pattern[str], XmlFault, str]] = [
    (re.compile(r"Excessive depth in document: (\d+)"), XmlFault.depth,
     "éléments imbriqués sur plus de {0} niveaux"),
    (re.compile(r"huge|Resource limit exceeded", re.I), XmlFault.huge,
     "un texte de plus de 10 Mo d'un seul tenant"),
    (re.compile(r"encoding|Input is not proper UTF-8", re.I), XmlFault.encoding,
     "octets invalides pour l'encodage du fichier (UTF-8 s'il n'en déclare pas)"),
    (re.compile(r"Premature end of data in tag ([^\s,]+)"), XmlFault.truncated,
     "le fichier s'arrête au milieu de l'élément <{0}>"),
    (re.compile(r"Premature end of data|EndTag: '</' not found"), XmlFault.truncated,
     "le fichier s'arrête au milieu d'un élément"),
    (re.compile(r"Document is empty"), XmlFault.truncated, "document vide"),
    (re.compile(r"Opening and ending tag mismatch: ([^\s,]+) line (\d+) and ([^\s,]+)"),
     XmlFault.syntax, "l'élément <{0}> ouvert ligne {1} est fermé par </{2}>"),
    (re.compile(r"Couldn't find end of Start Tag ([^\s,]+)"), XmlFault.truncated,
     "la balise <{0}> n'est pas refermée"),
    (re.compile(r"expected '(.)'"), XmlFault.syntax, "« {0} » attendu"),
    (re.compile(r"Start tag expected"), XmlFault.syntax, "balise ouvrante « < » attendue"),
    (re.compile(r"Extra content at the end of the document"), XmlFault.syntax,
     "du contenu après la fin du document"),
    (re.compile(r"Entity '([^']*)' not defined"), XmlFault.syntax, "entité « {0} » non définie"),
]


def describe(exc: etree.XMLSyntaxError) -> XmlError:
    """The French reading of a libxml2 error (the detail without libxml2's English words)."""
    message = " ".join(str(exc.msg).split())
    fault, detail = XmlFault.syntax, "syntaxe XML invalide"
    for pattern, rule_fault, template in _RULES:
        found = pattern.search(message)
        if found is not None:
            fault, detail = rule_fault, template.format(*found.groups())
            break
    column = exc.position[1] if exc.position else None
    if column and fault not in (XmlFault.depth, XmlFault.huge):
        detail += f" (colonne {column})"
    return XmlError(fault, detail, exc.lineno)

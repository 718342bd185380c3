"""Safe XML parsing for notices: no entities, no network, clear one-line errors."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ancrage.errors import InputFileError
from ancrage.xmlerrors import XmlFault, describe

_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
}


_ELSEWHERE = (
    "vérifiez d'où vient ce fichier et téléchargez l'avis à nouveau depuis le BOAMP ou TED."
)


def parse_xml(data: bytes, path: Path | str) -> etree._Element:
    parser = etree.XMLParser(**_PARSER_OPTIONS)  # type: ignore[arg-type]
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        error = describe(exc)
        line = error.line if error.line is not None else "?"
        if error.fault is XmlFault.huge:
            raise InputFileError(
                f"un texte de l'avis dépasse la taille qu'Ancrage accepte (10 Mo d'un seul "
                f"tenant, ligne {line}) : ce n'est pas un avis ordinaire",
                file=path,
                hint="Un avis fait au plus quelques centaines de Ko ; " + _ELSEWHERE,
            ) from exc
        if error.fault is XmlFault.depth:
            raise InputFileError(
                f"l'avis a des {error.detail} (ligne {line}) : ce n'est pas un avis ordinaire",
                file=path,
                hint=_ELSEWHERE[0].upper() + _ELSEWHERE[1:],
            ) from exc
        raise InputFileError(
            f"XML mal formé à la ligne {line} : {error.detail}",
            file=path,
            hint="Le fichier est tronqué ou n'est pas du XML ; téléchargez l'avis à nouveau.",
        ) from exc
    if root is None:
        raise InputFileError("document XML vide", file=path, hint="Téléchargez l'avis à nouveau.")
    return root


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"fichier illisible ({exc.strerror})",
            file=path,
            hint="Vérifiez le chemin et les droits du fichier.",
        ) from exc

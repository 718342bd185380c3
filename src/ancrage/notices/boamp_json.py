"""BOAMP open data records as JSON.

Shapes read:

* Opendatasoft Explore API v2.1 (dataset ``boamp``): ``{"total_count", "results": [...]}``, the
  same wrapped as ``{"ok", "url", "status", "data": {...}}``, or an export (a JSON list);
  each record has flat fields plus ``gestion`` and ``donnees`` as JSON *strings*. ``donnees``
  is told apart by its top-level key: ``FNSimple``, ``EFORMS`` or the legacy v230 tree.
* the former DILA API v1: one record ``{"gestion": {...}, "donnees": {...}}`` (v230 tree with
  lower-case keys, epoch-millisecond dates).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from ancrage.errors import AncrageError, InputFileError
from ancrage.notices.boamp_v230 import normalise, notice_from_v230, text
from ancrage.notices.context import NoticeReadContext
from ancrage.notices.eforms import notice_from_ubl
from ancrage.notices.eforms_json import tree_from_json
from ancrage.notices.fnsimple import notice_from_fnsimple
from ancrage.notices.model import Consideration, Notice, NoticeKind, make_id
from ancrage.notices.places import locate
from ancrage.notices.values import PARIS, parse_date, parse_datetime
from ancrage.notices.xmlsafe import read_bytes

name = "boamp-json"
label = "BOAMP open data records (Opendatasoft API v2.1 / export, DILA API v1)"

ETAT_KINDS: dict[str, NoticeKind] = {"RECTIFICATIF": "corrigendum", "AVIS_ANNULE": "cancellation"}
NATURE_KINDS: dict[str, NoticeKind] = {
    "ATTRIBUTION": "award",
    "PRE_INFORMATION": "prior_information",
    "RECTIFICATIF": "corrigendum",
}


def sniff(head: bytes, path: Path) -> bool:  # noqa: ARG001 - same interface for all sources
    start = head.lstrip()[:1]
    return start in (b"{", b"[") and (b'"idweb"' in head or b'"gestion"' in head)


def _records(data: object, path: Path) -> tuple[str, list[Any]]:
    if isinstance(data, list):
        return "boamp-ods-export", data
    if isinstance(data, dict):
        if isinstance(data.get("data"), dict):
            data = data["data"]
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            return "boamp-ods-v2.1", data["results"]
        if isinstance(data, dict) and isinstance(data.get("gestion"), dict):
            return "boamp-dila-api-v1", [data]
    raise InputFileError(
        "ce n'est pas un fichier JSON BOAMP (ni results, ni liste d'enregistrements, "
        "ni gestion/donnees)",
        file=path,
        hint="Fichier attendu : une réponse ou un export de l'API Opendatasoft « boamp » v2.1, "
        "ou un enregistrement de l'API DILA v1.",
    )


def read(path: Path, ctx: NoticeReadContext) -> Iterator[Notice]:
    raw = read_bytes(path)
    try:
        data = orjson.loads(raw.removeprefix(b"\xef\xbb\xbf"))  # a UTF-8 BOM is not JSON
    except orjson.JSONDecodeError as exc:
        if "depth" in str(exc) or "recursion" in str(exc).lower():  # orjson stops at 1,024 levels
            raise InputFileError(
                "JSON imbriqué trop profondément : des tableaux ou des objets les uns dans les "
                "autres sur plus de mille niveaux, ce qu'aucun avis BOAMP ne contient",
                file=path,
                hint="Le fichier est abîmé ou n'est pas un avis BOAMP : téléchargez-le à nouveau.",
            ) from exc
        raise InputFileError(
            f"JSON mal formé ({str(exc).split(':')[0]})",
            file=path,
            hint="Le fichier est tronqué ou n'est pas du JSON ; téléchargez-le à nouveau.",
        ) from exc
    shape, records = _records(data, path)
    for index, record in enumerate(records):
        ref = f"results[{index}]" if shape != "boamp-dila-api-v1" else "record"
        if not isinstance(record, dict):
            ctx.reject(ref, "l'enregistrement n'est pas un objet JSON", raw_value=record)
            continue
        try:
            if shape == "boamp-dila-api-v1":
                notice = notice_from_v230(
                    normalise(_object(record.get("gestion"), "gestion")),
                    normalise(record.get("donnees")),
                    source_format=shape,
                )
            else:
                notice = _ods_record(record, shape, ctx)
            located = locate(notice)
        except AncrageError:
            raise  # about the file or the set-up (the eForms table), not this record
        except UnreadableRecord as exc:
            ctx.reject(ref, f"enregistrement illisible : {exc}", record_id=_idweb(record))
            continue
        except Exception as exc:  # one record of an unexpected shape: the others still load
            ctx.reject(
                ref,
                f"enregistrement illisible : structure inattendue ({type(exc).__name__})",
                record_id=_idweb(record),
            )
            continue
        yield located
    ctx.progress(len(raw))


class UnreadableRecord(ValueError):
    """A record whose structure is not the format's (the message is French)."""


_KINDS = ((str, "une chaîne"), (bool, "un booléen"), (int, "un nombre"), (float, "un nombre"))


def _object(value: object, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    found = "null" if value is None else "une liste" if isinstance(value, list) else "une valeur"
    found = next((name for kind, name in _KINDS if isinstance(value, kind)), found)
    raise UnreadableRecord(f"{where} devrait être un objet JSON, c'est {found}")


def _idweb(record: dict[str, Any]) -> str | None:
    value = record.get("idweb")
    return str(value) if value is not None else None


def _embedded(record: dict[str, Any], key: str) -> Any:
    value = record.get(key)
    if isinstance(value, str):
        return orjson.loads(value)  # JSONDecodeError is a ValueError: the record is rejected
    return value


def _ods_record(record: dict[str, Any], shape: str, ctx: NoticeReadContext) -> Notice:
    idweb = _idweb(record)
    if not idweb:
        raise ValueError("idweb absent")
    gestion = _embedded(record, "gestion")
    donnees = _embedded(record, "donnees")
    url = text(record.get("url_avis"))
    top = next(iter(donnees), None) if isinstance(donnees, dict) else None
    if top == "FNSimple":
        form = _object(donnees["FNSimple"], "donnees.FNSimple")
        notice = notice_from_fnsimple(idweb, form, source_format=f"{shape}/FNSimple", url=url)
    elif top == "EFORMS":
        body = _object(donnees["EFORMS"], "donnees.EFORMS")
        if len(body) != 1:
            raise UnreadableRecord("donnees.EFORMS devrait contenir un seul avis (ContractNotice…)")
        ((root_name, root),) = body.items()
        tree = tree_from_json(str(root_name), _object(root, f"donnees.EFORMS.{root_name}"))
        notice = notice_from_ubl(tree, ctx.eforms_table(), "boamp", f"{shape}/EFORMS")
        notice.source_id = idweb
        notice.id = make_id("boamp", idweb)
        notice.url = url
    else:
        notice = notice_from_v230(
            normalise(gestion), normalise(donnees), source_format=f"{shape}/v230", url=url
        )
    _flat_fields(notice, record)
    return notice


def _flat_fields(notice: Notice, record: dict[str, Any]) -> None:
    """Fill what the embedded form left empty from the flat Opendatasoft fields."""
    notice.title = notice.title or text(record.get("objet"))
    notice.buyer.name = notice.buyer.name or text(record.get("nomacheteur"))
    notice.publication_date = notice.publication_date or parse_date(record.get("dateparution"))
    if notice.deadline is None and record.get("datelimitereponse"):
        # the flat field shows the Paris clock time with a "+00:00" offset: read it as Paris time
        moment = parse_datetime(record["datelimitereponse"])
        notice.deadline = moment.replace(tzinfo=PARIS) if moment else None
    # code_departement_prestation is the place of performance; code_departement the départements
    # the record lists (where it is published: usually the place of performance among others)
    deps = [str(d) for d in record.get("code_departement_prestation") or []]
    notice.place.departements = notice.place.departements or [d.zfill(2) for d in deps]
    listed = record.get("code_departement")
    if isinstance(listed, list):
        notice.listed_departements = [str(d).zfill(2) for d in listed if d is not None]
    codes = record.get("descripteur_code") or []
    labels = record.get("descripteur_libelle") or []
    if not notice.trade_descriptors and codes:
        notice.trade_descriptors = list(zip(map(str, codes), map(str, labels), strict=False))
    etat = text(record.get("etat"))
    notice.status = etat or notice.status
    nature = text(record.get("nature"))
    kind = ETAT_KINDS.get(etat or "") or NATURE_KINDS.get(nature or "")
    if kind is not None:
        notice.kind = kind
    linked = record.get("annonce_lie")
    if notice.changes_notice is None and linked:
        first = linked[0] if isinstance(linked, list) and linked else linked
        notice.changes_notice = make_id("boamp", str(first))
    for criterion in record.get("criteres") or []:
        code = str(criterion)
        kind_c = "social" if code == "sociaux" else "environmental"
        item = Consideration(kind_c, code, None, "criteres")  # type: ignore[arg-type]
        if code in ("sociaux", "environnementaux") and item not in notice.considerations:
            notice.considerations.append(item)

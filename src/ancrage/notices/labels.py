"""French labels of the codes a notice carries: eForms code lists, BOAMP procedures, states,
NUTS → départements. Data, not code: ``ancrage/data/notices/eforms/codelists_fr.json`` and
``nuts_fr.csv`` (compact extracts of the eForms SDK code lists, built by
``scripts/build_eforms.py``) and ``ancrage/data/notices/boamp_procedures.csv`` (curated).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from importlib import resources
from typing import Any

from ancrage.notices.model import State
from ancrage.text import fold

#: the eForms code lists whose French labels are shipped (``codelists/<name>.gc``)
CODELISTS = (
    "accessibility",
    "award-criterion-type",
    "contract-nature",
    "environmental-impact",
    "gpp-criteria",
    "innovative-acquisition",
    "procurement-procedure-type",
    "reserved-procurement",
    "social-objective",
    "strategic-procurement",
)
STATE_LABELS: dict[State, str] = {
    "open": "ouvert",
    "expired": "date limite dépassée",
    "undated": "date limite non précisée",
    "awarded": "attribué",
    "cancelled": "annulé",
}
KIND_LABELS = {
    "contract_notice": "avis de marché",
    "prior_information": "avis de pré-information",
    "award": "avis d'attribution",
    "corrigendum": "avis rectificatif",
    "cancellation": "avis d'annulation",
}
CRITERION_LABELS = {"price": "prix", "quality": "qualité", "cost": "coût"}
REQUIREMENT_LABELS = {
    "environmental": "Environnement",
    "social": "Social",
    "strategic": "Achat stratégique",
    "execution": "Clause d'exécution",
}
#: where a département of a notice comes from (:func:`ancrage.notices.model.departements`)
ORIGIN_LABELS = {
    "place": "lieu d'exécution",
    "listed": "département cité par le BOAMP",
    "buyer": "département de l'acheteur (l'avis ne donne pas de lieu)",
}
_GC = "{http://docs.oasis-open.org/codelist/ns/genericode/1.0/}"


def _data(*parts: str) -> str:
    return resources.files("ancrage").joinpath("data", "notices", *parts).read_text("utf-8")


# ------------------------------------------------ building (scripts/build_eforms.py)


def _rows(gc: bytes) -> list[dict[str, str]]:
    from lxml import etree

    root = etree.fromstring(gc, etree.XMLParser(resolve_entities=False, no_network=True))
    out = []
    for row in root.iter("Row", f"{_GC}Row"):
        values = {
            str(v.get("ColumnRef")): (v.findtext("SimpleValue") or "").strip()
            for v in row
            if v.get("ColumnRef")
        }
        out.append(values)
    return out


def codelist_labels(gc: bytes) -> dict[str, str]:
    """Code → French label (``fra_label``) of an eForms genericode list."""
    return {r["code"]: r.get("fra_label") or r.get("Name", "") for r in _rows(gc) if r.get("code")}


def nuts_departements(gc: bytes) -> list[tuple[str, str, str]]:
    """``(NUTS 3 code, département, label)`` of the French NUTS 3 list, the label matched to a
    département of the COG by name (every one must match, but ``FRZZZ``, « Extra-Regio »)."""
    from ancrage.geo import default_geography

    by_name = {fold(d.nom): code for code, d in default_geography().departements.items()}
    out = []
    for row in _rows(gc):
        if row.get("code", "").endswith("ZZZ"):
            continue
        label = row.get("fra_label") or row.get("Name", "")
        dep = by_name.get(fold(label))
        if dep is None:
            raise ValueError(f"NUTS {row.get('code')} « {label} »: no département of that name")
        out.append((row["code"], dep, label))
    return out


# ---------------------------------------------------------------- reading


@cache
def _codelists() -> dict[str, dict[str, str]]:
    lists: dict[str, dict[str, str]] = json.loads(_data("eforms", "codelists_fr.json"))["lists"]
    return lists


def code_label(codelist: str, code: str | None) -> str | None:
    """The French label of an eForms code (``open`` → « Ouverte »), or ``None``."""
    return _codelists().get(codelist, {}).get(code or "")


@cache
def _boamp_procedures() -> dict[str, str]:
    rows = csv.DictReader(
        line for line in _data("boamp_procedures.csv").splitlines() if not line.startswith("#")
    )
    return {fold(r["code"]).replace(" ", ""): r["label"] for r in rows}


def procedure_label(code: str | None) -> str | None:
    """The French name of a procedure as a source codes it: eForms (``open``), BOAMP forms
    (``procedureAdapteeO``, v230 ``PROCEDURE_ADAPTE``); ``None`` when unknown."""
    if not code:
        return None
    return code_label("procurement-procedure-type", code) or _boamp_procedures().get(
        fold(code).replace(" ", "")
    )


@cache
def _nuts() -> dict[str, str]:
    rows = csv.DictReader(_data("eforms", "nuts_fr.csv").splitlines())
    return {r["nuts"]: r["departement"] for r in rows}


def nuts_to_departements(code: str) -> list[str]:
    """The départements a French NUTS code covers (a NUTS 3 code: one; a region: all of its
    own); none for the whole country or a foreign code."""
    code = code.strip().upper()
    if not code.startswith("FR") or len(code) < 3:
        return []
    return sorted({dep for nuts, dep in _nuts().items() if nuts.startswith(code)})


def labels_json() -> dict[str, Any]:
    """Every shipped code list (for the API and the docs)."""
    return dict(_codelists())


@cache
def _field_labels() -> dict[str, str]:
    rows = csv.DictReader(
        line for line in _data("field_labels.csv").splitlines() if not line.startswith("#")
    )
    return {r["field"]: r["label"] for r in rows}


def field_label(source_field: str | None) -> str | None:
    """Where a fact was read, in French (« capacités techniques et professionnelles »), never
    the form's internal path; ``None`` when unknown."""
    return _field_labels().get(source_field or "")


#: the eForms code list of each field whose codes a notice keeps
FIELD_CODELISTS = {
    "BT-06-Lot": "strategic-procurement",
    "BT-774-Lot": "environmental-impact",
    "BT-805-Lot": "gpp-criteria",
    "BT-775-Lot": "social-objective",
    "BT-71-Lot": "reserved-procurement",
}


#: codes of the BOAMP forms (the box ticked), by code folded
BOAMP_CODES = {
    "sociaux": "considérations sociales (case cochée dans l'avis)",
    "environnementaux": "considérations environnementales (case cochée dans l'avis)",
    "reserved": "marché réservé (conditions dans les documents de la consultation)",
}


def field_code_label(source_field: str | None, code: str | None) -> str | None:
    """The French label of a code by the field it came from (BT-774 ``circ-econ`` →
    « La transition vers une économie circulaire », BOAMP ``sociaux`` → « considérations
    sociales (case cochée dans l'avis) »)."""
    codelist = FIELD_CODELISTS.get(source_field or "")
    if codelist:
        return code_label(codelist, code)
    return BOAMP_CODES.get((code or "").lower())


def cpv_text(code: str) -> str:
    """« 45421000 Travaux de menuiserie » (the code alone outside CPV 2008)."""
    from ancrage.reference.cpv import french_label

    label = french_label(code)
    return f"{code} {label}" if label else code

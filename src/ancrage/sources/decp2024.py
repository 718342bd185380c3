"""DECP format 2024 (arrêté du 22 décembre 2022, schema v2.0.x), JSON.

Root ``{"marches": {"marche": [...], "contrat-concession": [...]}}``; lists are wrapped
(``titulaires: [{"titulaire": {...}}]``, ``techniques: {"technique": [...]}``); the unwrapped
variants found in the wild are read too. :func:`map_2024` is the one mapping of the format, shared
with the XML reader (:mod:`ancrage.sources.decp2024_xml`), which first turns each XML element
into the same dict shape as the JSON.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Final, cast

from ancrage.sources.base import (
    Kind,
    RawContract,
    RawParty,
    RawSubcontract,
    RawSubcontractChange,
    ReadContext,
)
from ancrage.sources.decp2019 import (
    SCALARS_2019,
    RecordMapper,
    ScalarTable,
    marches_bracket,
    new_contract,
)
from ancrage.sources.jsonstream import JsonRecords

SCALARS_2024: Final = ScalarTable(
    *SCALARS_2019.pairs,
    ("idAccordCadre", "framework_id"),
    ("marcheInnovant", "innovative"),
    ("ccag", "ccag"),
    ("offresRecues", "offers_received"),
    ("attributionAvance", "advance"),
    ("tauxAvance", "advance_rate"),
    ("typeGroupementOperateurs", "grouping_type"),
    ("sousTraitanceDeclaree", "subcontracting_declared"),
    ("origineUE", "origin_eu"),
    ("origineFrance", "origin_fr"),
)
# canonical field -> (key, wrapper key) of a list of labels
LABEL_LISTS: Final = (
    ("techniques", "techniques", "technique"),
    ("execution_modes", "modalitesExecution", "modaliteExecution"),
    ("price_types", "typesPrix", "typePrix"),
    ("social", "considerationsSociales", "considerationSociale"),
    ("environmental", "considerationsEnvironnementales", "considerationEnvironnementale"),
)
SUBCONTRACT_SCALARS: Final = ScalarTable(
    ("id", "id"),
    ("montant", "amount"),
    ("dureeMois", "duration_months"),
    ("dateNotification", "notification_date"),
    ("datePublicationDonnees", "publication_date"),
    ("variationPrix", "price_variation"),
)
SUBCONTRACT_CHANGE_SCALARS: Final = ScalarTable(
    ("id", "id"),
    ("montant", "amount"),
    ("dureeMois", "duration_months"),
    ("dateNotificationModificationSousTraitance", "notification_date"),
    ("datePublicationDonnees", "publication_date"),
)
_ACT: Final = ("acteSousTraitance",)
# the XSD spells it "modificationActesSousTraitance", the JSON schema "modificationActe..."
_ACT_CHANGE: Final = ("modificationActeSousTraitance", "modificationActesSousTraitance")
MARCHE_ARRAY = "marches.marche"
CONCESSION_ARRAY = "marches.contrat-concession"
STRUCTURE_HINT_2024 = (
    'Format DECP 2024 attendu : {"marches": {"marche": [...], "contrat-concession": [...]}} ; '
    'un fichier au format 2019 a {"marches": [...]}.'
)


def _subcontracts(mapper: RecordMapper) -> list[RawSubcontract]:
    out: list[RawSubcontract] = []
    raw = mapper.record.pop("actesSousTraitance", None)
    if not raw and type(raw) is list:
        return out
    for index, item in enumerate(mapper.items(raw, _ACT, "actesSousTraitance")):
        field = f"actesSousTraitance[{index}]"
        if not isinstance(item, dict):
            mapper.reject_field(field, "pas un objet acte de sous-traitance", item)
            continue
        act: dict[str, object] = {}
        mapper.scalars(item, SUBCONTRACT_SCALARS, act, f"{field}.")
        party = mapper.party(item.pop("sousTraitant", None), f"{field}.sousTraitant")
        if party is not None:
            act["subcontractor"] = party
        for key, rest in item.items():
            mapper.extra[f"{field}.{key}"] = rest
        out.append(cast(RawSubcontract, act))
    return out


def _subcontract_changes(mapper: RecordMapper) -> list[RawSubcontractChange]:
    out: list[RawSubcontractChange] = []
    raw = mapper.record.pop("modificationsActesSousTraitance", None)
    if not raw and type(raw) is list:
        return out
    for index, item in enumerate(mapper.items(raw, _ACT_CHANGE, "modificationsActesSousTraitance")):
        field = f"modificationsActesSousTraitance[{index}]"
        if not isinstance(item, dict):
            mapper.reject_field(field, "pas un objet modification d'acte de sous-traitance", item)
            continue
        change: dict[str, object] = {}
        mapper.scalars(item, SUBCONTRACT_CHANGE_SCALARS, change, f"{field}.")
        for key, rest in item.items():
            mapper.extra[f"{field}.{key}"] = rest
        out.append(cast(RawSubcontractChange, change))
    return out


def map_2024(value: object, ref: str, kind: Kind, ctx: ReadContext) -> RawContract | None:
    """Map one marché or contrat de concession; None (and a rejection) if not a record.

    The record is consumed: its mapped keys are popped.
    """
    if not isinstance(value, dict):
        ctx.reject(ref, "pas un enregistrement (objet JSON attendu)", raw_value=value)
        return None
    mapper = RecordMapper(value, ref, ctx)
    record = mapper.record
    out = new_contract(ref, kind)
    mapper.scalars(record, SCALARS_2024, out, "")
    for field, key, wrapper in LABEL_LISTS:
        out[field] = mapper.values(record, key, wrapper)
    mapper.buyer(out)
    mapper.place(out)
    suppliers: list[RawParty] | None = mapper.suppliers(record, "")
    out["suppliers"] = suppliers or []
    out["modifications"] = mapper.modifications()
    out["subcontracts"] = _subcontracts(mapper)
    out["subcontract_changes"] = _subcontract_changes(mapper)
    return mapper.finish(out)


class Decp2024Source:
    """DECP format 2024 (JSON)."""

    name = "decp-2024"
    label = "DECP format 2024 (JSON, arrêté du 22 décembre 2022)"
    shares = True

    def sniff(self, head: bytes, path: Path) -> bool:  # noqa: ARG002
        return marches_bracket(head) == b"{"

    def read(self, path: Path, ctx: ReadContext) -> Iterator[RawContract]:
        targets: dict[tuple[str, ...], str] = {
            ("marches", "marche"): MARCHE_ARRAY,
            ("marches", "contrat-concession"): CONCESSION_ARRAY,
        }
        records = JsonRecords(path, ctx, targets, structure_hint=STRUCTURE_HINT_2024)
        for ref, value in records:
            kind: Kind = "marche" if ref.startswith(MARCHE_ARRAY + "[") else "concession"
            contract = map_2024(value, ref, kind, ctx)
            if contract is not None:
                yield contract


SOURCE = Decp2024Source()

"""DECP format 2019 (arrêté du 22 mars 2019, schema v1.5): ``{"marches": [...]}``.

Each item is a marché or a contrat de concession (``_type``). The mapping helpers of this module
(:class:`RecordMapper`) are shared with the 2024 format, whose records extend the 2019 ones.
Values are left raw: cleaning is done by :mod:`ancrage.ingest.normalise`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import Any, Final, cast

import msgspec

from ancrage.sources.base import Kind, RawContract, RawModification, RawParty, ReadContext
from ancrage.sources.jsonstream import JsonRecords


class ScalarTable:
    """(key of the source record, canonical field) pairs, in order of priority.

    When two keys give the same field, the first non-null one wins and the other goes to extra.
    """

    __slots__ = ("alternates", "fields", "keys", "pairs")

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = pairs
        seen: set[str] = set()
        primary: list[tuple[str, str]] = []
        alternates: list[tuple[str, str]] = []
        for key, field in pairs:
            (alternates if field in seen else primary).append((key, field))
            seen.add(field)
        self.keys = tuple(key for key, _ in primary)
        self.fields = tuple(field for _, field in primary)
        self.alternates = tuple(alternates)


SCALARS_2019: Final = ScalarTable(
    ("uid", "uid"),
    ("source", "source_name"),
    ("id", "id"),
    ("objet", "object"),
    ("codeCPV", "cpv"),
    ("nature", "nature"),
    ("procedure", "procedure"),
    ("formePrix", "price_form"),
    ("dureeMois", "duration_months"),
    ("dateNotification", "notification_date"),
    ("dateSignature", "notification_date"),
    ("datePublicationDonnees", "publication_date"),
    ("dateDebutExecution", "start_date"),
    ("montant", "amount"),
    ("valeurGlobale", "amount"),
    ("montantSubventionPublique", "public_subsidy"),
)

# every key of a RawContract, so that all readers give the same shape
CONTRACT_FIELDS: Final = (
    "uid", "source_name", "id", "object", "cpv", "nature", "procedure", "techniques",
    "execution_modes", "price_form", "price_types", "place_code", "place_type", "place_name",
    "duration_months", "notification_date", "publication_date", "start_date", "amount",
    "public_subsidy", "offers_received", "innovative", "ccag", "advance", "advance_rate",
    "grouping_type", "subcontracting_declared", "origin_eu", "origin_fr", "social",
    "environmental", "framework_id",
)  # fmt: skip

MODIFICATION_SCALARS: Final = ScalarTable(
    ("id", "id"),
    ("objetModification", "object"),
    ("montant", "amount"),
    ("valeurGlobale", "amount"),
    ("dureeMois", "duration_months"),
    ("dateNotificationModification", "notification_date"),
    ("dateSignatureModification", "notification_date"),
    ("datePublicationDonneesModification", "publication_date"),
)
_ABSENT: Final = object()
_PARTY_KEYS: Final = frozenset({"typeIdentifiant", "id", "denominationSociale", "nom"})
_BUYER_KEYS: Final = ("acheteur", "autoriteConcedante")
_SUPPLIER_KEYS: Final = (("titulaires", ("titulaire",)), ("concessionnaires", ("concessionnaire",)))
_MODIFICATION: Final = ("modification",)
_CONCESSION_HINTS: Final = ("autoriteConcedante", "concessionnaires", "valeurGlobale")
STRUCTURE_HINT_2019 = (
    'Format DECP 2019 attendu : {"marches": [...]} ; '
    'un fichier au format 2024 a {"marches": {"marche": [...]}}.'
)


def unwrap(value: dict[str, object], wrappers: tuple[str, ...]) -> object:
    """The content of a one-key wrapper object (``{"titulaire": {...}}``), else the object."""
    if len(value) == 1:
        key = next(iter(value))
        if key in wrappers:
            return value[key]
    return value


def kind_of(raw_type: object, record: Mapping[str, object]) -> Kind | None:
    """The kind given by ``_type`` (mojibake tolerated), or inferred from the fields."""
    if isinstance(raw_type, str):
        label = raw_type.strip().lower()
        if label.startswith("march"):
            return "marche"
        if "concession" in label:
            return "concession"
        return None
    if raw_type is not None:
        return None
    return "concession" if any(key in record for key in _CONCESSION_HINTS) else "marche"


class RecordMapper:
    """Map one record: pop what is mapped, keep the rest in ``extra``, reject bad shapes."""

    def __init__(self, record: dict[str, object], ref: str, ctx: ReadContext) -> None:
        self.record = record  # consumed: mapped keys are popped
        self.ref = ref
        self.ctx = ctx
        self.extra: dict[str, object] = {}
        self.raw_id = record.get("id")

    def reject_field(self, field: str, reason: str, value: object) -> None:
        record_id = None if self.raw_id is None else str(self.raw_id)[:200]
        self.ctx.reject(self.ref, reason, record_id=record_id, field=field, raw_value=value)

    def scalars(
        self, source: dict[str, object], table: ScalarTable, out: dict[str, object], prefix: str
    ) -> None:
        """Fill ``out`` from ``source``, popping what is mapped."""
        pop = source.pop
        out.update(zip(table.fields, map(pop, table.keys, repeat(None)), strict=True))
        for key, field in table.alternates:
            value = pop(key, None)
            if value is None:
                continue
            if out[field] is None:
                out[field] = value
            else:
                self.extra[prefix + key] = value

    def party(self, value: object, field: str) -> RawParty | None:
        if type(value) is dict:
            if not _PARTY_KEYS.issuperset(value):
                for key in value.keys() - _PARTY_KEYS:
                    self.extra[f"{field}.{key}"] = value[key]
            name = value.get("denominationSociale")
            return {
                "id_type": value.get("typeIdentifiant"),
                "id": value.get("id"),
                "name": value.get("nom") if name is None else name,
            }
        if isinstance(value, dict):  # a dict subclass: same as above, slower path
            return self.party(dict(value), field)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return {"id_type": None, "id": value, "name": None}  # an id given alone
        if value is not None:
            self.reject_field(field, "pas un objet titulaire / acheteur", value)
        return None

    def items(self, value: object, wrappers: tuple[str, ...], field: str) -> list[object]:
        """The items of a list, wrapped (``[{"titulaire": {...}}]``) or not."""
        if value is None:
            return []
        if type(value) is list and len(wrappers) == 1:  # fast path: the usual shapes
            wrapper = wrappers[0]
            try:
                items = [item[wrapper] for item in value if len(item) == 1]
            except (KeyError, TypeError):
                pass
            else:
                if len(items) == len(value) and all(type(item) is dict for item in items):
                    return items
            if all(type(item) is dict for item in value) and not any(
                len(item) == 1 and wrapper in item for item in value
            ):
                return list(value)  # unwrapped variant
        if isinstance(value, dict):
            value = unwrap(value, wrappers)  # {"titulaire": [...]} or {"titulaire": {...}}
            if value is None:
                return []
            if isinstance(value, dict):
                return [value]
        if not isinstance(value, list):
            self.reject_field(field, "pas une liste", value)
            return []
        out: list[object] = []
        for item in value:
            if isinstance(item, dict):
                item = unwrap(item, wrappers)
            if isinstance(item, list):  # nested list found in the wild
                out.extend(item)
            elif item is not None:
                out.append(item)
        return out

    def values(self, source: dict[str, object], key: str, wrapper: str) -> list[object] | None:
        """A list of labels (``{"technique": [...]}``), wrapped or not; None when absent."""
        value = source.pop(key, None)
        if value is None:
            return None
        if type(value) is dict:
            value = value[wrapper] if len(value) == 1 and wrapper in value else value
            if value is None:
                return []
            if type(value) is list:
                return value  # the usual case
        if isinstance(value, str | int | float):
            return [value]
        if isinstance(value, list):
            out: list[object] = []
            for item in value:
                if isinstance(item, dict):
                    item = unwrap(item, (wrapper,))
                if isinstance(item, list):
                    out.extend(item)
                else:
                    out.append(item)
            return out
        self.reject_field(key, "pas une liste de libellés", value)
        return None

    def parties(self, value: object, wrapper: tuple[str, ...], field: str) -> list[RawParty]:
        parties = [self.party(item, field) for item in self.items(value, wrapper, field)]
        return [party for party in parties if party is not None]

    def suppliers(self, source: dict[str, object], prefix: str) -> list[RawParty] | None:
        """titulaires / concessionnaires of ``source``; None when neither key is present."""
        found: list[RawParty] | None = None
        for key, wrapper in _SUPPLIER_KEYS:
            if key in source:
                parties = self.parties(source.pop(key), wrapper, prefix + key)
                found = parties if found is None else found + parties
        return found

    def buyer(self, out: dict[str, object]) -> None:
        record = self.record
        for key in _BUYER_KEYS:
            if key in record:
                raw = record.pop(key)
                if "buyer" in out:  # both acheteur and autoriteConcedante: keep the second raw
                    if raw is not None:
                        self.extra[key] = raw
                    continue
                party = self.party(raw, key)
                if party is not None:
                    out["buyer"] = party
        flat = record.pop("acheteur.id", None)  # flat key found in the wild
        if flat is not None and "buyer" not in out:
            out["buyer"] = {"id_type": None, "id": flat, "name": None}
        elif flat is not None:
            self.extra["acheteur.id"] = flat

    def place(self, out: dict[str, object]) -> None:
        value = self.record.pop("lieuExecution", None)
        code = type_code = name = None
        if isinstance(value, dict):
            code = value.pop("code", None)
            type_code = value.pop("typeCode", None)
            name = value.pop("nom", None)
            for key, rest in value.items():
                self.extra[f"lieuExecution.{key}"] = rest
        elif value is not None:
            self.reject_field("lieuExecution", "pas un objet lieu d'exécution", value)
        out["place_code"] = code
        out["place_type"] = type_code
        out["place_name"] = name

    def modifications(self) -> list[RawModification]:
        out: list[RawModification] = []
        raw = self.record.pop("modifications", None)
        if not raw and type(raw) is list:
            return out
        items = self.items(raw, _MODIFICATION, "modifications")
        for index, item in enumerate(items):
            field = f"modifications[{index}]"
            if not isinstance(item, dict):
                self.reject_field(field, "pas un objet modification", item)
                continue
            mod: dict[str, object] = {}
            self.scalars(item, MODIFICATION_SCALARS, mod, f"{field}.")
            mod["suppliers"] = self.suppliers(item, f"{field}.")
            for key, rest in item.items():
                self.extra[f"{field}.{key}"] = rest
            out.append(cast(RawModification, mod))
        return out

    def finish(self, out: dict[str, object]) -> RawContract:
        """Move the keys left in the record to ``extra`` and return the contract."""
        self.extra.update(self.record)
        out["extra"] = self.extra
        return cast(RawContract, out)


def new_contract(ref: str, kind: Kind) -> dict[str, object]:
    out: dict[str, object] = dict.fromkeys(CONTRACT_FIELDS)
    out["ref"] = ref
    out["kind"] = kind
    return out


def map_2019(value: object, ref: str, ctx: ReadContext) -> RawContract | None:
    """Map one item of the ``marches`` array; None (and a rejection) if it is not a record.

    The item is consumed: its mapped keys are popped.
    """
    if not isinstance(value, dict):
        ctx.reject(ref, "pas un enregistrement (objet JSON attendu)", raw_value=value)
        return None
    mapper = RecordMapper(value, ref, ctx)
    record = mapper.record
    raw_type = record.pop("_type", None)
    kind = kind_of(raw_type, record)
    if kind is None:  # unknown _type: infer from the fields, keep the raw value
        mapper.extra["_type"] = raw_type
        kind = kind_of(None, record)
        assert kind is not None
    out = new_contract(ref, kind)
    mapper.scalars(record, SCALARS_2019, out, "")
    mapper.buyer(out)
    mapper.place(out)
    out["suppliers"] = mapper.suppliers(record, "") or []
    out["modifications"] = mapper.modifications()
    out["subcontracts"] = []
    out["subcontract_changes"] = []
    return mapper.finish(out)


_MARCHES_KEY = re.compile(rb'"marches"\s*:\s*([\[{])')


def marches_bracket(head: bytes) -> bytes | None:
    """``[`` or ``{``: what the first ``"marches"`` key of a JSON head holds, if any."""
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return None
    found = _MARCHES_KEY.search(head)
    return None if found is None else found.group(1)


# -- typed decoding (shares of a big file) ------------------------------------------------------
# A share of a big file decodes its items with msgspec straight into these structs, the usual
# shape of a marché; any other shape (a key not listed here, a wrapped or null titulaire, a
# concession, modifications) fails validation and is decoded as a dict for map_2019. Values stay
# raw (``Any``): the normaliser cleans them, whatever their type.


class _Party2019(msgspec.Struct, forbid_unknown_fields=True):
    typeIdentifiant: Any = None
    id: Any = None
    denominationSociale: Any = None
    nom: Any = None


class _Place2019(msgspec.Struct, forbid_unknown_fields=True):
    code: Any = None
    typeCode: Any = None
    nom: Any = None


class Marche2019(msgspec.Struct, forbid_unknown_fields=True):
    """A 2019 marché of the usual shape (see :func:`decode_2019`)."""

    uid: Any = None
    source: Any = None
    id: Any = None
    type_: Any = msgspec.field(default=None, name="_type")
    objet: Any = None
    codeCPV: Any = None
    nature: Any = None
    procedure: Any = None
    formePrix: Any = None
    dureeMois: Any = None
    dateNotification: Any = None
    datePublicationDonnees: Any = None
    dateDebutExecution: Any = None
    montant: Any = None
    montantSubventionPublique: Any = None
    acheteur: _Party2019 | None = None
    lieuExecution: _Place2019 | None = None
    titulaires: list[_Party2019] | None = None
    modifications: list[Any] | None = None


_TYPED_2019 = msgspec.json.Decoder(Marche2019)
_TYPED_SCALARS = attrgetter(*SCALARS_2019.keys)  # a Marche2019's fields are named as the keys
_GENERIC = msgspec.json.Decoder()


def decode_2019(raw: msgspec.Raw) -> object:
    """An item of a 2019 file: a :class:`Marche2019` when it has the usual shape, else as
    :func:`json.loads` would give it."""
    try:
        record = _TYPED_2019.decode(raw)
    except msgspec.ValidationError:
        return _GENERIC.decode(raw)
    if record.modifications or _type_kind(record.type_) != "marche":
        return _GENERIC.decode(raw)
    return record


_TYPE_KINDS: dict[tuple[type, object], Kind | None] = {}


def _type_kind(raw_type: object) -> Kind | None:
    """:func:`kind_of` a ``_type`` alone, cached (a file holds a handful of them)."""
    key = (type(raw_type), raw_type)
    try:
        return _TYPE_KINDS[key]
    except KeyError:
        kind = kind_of(raw_type, {})
        if len(_TYPE_KINDS) < 1_000:
            _TYPE_KINDS[key] = kind
        return kind
    except TypeError:  # a list or an object
        return kind_of(raw_type, {})


def _typed_party(party: _Party2019) -> RawParty:
    name = party.denominationSociale
    return {
        "id_type": party.typeIdentifiant,
        "id": party.id,
        "name": party.nom if name is None else name,
    }


def map_typed_2019(record: Marche2019, ref: str) -> RawContract:
    """What :func:`map_2019` gives for the same item decoded as a dict (a test holds them equal)."""
    out = new_contract(ref, "marche")
    out.update(zip(SCALARS_2019.fields, _TYPED_SCALARS(record), strict=True))
    if record.acheteur is not None:
        out["buyer"] = _typed_party(record.acheteur)
    place = record.lieuExecution
    if place is not None:
        out["place_code"], out["place_type"], out["place_name"] = (
            place.code,
            place.typeCode,
            place.nom,
        )
    out["suppliers"] = [_typed_party(p) for p in record.titulaires or ()]
    out["modifications"] = []
    out["subcontracts"] = []
    out["subcontract_changes"] = []
    out["extra"] = {}
    return cast(RawContract, out)


class Decp2019Source:
    """DECP format 2019 (JSON)."""

    name = "decp-2019"
    label = "DECP format 2019 (JSON, arrêté du 22 mars 2019)"
    shares = True

    def sniff(self, head: bytes, path: Path) -> bool:  # noqa: ARG002
        return marches_bracket(head) == b"["

    def read(self, path: Path, ctx: ReadContext) -> Iterator[RawContract]:
        records = JsonRecords(
            path,
            ctx,
            {("marches",): "marches"},
            structure_hint=STRUCTURE_HINT_2019,
            decode=decode_2019,
        )
        for ref, value in records:
            contract = (
                map_typed_2019(value, ref)
                if type(value) is Marche2019
                else map_2019(value, ref, ctx)
            )
            if contract is not None:
                yield contract


SOURCE = Decp2019Source()

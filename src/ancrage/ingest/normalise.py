"""From :class:`~ancrage.sources.base.RawContract` to canonical rows, with repairs and quarantine.

One :class:`Normaliser` per input file. :meth:`Normaliser.add` turns a raw record into rows of the
canonical tables (see :mod:`ancrage.model`), a repair-log row for every value it changed or dropped,
or a quarantine row when the record cannot be identified (no contract id, no buyer id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from ancrage.ingest import values as V
from ancrage.ingest.lookups import settings, table
from ancrage.sources.base import RawContract, RawParty

Row = dict[str, Any]

AMOUNT_FLAGS: dict[str, str] = {
    "missing": "montant absent",
    "non_positive": "montant nul ou négatif",
    "over_max": "montant supérieur à 10 milliards d'euros",
    "placeholder": "montant de remplissage (999999…, 123456…)",
    "under_min": "montant inférieur à 1 euro",
    "absurd_per_month": "montant invraisemblable rapporté à la durée",
}

FLAGS: dict[str, str] = {
    "duration_zero": "durée de 0 mois",
    "duration_over_max": "durée supérieure à 1 200 mois",
    "notification_date_missing": "date de notification absente",
    "notification_date_future": "date de notification dans le futur",
    "buyer_siret_invalid": "SIRET de l'acheteur invalide",
    "buyer_is_supplier": "l'acheteur est aussi titulaire",
    "cpv_missing": "code CPV absent",
    "subcontracting_undeclared": (
        "actes de sous-traitance alors que la sous-traitance n'est pas déclarée"
    ),
    "unknown_consideration": "considération sociale ou environnementale non reconnue",
}

# repair-log field names that differ from the contracts column
_REPAIR_FIELD = {"buyer_name": "buyer.name", "buyer_department": "buyer.department"}

QUARANTINE_REASONS = {
    "no_id": "identifiant du contrat absent ou illisible",
    "no_buyer": "identifiant de l'acheteur absent ou illisible",
}


def contract_key(kind: str, buyer_id: str, record_id: str, supplier_ids: Iterable[str]) -> str:
    """What identifies a contract across publications (see docs/canonical-model.md).

    Kind, buyer, contract id and the *initial* suppliers: lots published under one id with
    different suppliers stay distinct contracts; re-publications of the same contract (by another
    channel, or later with modifications, which are separate) share the key.
    """
    return f"{kind}|{buyer_id}|{record_id}|{','.join(sorted(set(supplier_ids)))}"


def contract_id(kind: str, buyer_id: str, record_id: str, supplier_ids: Iterable[str]) -> str:
    """Stable id from raw values (compacted): the same contract always gets the same id."""
    key = contract_key(kind, buyer_id, record_id, supplier_ids)
    return "DC" + hashlib.blake2b(key.encode(), digest_size=8).hexdigest()


def initial_supplier_ids(parties: object) -> list[str]:
    """Cleaned ids of the suppliers named at notification (before any modification)."""
    if not isinstance(parties, list):
        return []
    ids = []
    for p in parties:
        if isinstance(p, dict):
            sid = V.siret(p.get("id"), V.id_type(p.get("id_type"))[0])[0]
            if sid is not None:
                ids.append(sid)
    return ids


def content_id(raw: RawContract) -> str:
    """An id for a record published without one: a hash of its raw content (position aside)."""
    content = {k: v for k, v in raw.items() if k != "ref"}
    digest = hashlib.blake2b(
        orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str), digest_size=8
    ).hexdigest()
    return f"sans-id-{digest}"


def _placeholder_patterns() -> list[re.Pattern[str]]:
    return [re.compile(p) for p in settings("plausibility")["amount"]["placeholders"]]


def amount_flag(amount: float | None, duration: int | None) -> str | None:
    """Why an amount is implausible (a key of :data:`AMOUNT_FLAGS`), or None."""
    cfg = settings("plausibility")["amount"]
    if amount is None:
        return "missing"
    if amount <= 0:
        return "non_positive"
    if amount > cfg["max_eur"]:
        return "over_max"
    written = f"{amount:.2f}".removesuffix(".00")
    if any(p.match(written) for p in _PLACEHOLDERS):
        return "placeholder"
    if amount < cfg["min_eur"]:
        return "under_min"
    if duration and amount / duration > cfg["max_eur_per_month"]:
        return "absurd_per_month"
    return None


_PLACEHOLDERS: list[re.Pattern[str]] = []  # compiled on first use (no import-time work)


def _ensure_patterns() -> None:
    if not _PLACEHOLDERS:
        _PLACEHOLDERS.extend(_placeholder_patterns())


@dataclass
class Normaliser:
    """Normalises the records of one file into canonical rows (kept in memory until drained)."""

    file_id: str
    source_format: str
    source_file: str
    today: dt.date = field(default_factory=dt.date.today)
    contracts: list[Row] = field(default_factory=list)
    suppliers: list[Row] = field(default_factory=list)
    modifications: list[Row] = field(default_factory=list)
    subcontracting: list[Row] = field(default_factory=list)
    repairs: list[Row] = field(default_factory=list)
    quarantine: list[Row] = field(default_factory=list)
    quarantined_records: int = 0

    def __post_init__(self) -> None:
        _ensure_patterns()
        self._max_months: int = settings("plausibility")["duration"]["max_months"]
        today = self.today
        self._date = V.memo(lambda raw: V.date(raw, today=today))

    # -- helpers -----------------------------------------------------------------------------
    def _quarantine(
        self, ref: str, record_id: object, field_name: str | None, raw: object, reason: str
    ) -> None:
        self.quarantine.append(
            {
                "file_id": self.file_id,
                "source_file": self.source_file,
                "source_record": ref,
                "record_id": None if record_id is None else str(record_id)[:200],
                "field": field_name,
                "raw_value": None if raw is None else str(raw)[:500],
                "reason": reason,
            }
        )

    def reject(
        self, ref: str, record_id: str | None, field_name: str | None, raw: str | None, reason: str
    ) -> None:
        """Quarantine an item the reader could not read as a record."""
        self._quarantine(ref, record_id, field_name, raw, reason)
        self.quarantined_records += 1

    # -- main --------------------------------------------------------------------------------
    def add(self, pos: int, raw: RawContract) -> bool:
        """Normalise one record; False when it was quarantined."""
        ref = raw.get("ref", f"#{pos}")
        kind = raw.get("kind", "marche")
        raw_id = raw.get("id")
        rid, _ = V.identifier(raw_id)
        buyer_obj = raw.get("buyer")
        buyer: RawParty = buyer_obj if isinstance(buyer_obj, dict) else {}
        buyer_raw = buyer.get("id")
        buyer_id, buyer_rule = V.siret(buyer_raw, "SIRET")
        derived_id = False
        if rid is None and raw_id is None:
            # no id at all (seen on 2019 concessions): a stable id from the record's content
            rid, derived_id = content_id(raw), True
        if rid is None:
            self._quarantine(ref, raw_id, "id", raw_id, QUARANTINE_REASONS["no_id"])
            self.quarantined_records += 1
            return False
        if buyer_id is None:
            self._quarantine(ref, raw_id, "buyer.id", buyer_raw, QUARANTINE_REASONS["no_buyer"])
            self.quarantined_records += 1
            return False

        supplier_ids = initial_supplier_ids(raw.get("suppliers"))
        cid = contract_id(kind, buyer_id, rid, supplier_ids)
        starts = [len(t) for t in self._children()]
        ctx = _Fields(self, cid, ref)
        if derived_id:
            ctx.log("id", None, rid, "id_derived_from_content")
        elif rid != str(raw_id).strip():
            ctx.log("id", raw_id, rid, "siret_separators_removed")
        if buyer_rule:
            ctx.log("buyer.id", buyer_raw, buyer_id, buyer_rule)

        flags: list[str] = []
        amount0 = ctx.fix("amount", raw.get("amount"), V.number)
        duration0 = ctx.fix("duration_months", raw.get("duration_months"), V.integer)
        notified = ctx.fix("notification_date", raw.get("notification_date"), self._date)
        procedure = ctx.fix("procedure", raw.get("procedure"), _procedure)
        nature = ctx.fix("nature", raw.get("nature"), _nature)
        techniques = ctx.fix_list("techniques", raw.get("techniques"))
        nature_row = table("natures").get(nature) if nature else None
        is_framework = bool(nature_row and nature_row["framework"] == "true") or any(
            t.casefold().startswith("accord-cadre") for t in techniques or []
        )

        # suppliers, modifications
        initial = self._parties(ctx, "suppliers", raw.get("suppliers") or [])
        amount, duration, current = amount0, duration0, initial
        origin = "initial"
        mods = _as_list(raw.get("modifications"))
        for seq, mod in enumerate(mods):
            if not isinstance(mod, dict):
                ctx.log(f"modifications[{seq}]", mod, None, "wrong_type_dropped")
                continue
            path = f"modifications[{seq}]"
            m_amount = ctx.fix(f"{path}.amount", mod.get("amount"), V.number)
            m_duration = ctx.fix(f"{path}.duration_months", mod.get("duration_months"), V.integer)
            m_parties = mod.get("suppliers")
            m_suppliers = self._parties(ctx, f"{path}.suppliers", m_parties or [])
            self.modifications.append(
                {
                    "contract_id": cid,
                    "file_id": self.file_id,
                    "seq": seq,
                    "modification_id": ctx.fix(f"{path}.id", mod.get("id"), V.identifier),
                    "object": ctx.fix(f"{path}.object", mod.get("object"), V.text),
                    "amount": m_amount,
                    "duration_months": m_duration,
                    "notification_date": ctx.fix(
                        f"{path}.notification_date", mod.get("notification_date"), self._date
                    ),
                    "publication_date": ctx.fix(
                        f"{path}.publication_date", mod.get("publication_date"), self._date
                    ),
                    "suppliers": [{"id_type": s[0], "id": s[1], "name": s[2]} for s in m_suppliers],
                }
            )
            if m_amount is not None:
                amount = m_amount
            if m_duration is not None:
                duration = m_duration
            if m_suppliers:
                current, origin = m_suppliers, "modification"

        n_mods = len(mods)
        flag = amount_flag(amount, duration)
        share = amount / len(current) if amount is not None and current else None
        for rank, (id_type, sid, name, dep) in enumerate(current):
            self.suppliers.append(
                {
                    "contract_id": cid,
                    "file_id": self.file_id,
                    "rank": rank,
                    "id_type": id_type,
                    "supplier_id": sid,
                    "supplier_siret": sid if V.is_valid_siret(sid) else None,
                    "supplier_name": name,
                    "department": dep,
                    "amount_share": share,
                    "share_method": "equal_split",
                    "origin": origin,
                }
            )
        if any(sid == buyer_id for _, sid, _, _ in current):
            flags.append("buyer_is_supplier")

        n_subs = self._subcontracts(ctx, cid, raw)
        declared = ctx.fix("subcontracting_declared", raw.get("subcontracting_declared"), V.boolean)
        if n_subs and declared is False:
            flags.append("subcontracting_undeclared")

        env = self._considerations(ctx, "environmental", raw.get("environmental"), flags)
        soc = self._considerations(ctx, "social", raw.get("social"), flags)
        cpv = ctx.fix("cpv", raw.get("cpv"), V.cpv)
        if cpv is None:
            flags.append("cpv_missing")
        if notified is None:
            flags.append("notification_date_missing")
        elif notified > self.today:
            flags.append("notification_date_future")
        if duration == 0:
            flags.append("duration_zero")
        elif duration is not None and duration > self._max_months:
            flags.append("duration_over_max")
        if not V.is_valid_siret(buyer_id):
            flags.append("buyer_siret_invalid")

        proc_row = table("procedures").get(procedure) if procedure else None
        extra = raw.get("extra")
        self.contracts.append(
            {
                "contract_id": cid,
                "kind": kind,
                "file_id": self.file_id,
                "source_format": self.source_format,
                "source_file": self.source_file,
                "source_record": ref,
                "source_name": raw.get("source_name"),
                "uid": raw.get("uid"),
                "raw_id": str(raw_id),
                "buyer_id": buyer_id,
                "buyer_siret": buyer_id if V.is_valid_siret(buyer_id) else None,
                "buyer_name": buyer.get("name"),
                "buyer_department": buyer.get("department"),
                "object": raw.get("object"),
                "cpv": cpv,
                "nature": nature,
                "is_framework": is_framework,
                "procedure": procedure,
                "procedure_family": proc_row["family"] if proc_row else None,
                "techniques": techniques,
                "execution_modes": ctx.fix_list("execution_modes", raw.get("execution_modes")),
                "price_form": raw.get("price_form"),
                "price_types": ctx.fix_list("price_types", raw.get("price_types")),
                "place_code": raw.get("place_code"),
                "place_type": raw.get("place_type"),
                "place_name": raw.get("place_name"),
                "notification_date": notified,
                "notification_year": notified.year if notified else None,
                "publication_date": raw.get("publication_date"),
                "start_date": raw.get("start_date"),
                "amount_initial": amount0,
                "amount": amount,
                "amount_flag": flag,
                "duration_initial_months": duration0,
                "duration_months": duration,
                "public_subsidy": raw.get("public_subsidy"),
                "offers_received": raw.get("offers_received"),
                "innovative": raw.get("innovative"),
                "ccag": raw.get("ccag"),
                "advance": raw.get("advance"),
                "advance_rate": raw.get("advance_rate"),
                "grouping_type": raw.get("grouping_type"),
                "subcontracting_declared": declared,
                "origin_eu": raw.get("origin_eu"),
                "origin_fr": raw.get("origin_fr"),
                "framework_id": raw.get("framework_id"),
                "env_reported": env is not None,
                "env_clause": None if env is None else "clause" in env,
                "env_criterion": None if env is None else "criterion" in env,
                "env_none": None if env is None else "none" in env,
                "social_reported": soc is not None,
                "social_clause": None if soc is None else "clause" in soc,
                "social_criterion": None if soc is None else "criterion" in soc,
                "social_reserved": None if soc is None else "reserved" in soc,
                "social_none": None if soc is None else "none" in soc,
                "n_suppliers": len(current),
                "n_modifications": n_mods,
                "n_subcontracts": n_subs,
                "flags": flags,
                "extra": orjson.dumps(extra, default=str).decode() if extra else None,
                "record_pos": pos,
                "contract_key": contract_key(kind, buyer_id, rid, supplier_ids),
            }
        )
        for rows, start in zip(self._children(), starts, strict=True):
            for row in rows[start:]:
                row["record_pos"] = pos
        return True

    def _children(self) -> tuple[list[Row], ...]:
        """Tables whose rows belong to a record (repairs last)."""
        return (self.suppliers, self.modifications, self.subcontracting, self.repairs)

    def _deferred(self) -> dict[str, Callable[[Any], tuple[Any, str | None]]]:
        """Contract columns normalised column by column at drain time (they feed no rule)."""
        return {
            "source_name": V.text,
            "uid": V.identifier,
            "buyer_name": V.text,
            "buyer_department": V.text,
            "object": V.text,
            "price_form": V.text,
            "place_code": V.text,
            "place_type": V.text,
            "place_name": V.text,
            "publication_date": self._date,
            "start_date": self._date,
            "public_subsidy": V.number,
            "offers_received": V.integer,
            "innovative": V.boolean,
            "ccag": V.text,
            "advance": V.boolean,
            "advance_rate": V.number,
            "grouping_type": V.text,
            "origin_eu": V.number,
            "origin_fr": V.number,
            "framework_id": V.identifier,
        }

    def _normalise_deferred(self) -> None:
        """Normalise the deferred columns: each distinct raw value once per batch."""
        rows, repairs = self.contracts, self.repairs
        for name, fn in self._deferred().items():
            label = _REPAIR_FIELD.get(name, name)
            cache: dict[tuple[type, Any], tuple[Any, str | None]] = {}
            for row in rows:
                raw = row[name]
                if raw is None:
                    continue
                try:
                    key = (raw.__class__, raw)
                    fixed = cache.get(key)
                    if fixed is None:
                        fixed = cache[key] = fn(raw)
                except TypeError:  # unhashable (a list where a value was expected)
                    fixed = fn(raw)
                row[name] = fixed[0]
                if fixed[1] is not None:
                    repairs.append(
                        {
                            "file_id": self.file_id,
                            "source_file": self.source_file,
                            "source_record": row["source_record"],
                            "contract_id": row["contract_id"],
                            "field": label,
                            "raw_value": str(raw)[:500],
                            "new_value": None if fixed[0] is None else str(fixed[0])[:500],
                            "rule": fixed[1],
                            "record_pos": row["record_pos"],
                        }
                    )

    def drain(self) -> dict[str, list[Row]]:
        """Hand over the rows buffered so far and start afresh (bounded memory)."""
        self._normalise_deferred()
        out = {
            "contracts": self.contracts,
            "contract_suppliers": self.suppliers,
            "modifications": self.modifications,
            "subcontracting": self.subcontracting,
            "repairs": self.repairs,
            "quarantine": self.quarantine,
        }
        self.contracts, self.suppliers, self.modifications = [], [], []
        self.subcontracting, self.repairs, self.quarantine = [], [], []
        return out

    def _parties(
        self, ctx: _Fields, path: str, parties: Iterable[object]
    ) -> list[tuple[str | None, str, str | None, str | None]]:
        out: list[tuple[str | None, str, str | None, str | None]] = []
        seen: set[tuple[str | None, str]] = set()
        if not isinstance(parties, list):
            ctx.log(path, parties, None, "wrong_type_dropped")
            return out
        for i, p in enumerate(parties):
            if not isinstance(p, dict):
                ctx.log(f"{path}[{i}]", p, None, "wrong_type_dropped")
                continue
            id_type = ctx.fix(f"{path}[{i}].id_type", p.get("id_type"), V.id_type)
            raw_id = p.get("id")
            sid, rule = V.siret(raw_id, id_type)
            if rule:
                ctx.log(f"{path}[{i}].id", raw_id, sid, rule)
            if sid is None:
                ctx.log(f"{path}[{i}]", raw_id, None, "party_without_id_dropped")
                continue
            if (id_type, sid) in seen:
                ctx.log(f"{path}[{i}]", raw_id, None, "duplicate_party_removed")
                continue
            seen.add((id_type, sid))
            name = ctx.fix(f"{path}[{i}].name", p.get("name"), V.text)
            dep = ctx.fix(f"{path}[{i}].department", p.get("department"), V.text)
            out.append((id_type, sid, name, dep))
        return out

    def _subcontracts(self, ctx: _Fields, cid: str, raw: RawContract) -> int:
        changes: dict[str, list[Any]] = {}
        for i, ch in enumerate(_as_list(raw.get("subcontract_changes"))):
            if not isinstance(ch, dict):
                ctx.log(f"subcontract_changes[{i}]", ch, None, "wrong_type_dropped")
                continue
            key, _ = V.identifier(ch.get("id"))
            amount = ctx.fix(f"subcontract_changes[{i}].amount", ch.get("amount"), V.number)
            months = ctx.fix(
                f"subcontract_changes[{i}].duration_months", ch.get("duration_months"), V.integer
            )
            if key is not None:
                changes.setdefault(key, []).append((amount, months))
        n = 0
        for seq, act in enumerate(_as_list(raw.get("subcontracts"))):
            path = f"subcontracts[{seq}]"
            if not isinstance(act, dict):
                ctx.log(path, act, None, "wrong_type_dropped")
                continue
            party = act.get("subcontractor") or {}
            if not isinstance(party, dict):
                ctx.log(f"{path}.subcontractor", party, None, "wrong_type_dropped")
                party = {}
            id_type = ctx.fix(f"{path}.subcontractor.id_type", party.get("id_type"), V.id_type)
            sid, rule = V.siret(party.get("id"), id_type)
            if rule:
                ctx.log(f"{path}.subcontractor.id", party.get("id"), sid, rule)
            act_id = ctx.fix(f"{path}.id", act.get("id"), V.identifier)
            amount0 = ctx.fix(f"{path}.amount", act.get("amount"), V.number)
            months = ctx.fix(f"{path}.duration_months", act.get("duration_months"), V.integer)
            amount = amount0
            for ch_amount, ch_months in changes.get(act_id or "", []):
                amount = ch_amount if ch_amount is not None else amount
                months = ch_months if ch_months is not None else months
            self.subcontracting.append(
                {
                    "contract_id": cid,
                    "file_id": self.file_id,
                    "seq": seq,
                    "act_id": act_id,
                    "id_type": id_type,
                    "subcontractor_id": sid,
                    "subcontractor_siret": sid if V.is_valid_siret(sid) else None,
                    "subcontractor_name": ctx.fix(
                        f"{path}.subcontractor.name", party.get("name"), V.text
                    ),
                    "amount_initial": amount0,
                    "amount": amount,
                    "duration_months": months,
                    "notification_date": ctx.fix(
                        f"{path}.notification_date", act.get("notification_date"), self._date
                    ),
                    "publication_date": ctx.fix(
                        f"{path}.publication_date", act.get("publication_date"), self._date
                    ),
                    "price_variation": ctx.fix(
                        f"{path}.price_variation", act.get("price_variation"), V.text
                    ),
                }
            )
            n += 1
        return n

    def _considerations(
        self, ctx: _Fields, dimension: str, raw: object, flags: list[str]
    ) -> set[str] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        found: set[str] = set()
        for i, item in enumerate(items):
            value, _ = V.text(item)
            if value is None:
                continue
            row = table("considerations").get(value)
            if row is None or row["dimension"] != dimension:
                ctx.log(f"{dimension}[{i}]", item, None, "label_unknown_dropped")
                if "unknown_consideration" not in flags:
                    flags.append("unknown_consideration")
                continue
            found.add(row["value"])
        return found


def _as_list(value: object) -> list[Any]:
    """A list field as a list (a lone object counts as a list of one; anything else is empty)."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict) else []


@V.memo
def _procedure(raw: object) -> tuple[Any, str | None]:
    return V.label(raw, "procedures", "procedure")


@V.memo
def _nature(raw: object) -> tuple[Any, str | None]:
    return V.label(raw, "natures", "nature")


@dataclass
class _Fields:
    """Per-record helper: apply a normaliser to a field and log what it changed."""

    norm: Normaliser
    cid: str
    ref: str

    def log(self, field_name: str, raw: object, new: object, rule: str) -> None:
        self.norm.repairs.append(
            {
                "file_id": self.norm.file_id,
                "source_file": self.norm.source_file,
                "source_record": self.ref,
                "contract_id": self.cid,
                "field": field_name,
                "raw_value": None if raw is None else str(raw)[:500],
                "new_value": None if new is None else str(new)[:500],
                "rule": rule,
            }
        )

    def fix(self, field_name: str, raw: object, fn: Callable[[Any], tuple[Any, str | None]]) -> Any:
        if raw is None:  # every normaliser maps None to None without a repair
            return None
        value, rule = fn(raw)
        if rule is not None:
            self.log(field_name, raw, value, rule)
        return value

    def fix_list(self, field_name: str, raw: object) -> list[str] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        out: list[str] = []
        for i, item in enumerate(items):
            value = self.fix(f"{field_name}[{i}]", item, V.text)
            if value is not None:
                out.append(value)
        return out

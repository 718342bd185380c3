"""From :class:`~ancrage.sources.base.RawContract` to canonical rows, with repairs and quarantine.

One :class:`Normaliser` per input file. :meth:`Normaliser.add` turns a raw record into rows of the
canonical tables (see :mod:`ancrage.model`), a repair-log row for every value it changed or dropped,
or a quarantine row when the record cannot be identified (no contract id, no buyer id).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from typing import Any, TypeGuard

import numpy as np
import orjson

from ancrage.ingest import fastpath
from ancrage.ingest import values as V
from ancrage.ingest.lookups import settings, table
from ancrage.model import CONTRACT_KEY, RECORD_POS
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


def content_id(raw: RawContract) -> str:
    """An id for a record published without one: a hash of its raw content (position aside)."""
    content = {k: v for k, v in raw.items() if k != "ref"}
    digest = hashlib.blake2b(
        orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str), digest_size=8
    ).hexdigest()
    return f"sans-id-{digest}"


@cache
def _plausibility() -> tuple[float, float, float, re.Pattern[str]]:
    """Bounds of plausibility.toml, and its placeholder patterns as one regex."""
    cfg = settings("plausibility")["amount"]
    placeholders = re.compile("|".join(f"(?:{p})" for p in cfg["placeholders"]))
    return cfg["max_eur"], cfg["min_eur"], cfg["max_eur_per_month"], placeholders


def amount_flag(amount: float | None, duration: int | None) -> str | None:
    """Why an amount is implausible (a key of :data:`AMOUNT_FLAGS`), or None."""
    if amount is None:
        return "missing"
    if amount <= 0:
        return "non_positive"
    max_eur, min_eur, max_per_month, placeholders = _plausibility()
    if amount > max_eur:
        return "over_max"
    if placeholders.match(f"{amount:.2f}".removesuffix(".00")):
        return "placeholder"
    if amount < min_eur:
        return "under_min"
    if duration and amount / duration > max_per_month:
        return "absurd_per_month"
    return None


# the contract columns :meth:`Normaliser._record` gives, in order
_RECORD_COLUMNS: tuple[str, ...] = (
    "amount", "amount_flag", "duration_months", "env_reported", "env_clause", "env_criterion",
    "env_none", "social_reported", "social_clause", "social_criterion", "social_reserved",
    "social_none", "n_suppliers", "n_modifications", "n_subcontracts", "flags", "extra",
)  # fmt: skip

# the columns of the contracts buffer (the staging schema of the contracts table)
CONTRACT_COLUMNS: tuple[str, ...] = (
    "contract_id", "kind", "file_id", "source_format", "source_file", "source_record",
    "source_name", "uid", "raw_id", "buyer_id", "buyer_siret", "buyer_name", "buyer_department",
    "object", "cpv", "nature", "is_framework", "procedure", "procedure_family", "techniques",
    "execution_modes", "price_form", "price_types", "place_code", "place_type", "place_name",
    "notification_date", "notification_year", "publication_date", "start_date", "amount_initial",
    "amount", "amount_flag", "duration_initial_months", "duration_months", "public_subsidy",
    "offers_received", "innovative", "ccag", "advance", "advance_rate", "grouping_type",
    "subcontracting_declared", "origin_eu", "origin_fr", "framework_id", "env_reported",
    "env_clause", "env_criterion", "env_none", "social_reported", "social_clause",
    "social_criterion", "social_reserved", "social_none", "n_suppliers", "n_modifications",
    "n_subcontracts", "flags", "extra", RECORD_POS, CONTRACT_KEY,
)  # fmt: skip


Columns = dict[str, list[Any]]
Party = tuple[str | None, str, str | None, str | None]  # id type, id, name, département


@dataclass
class Normaliser:
    """Normalises the records of one file into canonical rows (kept in memory until drained).

    Records come in batches (:meth:`add_batch`): what can be done column by column is (each
    distinct raw value normalised once, the repair log written for the changed ones), what is
    nested (suppliers, modifications, sub-contracting) is done record by record. Contracts are
    buffered as columns, the other tables as rows.
    """

    file_id: str
    source_format: str
    source_file: str
    today: dt.date = field(default_factory=dt.date.today)
    contracts: Columns = field(default_factory=dict)
    suppliers: list[Row] = field(default_factory=list)
    modifications: list[Row] = field(default_factory=list)
    subcontracting: list[Row] = field(default_factory=list)
    repairs: list[Row] = field(default_factory=list)
    quarantine: list[Row] = field(default_factory=list)
    quarantined_records: int = 0
    # column fast path (:mod:`fastpath`); False: every value through the Python normalisers
    fast: bool = field(default_factory=lambda: FAST_PATH)

    def __post_init__(self) -> None:
        self._max_months: int = settings("plausibility")["duration"]["max_months"]
        today = self.today
        self._date = V.memo(lambda raw: V.date(raw, today=today))
        self._lists: dict[tuple[str, ...], tuple[list[str], list[tuple[int, str, Any, str]]]] = {}
        self._considered: dict[tuple[str, tuple[str, ...]], tuple[frozenset[str], list[int]]] = {}
        self._frameworks: dict[str | None, bool] = {}
        self._families: dict[str | None, str | None] = {}
        self.contracts = _empty_columns()

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
        return self.add_batch(pos, [raw]) == 1

    def add_batch(self, start: int | Sequence[int], raws: Sequence[RawContract]) -> int:
        """Normalise records at positions ``start``, ``start + 1``… (or at the positions given);
        return how many were kept."""
        positions = range(start, start + len(raws)) if isinstance(start, int) else start
        recs = self._identify(positions, raws)
        if not recs:
            return 0
        kept = [rec.raw for rec in recs]

        def col(name: str) -> list[Any]:
            return list(map(dict.get, kept, repeat(name)))  # type: ignore[arg-type]

        fix = self._fix_column
        amount0 = fix("amount", col("amount"), V.number, recs)
        duration0 = fix("duration_months", col("duration_months"), V.integer, recs)
        notified = fix("notification_date", col("notification_date"), self._date, recs)
        procedure = fix("procedure", col("procedure"), _procedure, recs)
        nature = fix("nature", col("nature"), _nature, recs)
        techniques = self._fix_lists("techniques", col("techniques"), recs)
        declared = fix("subcontracting_declared", col("subcontracting_declared"), V.boolean, recs)
        cpv = fix("cpv", col("cpv"), V.cpv, recs)

        out = self.contracts
        record = self._record
        rows = list(map(record, recs, amount0, duration0, declared, cpv, notified))
        for name, column in zip(_RECORD_COLUMNS, zip(*rows, strict=True), strict=True):
            out[name] += column

        buyer_ids = [rec.buyer_id for rec in recs]
        out["contract_id"] += [rec.cid for rec in recs]
        out["kind"] += [rec.kind for rec in recs]
        out["file_id"] += [self.file_id] * len(recs)
        out["source_format"] += [self.source_format] * len(recs)
        out["source_file"] += [self.source_file] * len(recs)
        out["source_record"] += [rec.ref for rec in recs]
        out["raw_id"] += [str(raw.get("id")) for raw in kept]
        out["buyer_id"] += buyer_ids
        out["buyer_siret"] += [b if V.is_valid_siret(b) else None for b in buyer_ids]
        out["cpv"] += cpv
        out["nature"] += nature
        out["is_framework"] += [
            self._framework_nature(n) or _framework_technique(t)
            for n, t in zip(nature, techniques, strict=True)
        ]
        out["procedure"] += procedure
        out["procedure_family"] += [self._family(p) for p in procedure]
        out["techniques"] += techniques
        out["execution_modes"] += self._fix_lists(
            "execution_modes", col("execution_modes"), recs
        )
        out["price_types"] += self._fix_lists("price_types", col("price_types"), recs)
        out["notification_date"] += notified
        out["notification_year"] += [d.year if d else None for d in notified]
        out["amount_initial"] += amount0
        out["duration_initial_months"] += duration0
        out["subcontracting_declared"] += declared
        out["record_pos"] += [rec.pos for rec in recs]
        out["contract_key"] += [rec.key for rec in recs]
        for name, fn in self._deferred().items():
            if name.startswith("buyer_"):
                raws_ = [rec.buyer.get(name.removeprefix("buyer_")) for rec in recs]
            else:
                raws_ = col(name)
            out[name] += fix(_REPAIR_FIELD.get(name, name), raws_, fn, recs)
        return len(recs)

    def _identify(self, positions: Sequence[int], raws: Sequence[RawContract]) -> list[_Rec]:
        """Stable ids of the records; quarantine those without a contract or buyer id."""
        recs: list[_Rec] = []
        identifier, siret = V.identifier, V.siret
        fast = self.fast
        id_kinds = fastpath.identifier_kinds([raw.get("id") for raw in raws]) if fast else None
        plain_ids = (
            [False] * len(raws) if id_kinds is None else (id_kinds == fastpath.CLEAN).tolist()
        )
        for pos, raw, plain_id in zip(positions, raws, plain_ids, strict=True):
            ref = raw.get("ref", _NO_REF)
            if ref is _NO_REF:  # (the default is not formatted for every record)
                ref = f"#{pos}"
            kind = raw.get("kind", "marche")
            raw_id = raw.get("id")
            rid = raw_id if plain_id and isinstance(raw_id, str) else identifier(raw_id)[0]
            buyer_obj = raw.get("buyer")
            buyer: RawParty = buyer_obj if isinstance(buyer_obj, dict) else {}
            buyer_raw = buyer.get("id")
            if fast and _plain_siret(buyer_raw):
                buyer_id, buyer_rule = buyer_raw, None
            else:
                buyer_id, buyer_rule = siret(buyer_raw, "SIRET")
            derived_id = False
            if rid is None and raw_id is None:
                # no id at all (seen on 2019 concessions): a stable id from the record's content
                rid, derived_id = content_id(raw), True
            if rid is None:
                self._quarantine(ref, raw_id, "id", raw_id, QUARANTINE_REASONS["no_id"])
                self.quarantined_records += 1
                continue
            if buyer_id is None:
                self._quarantine(ref, raw_id, "buyer.id", buyer_raw, QUARANTINE_REASONS["no_buyer"])
                self.quarantined_records += 1
                continue
            rec = _Rec(self, raw, pos, ref, "", kind, "", buyer, buyer_id)
            logged = len(self.repairs)
            rec.initial = self._parties(rec, "suppliers", raw.get("suppliers") or [])
            rec.key = contract_key(kind, buyer_id, rid, [party[1] for party in rec.initial])
            rec.cid = "DC" + hashlib.blake2b(rec.key.encode(), digest_size=8).hexdigest()
            if len(self.repairs) > logged:
                for row in self.repairs[logged:]:  # logged before the id was known
                    row["contract_id"] = rec.cid
            if derived_id:
                rec.log("id", None, rid, "id_derived_from_content")
            elif not plain_id and rid != str(raw_id).strip():
                rec.log("id", raw_id, rid, "siret_separators_removed")
            if buyer_rule:
                rec.log("buyer.id", buyer_raw, buyer_id, buyer_rule)
            recs.append(rec)
        return recs

    def _record(
        self,
        rec: _Rec,
        amount0: float | None,
        duration0: int | None,
        declared: bool | None,
        cpv: str | None,
        notified: dt.date | None,
    ) -> tuple[Any, ...]:
        """What is done record by record: parties, modifications, sub-contracting, flags; the
        values of :data:`_RECORD_COLUMNS`."""
        raw, cid = rec.raw, rec.cid
        flags: list[str] = []
        amount, duration, current = amount0, duration0, rec.initial
        origin = "initial"
        mods = _as_list(raw.get("modifications"))
        for seq, mod in enumerate(mods):
            if not isinstance(mod, dict):
                rec.log(f"modifications[{seq}]", mod, None, "wrong_type_dropped")
                continue
            path = f"modifications[{seq}]"
            m_amount = rec.fix(f"{path}.amount", mod.get("amount"), V.number)
            m_duration = rec.fix(f"{path}.duration_months", mod.get("duration_months"), V.integer)
            m_parties = mod.get("suppliers")
            m_suppliers = self._parties(rec, f"{path}.suppliers", m_parties or [])
            self.modifications.append(
                {
                    "contract_id": cid,
                    "file_id": self.file_id,
                    "seq": seq,
                    "modification_id": rec.fix(f"{path}.id", mod.get("id"), V.identifier),
                    "object": rec.fix(f"{path}.object", mod.get("object"), V.text),
                    "amount": m_amount,
                    "duration_months": m_duration,
                    "notification_date": rec.fix(
                        f"{path}.notification_date", mod.get("notification_date"), self._date
                    ),
                    "publication_date": rec.fix(
                        f"{path}.publication_date", mod.get("publication_date"), self._date
                    ),
                    "suppliers": [{"id_type": s[0], "id": s[1], "name": s[2]} for s in m_suppliers],
                    RECORD_POS: rec.pos,
                }
            )
            if m_amount is not None:
                amount = m_amount
            if m_duration is not None:
                duration = m_duration
            if m_suppliers:
                current, origin = m_suppliers, "modification"

        share = amount / len(current) if amount is not None and current else None
        buyer_id = rec.buyer_id
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
                    RECORD_POS: rec.pos,
                }
            )
            if sid == buyer_id and "buyer_is_supplier" not in flags:
                flags.append("buyer_is_supplier")

        acts = _as_list(raw.get("subcontracts"))
        changes = _as_list(raw.get("subcontract_changes"))
        n_subs = self._subcontracts(rec, acts, changes) if acts or changes else 0
        if n_subs and declared is False:
            flags.append("subcontracting_undeclared")

        env = self._considerations(rec, "environmental", raw.get("environmental"), flags)
        soc = self._considerations(rec, "social", raw.get("social"), flags)
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

        extra = raw.get("extra")
        return (
            amount,
            amount_flag(amount, duration),
            duration,
            env is not None,
            *(
                (None, None, None)
                if env is None
                else ("clause" in env, "criterion" in env, "none" in env)
            ),
            soc is not None,
            *(
                (None, None, None, None)
                if soc is None
                else ("clause" in soc, "criterion" in soc, "reserved" in soc, "none" in soc)
            ),
            len(current),
            len(mods),
            n_subs,
            flags,
            orjson.dumps(extra, default=str).decode() if extra else None,
        )

    def _fix_column(
        self,
        field_name: str,
        raws: list[Any],
        fn: Callable[[Any], tuple[Any, str | None]],
        recs: list[_Rec],
    ) -> list[Any]:
        """Normalise one column, each distinct value once, logging the values it changed."""
        if raws.count(None) == len(raws):  # a field the format does not have: nothing to do
            return raws
        if self.fast:
            fixed_ = self._fix_column_fast(field_name, raws, fn, recs)
            if fixed_ is not None:
                return fixed_
        # keyed by type too: ``True == 1 == 1.0`` in Python, not in the data
        keys: list[tuple[type, Any]] = list(zip(map(type, raws), raws, strict=True))
        try:
            fixed = {key: fn(key[1]) for key in set(keys)}
        except TypeError:  # a list or an object where a value was expected: keyed by identity
            keys = [(t, id(v)) if t is list or t is dict else (t, v) for t, v in keys]
            fixed = {key: fn(raw) for key, raw in zip(keys, raws, strict=True)}
        fixed[(type(None), None)] = (None, None)  # every normaliser maps None to None as is
        values = list(map({k: f[0] for k, f in fixed.items()}.__getitem__, keys))
        changed = {k: f[1] for k, f in fixed.items() if f[1] is not None}
        if changed:
            for key, raw, value, rec in zip(keys, raws, values, recs, strict=True):
                rule = changed.get(key)
                if rule is not None:
                    rec.log(field_name, raw, value, rule)
        return values

    def _fix_column_fast(
        self,
        field_name: str,
        raws: list[Any],
        fn: Callable[[Any], tuple[Any, str | None]],
        recs: list[_Rec],
    ) -> list[Any] | None:
        """:meth:`_fix_column` by the fast path; None when it does not apply to the column."""
        whole = fastpath.WHOLE.get(fn)
        values = whole(raws) if whole is not None else None
        if values is not None:
            return values
        if not set(map(type, raws)) <= _TEXT_TYPES:
            return None
        distinct = set(raws)
        classify = fastpath.KINDS.get(fn)
        if classify is not None and len(distinct) * _REPEATED > len(raws):
            kinds = classify(raws)  # mostly unique values (objects, ids): matched at once
            if kinds is not None:
                return _fix_kinds(field_name, raws, fn, recs, kinds)
        # text only, so keyed by value alone (no ``True == 1`` to tell apart); each distinct
        # value once
        fixed = {raw: fn(raw) for raw in distinct}
        fixed[None] = (None, None)
        values = list(map({raw: f[0] for raw, f in fixed.items()}.__getitem__, raws))
        changed = {raw: f[1] for raw, f in fixed.items() if f[1] is not None}
        if changed:
            for raw, value, rec in zip(raws, values, recs, strict=True):
                rule = changed.get(raw)
                if rule is not None:
                    rec.log(field_name, raw, value, rule)
        return values

    def _fix_lists(self, field_name: str, raws: list[Any], recs: list[_Rec]) -> list[Any]:
        """Normalise a column of label lists; each distinct list of strings once."""
        if raws.count(None) == len(raws):
            return raws
        out: list[Any] = []
        memo = self._lists
        for raw, rec in zip(raws, recs, strict=True):
            if raw is None:
                out.append(None)
                continue
            items = raw if isinstance(raw, list) else [raw]
            cacheable = all(type(item) is str for item in items)
            fixed = memo.get(tuple(items)) if cacheable else None
            if fixed is None:
                fixed = _fix_list(items)
                if cacheable and len(memo) < _MEMO_MAX:
                    memo[tuple(items)] = fixed
            values, logs = fixed
            for i, item, value, rule in logs:
                rec.log(f"{field_name}[{i}]", item, value, rule)
            out.append(values)
        return out

    def _framework_nature(self, nature: str | None) -> bool:
        known = self._frameworks.get(nature)
        if known is None:
            row = table("natures").get(nature) if nature else None
            known = self._frameworks[nature] = bool(row and row["framework"] == "true")
        return known

    def _family(self, procedure: str | None) -> str | None:
        if procedure not in self._families:
            row = table("procedures").get(procedure) if procedure else None
            self._families[procedure] = row["family"] if row else None
        return self._families[procedure]

    def _deferred(self) -> dict[str, Callable[[Any], tuple[Any, str | None]]]:
        """Contract columns normalised column by column that feed no rule."""
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

    def drain_columns(self) -> tuple[Columns, dict[str, list[Row]]]:
        """Hand over the contracts (columns) and the other tables (rows); start afresh."""
        contracts = self.contracts
        rows = {
            "contract_suppliers": self.suppliers,
            "modifications": self.modifications,
            "subcontracting": self.subcontracting,
            "repairs": self.repairs,
            "quarantine": self.quarantine,
        }
        self.contracts = _empty_columns()
        self.suppliers, self.modifications = [], []
        self.subcontracting, self.repairs, self.quarantine = [], [], []
        return contracts, rows

    def drain(self) -> dict[str, list[Row]]:
        """Like :meth:`drain_columns`, every table as rows."""
        contracts, rows = self.drain_columns()
        names = list(contracts)
        return {
            "contracts": [
                dict(zip(names, values, strict=True))
                for values in zip(*contracts.values(), strict=True)
            ],
            **rows,
        }

    def _parties(
        self, rec: _Rec, path: str, parties: Iterable[object]
    ) -> list[tuple[str | None, str, str | None, str | None]]:
        out: list[tuple[str | None, str, str | None, str | None]] = []
        seen: set[tuple[str | None, str]] = set()
        fast = self.fast
        if not isinstance(parties, list):
            rec.log(path, parties, None, "wrong_type_dropped")
            return out
        for i, p in enumerate(parties):
            if not isinstance(p, dict):
                rec.log(f"{path}[{i}]", p, None, "wrong_type_dropped")
                continue
            # (the field's path is written only when a repair is logged)
            id_type = raw_type = p.get("id_type")
            if raw_type is not None:
                id_type, rule = V.id_type(raw_type)
                if rule is not None:
                    rec.log(f"{path}[{i}].id_type", raw_type, id_type, rule)
            raw_id = p.get("id")
            if fast and _plain_siret(raw_id):
                sid, rule = raw_id, None
            else:
                sid, rule = V.siret(raw_id, id_type)
            if rule:
                rec.log(f"{path}[{i}].id", raw_id, sid, rule)
            if sid is None:
                rec.log(f"{path}[{i}]", raw_id, None, "party_without_id_dropped")
                continue
            if (id_type, sid) in seen:
                rec.log(f"{path}[{i}]", raw_id, None, "duplicate_party_removed")
                continue
            seen.add((id_type, sid))
            name = raw_name = p.get("name")
            if raw_name is not None:
                name, rule = V.text(raw_name)
                if rule is not None:
                    rec.log(f"{path}[{i}].name", raw_name, name, rule)
            dep = raw_dep = p.get("department")
            if raw_dep is not None:
                dep, rule = V.text(raw_dep)
                if rule is not None:
                    rec.log(f"{path}[{i}].department", raw_dep, dep, rule)
            out.append((id_type, sid, name, dep))
        return out

    def _subcontracts(self, rec: _Rec, acts: list[Any], raw_changes: list[Any]) -> int:
        changes: dict[str, list[Any]] = {}
        for i, ch in enumerate(raw_changes):
            if not isinstance(ch, dict):
                rec.log(f"subcontract_changes[{i}]", ch, None, "wrong_type_dropped")
                continue
            key, _ = V.identifier(ch.get("id"))
            amount = rec.fix(f"subcontract_changes[{i}].amount", ch.get("amount"), V.number)
            months = rec.fix(
                f"subcontract_changes[{i}].duration_months", ch.get("duration_months"), V.integer
            )
            if key is not None:
                changes.setdefault(key, []).append((amount, months))
        n = 0
        for seq, act in enumerate(acts):
            path = f"subcontracts[{seq}]"
            if not isinstance(act, dict):
                rec.log(path, act, None, "wrong_type_dropped")
                continue
            party = act.get("subcontractor") or {}
            if not isinstance(party, dict):
                rec.log(f"{path}.subcontractor", party, None, "wrong_type_dropped")
                party = {}
            id_type = rec.fix(f"{path}.subcontractor.id_type", party.get("id_type"), V.id_type)
            sid, rule = V.siret(party.get("id"), id_type)
            if rule:
                rec.log(f"{path}.subcontractor.id", party.get("id"), sid, rule)
            act_id = rec.fix(f"{path}.id", act.get("id"), V.identifier)
            amount0 = rec.fix(f"{path}.amount", act.get("amount"), V.number)
            months = rec.fix(f"{path}.duration_months", act.get("duration_months"), V.integer)
            amount = amount0
            for ch_amount, ch_months in changes.get(act_id or "", []):
                amount = ch_amount if ch_amount is not None else amount
                months = ch_months if ch_months is not None else months
            self.subcontracting.append(
                {
                    "contract_id": rec.cid,
                    "file_id": self.file_id,
                    "seq": seq,
                    "act_id": act_id,
                    "id_type": id_type,
                    "subcontractor_id": sid,
                    "subcontractor_siret": sid if V.is_valid_siret(sid) else None,
                    "subcontractor_name": rec.fix(
                        f"{path}.subcontractor.name", party.get("name"), V.text
                    ),
                    "amount_initial": amount0,
                    "amount": amount,
                    "duration_months": months,
                    "notification_date": rec.fix(
                        f"{path}.notification_date", act.get("notification_date"), self._date
                    ),
                    "publication_date": rec.fix(
                        f"{path}.publication_date", act.get("publication_date"), self._date
                    ),
                    "price_variation": rec.fix(
                        f"{path}.price_variation", act.get("price_variation"), V.text
                    ),
                    RECORD_POS: rec.pos,
                }
            )
            n += 1
        return n

    def _considerations(
        self, rec: _Rec, dimension: str, raw: object, flags: list[str]
    ) -> frozenset[str] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        cacheable = all(type(item) is str for item in items)
        key = (dimension, tuple(items)) if cacheable else None
        fixed = self._considered.get(key) if key is not None else None
        if fixed is None:
            fixed = _considerations(dimension, items)
            if key is not None and len(self._considered) < _MEMO_MAX:
                self._considered[key] = fixed
        found, unknown = fixed
        for i in unknown:
            rec.log(f"{dimension}[{i}]", items[i], None, "label_unknown_dropped")
        if unknown and "unknown_consideration" not in flags:
            flags.append("unknown_consideration")
        return found


_MEMO_MAX = 100_000
_NO_REF: Any = object()
# The default of Normaliser.fast. Tests run both ways; ``ANCRAGE_INGEST_FAST_PATH=0`` (read by
# worker processes too) loads with the Python path only, to measure or compare.
FAST_PATH: bool = os.environ.get("ANCRAGE_INGEST_FAST_PATH", "1") != "0"
_TEXT_TYPES = frozenset({str, type(None)})
# a column with fewer distinct values than 1 in _REPEATED is normalised value by value (cached)
_REPEATED = 4


def _plain_siret(raw: object) -> TypeGuard[str]:
    """True for an identifier :func:`values.siret` gives back as it is whatever its id type:
    text of ASCII digits only, not 13 of them (a SIRET that lost its leading zero)."""
    return type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) != 13


def _fix_kinds(
    field_name: str,
    raws: list[Any],
    fn: Callable[[Any], tuple[Any, str | None]],
    recs: list[_Rec],
    kinds: fastpath.Kinds,
) -> list[Any]:
    """A column whose values were classed by the fast path: the clean ones as they are, the
    others through ``fn`` (logged in record order, as :meth:`Normaliser._fix_column` does)."""
    values = list(raws)
    unrepairable = (kinds == fastpath.UNREPAIRABLE).tolist()
    rule: str | None
    for i in np.flatnonzero(kinds).tolist():
        raw = raws[i]
        if unrepairable[i]:
            value, rule = raw, "text_unrepairable"
        else:
            value, rule = fn(raw)
        values[i] = value
        if rule is not None:
            recs[i].log(field_name, raw, value, rule)
    return values


def _empty_columns() -> Columns:
    return {name: [] for name in CONTRACT_COLUMNS}


def _fix_list(items: list[Any]) -> tuple[list[str], list[tuple[int, Any, Any, str]]]:
    """Labels of a list field, and the repairs made on its items."""
    values: list[str] = []
    logs: list[tuple[int, Any, Any, str]] = []
    for i, item in enumerate(items):
        if item is None:
            continue
        value, rule = V.text(item)
        if rule is not None:
            logs.append((i, item, value, rule))
        if value is not None:
            values.append(value)
    return values, logs


def _considerations(dimension: str, items: list[Any]) -> tuple[frozenset[str], list[int]]:
    """Kinds of consideration found, and the positions of the labels not recognised."""
    found: set[str] = set()
    unknown: list[int] = []
    for i, item in enumerate(items):
        value, _ = V.text(item)
        if value is None:
            continue
        row = table("considerations").get(value)
        if row is None or row["dimension"] != dimension:
            unknown.append(i)
            continue
        found.add(row["value"])
    return frozenset(found), unknown


def _framework_technique(techniques: list[str] | None) -> bool:
    return any(t.casefold().startswith("accord-cadre") for t in techniques or [])


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




class _Rec:
    """A record being normalised: where it is, its ids, and how to log a repair on it."""

    __slots__ = ("buyer", "buyer_id", "cid", "initial", "key", "kind", "norm", "pos", "raw", "ref")

    def __init__(
        self,
        norm: Normaliser,
        raw: RawContract,
        pos: int,
        ref: str,
        cid: str,
        kind: str,
        key: str,
        buyer: RawParty,
        buyer_id: str,
    ) -> None:
        self.norm, self.raw, self.pos, self.ref = norm, raw, pos, ref
        self.cid, self.kind, self.key = cid, kind, key
        self.buyer, self.buyer_id = buyer, buyer_id
        self.initial: list[Party] = []  # suppliers named at notification

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
                RECORD_POS: self.pos,
            }
        )

    def fix(self, field_name: str, raw: object, fn: Callable[[Any], tuple[Any, str | None]]) -> Any:
        if raw is None:  # every normaliser maps None to None without a repair
            return None
        value, rule = fn(raw)
        if rule is not None:
            self.log(field_name, raw, value, rule)
        return value

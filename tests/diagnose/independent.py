"""Purchase totals of a raw DECP file, computed here from the file itself (json, csv, lxml), not
through the product's readers: the sum of the current amounts of its distinct marchés.

- current amount: the amount of the last modification that gives one, else the initial amount
  (tabular extract: the amount of the latest state of the contract, by notification date);
- distinct: one version per (buyer id, contract id, sorted initial supplier ids), ids compared
  without spaces and dots; the version published last wins (then the one with more
  modifications, then the later one in the file); records without a buyer id are not contracts;
- implausible amounts (:func:`ancrage.ingest.normalise.amount_flag`, the documented plausibility
  rule of ``data/fixes/plausibility.toml``) are left out, as the diagnostic does by default.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from ancrage.ingest.normalise import amount_flag

Version = tuple[
    str, int, float | None, int | None
]  # publication date, modifications, amount, months


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    text = re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _months(value: Any) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _id(value: Any) -> str:
    return re.sub(r"[\s.]", "", str(value or ""))


def _unwrap(items: Any, key: str) -> list[dict[str, Any]]:
    """2024 JSON wraps list items (``[{"titulaire": {...}}]``)."""
    out = []
    for item in items or []:
        inner = item.get(key) if isinstance(item, dict) and len(item) == 1 else None
        out.append(inner if isinstance(inner, dict) else item)
    return out


def _current(record: dict[str, Any], mods: list[dict[str, Any]]) -> tuple[float | None, int | None]:
    amount, months = _num(record.get("montant")), _months(record.get("dureeMois"))
    for mod in mods:
        if _num(mod.get("montant")) is not None:
            amount = _num(mod.get("montant"))
        if _months(mod.get("dureeMois")) is not None:
            months = _months(mod.get("dureeMois"))
    return amount, months


Keyed = Iterator[tuple[tuple[str, str, tuple[str, ...]], Version]]


def _json(path: Path) -> Keyed:
    root = json.loads(path.read_text(encoding="utf-8"))["marches"]
    if isinstance(root, list):  # 2019: one list, marchés and concessions told by _type
        items = [
            (r, r.get("titulaires") or [], r.get("modifications") or [])
            for r in root
            if isinstance(r, dict) and r.get("_type", "Marché") == "Marché"
        ]
    else:
        items = [
            (
                r,
                _unwrap(r.get("titulaires"), "titulaire"),
                _unwrap(r.get("modifications"), "modification"),
            )
            for r in root.get("marche") or []
        ]
    for record, suppliers, mods in items:
        buyer = _id((record.get("acheteur") or {}).get("id"))
        key = (buyer, _id(record.get("id")), tuple(sorted(_id(s.get("id")) for s in suppliers)))
        amount, months = _current(record, mods)
        yield key, (str(record.get("datePublicationDonnees") or ""), len(mods), amount, months)


def _xml(path: Path) -> Keyed:
    def text(node: Any, tag: str) -> str | None:
        found = node.find(tag)
        return None if found is None or found.text is None else found.text.strip()

    for node in etree.parse(str(path)).getroot().iter("marche"):
        record = {"montant": text(node, "montant"), "dureeMois": text(node, "dureeMois")}
        mods = [
            {"montant": text(m, "montant"), "dureeMois": text(m, "dureeMois")}
            for m in node.iterfind("modifications/modification")
        ]
        buyer = _id(text(node, "acheteur/id"))
        suppliers = tuple(sorted(_id(t.text) for t in node.iterfind("titulaires/titulaire/id")))
        amount, months = _current(record, mods)
        pub = text(node, "datePublicationDonnees") or ""
        yield (buyer, _id(text(node, "id")), suppliers), (pub, len(mods), amount, months)


def _tabular(path: Path) -> Keyed:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    contracts: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for i, row in enumerate(rows):
        contracts.setdefault(row["uid"] or f"{row['acheteur_id']}|{row['id']}", []).append((i, row))
    for uid, lines in contracts.items():
        states: dict[tuple[str, str, str], tuple[int, dict[str, str]]] = {}
        for i, row in lines:
            states.setdefault((row["montant"], row["dureeMois"], row["dateNotification"]), (i, row))
        # the latest state by notification date (undated states last, then file order)
        _, last = max(
            states.values(),
            key=lambda s: (not s[1]["dateNotification"], s[1]["dateNotification"], s[0]),
        )
        amount, months = _num(last["montant"]), _months(last["dureeMois"])
        yield (_id(last["acheteur_id"]), uid, ()), ("", 0, amount, months)


def marche_totals(path: Path) -> tuple[int, float]:
    """(distinct marchés, sum of their plausible current amounts) of one raw file."""
    if path.suffix == ".csv":
        found = _tabular(path)
    elif path.suffix == ".xml":
        found = _xml(path)
    else:
        found = _json(path)
    versions: dict[tuple[str, str, tuple[str, ...]], list[Version]] = {}
    for key, version in found:
        if key[0]:  # a record without a buyer id is not a contract
            versions.setdefault(key, []).append(version)
    total = 0.0
    for seen in versions.values():
        _, _, amount, months = max(enumerate(seen), key=lambda iv: (iv[1][0], iv[1][1], iv[0]))[1]
        if amount is not None and amount_flag(amount, months) is None:
            total += amount
    return len(versions), total

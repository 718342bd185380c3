"""Lookup tables shipped in ``ancrage/data/sirene`` (loaded once, on first use)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


def _rows(name: str) -> list[dict[str, str]]:
    text = files("ancrage.data.sirene").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@dataclass(frozen=True, slots=True)
class LegalCategoryRule:
    code_min: int
    code_max: int
    buyer_kind: str
    label_fr: str


@cache
def legal_category_rules() -> tuple[LegalCategoryRule, ...]:
    return tuple(
        LegalCategoryRule(int(r["code_min"]), int(r["code_max"]), r["buyer_kind"], r["label_fr"])
        for r in _rows("legal_categories.csv")
    )


@dataclass(frozen=True, slots=True)
class HeadcountBand:
    code: str
    min_staff: int | None
    max_staff: int | None
    tpe: bool
    label_fr: str


@cache
def headcount_bands() -> dict[str, HeadcountBand]:
    return {
        r["code"]: HeadcountBand(
            r["code"],
            int(r["min_staff"]) if r["min_staff"] else None,
            int(r["max_staff"]) if r["max_staff"] else None,
            r["tpe"] == "true",
            r["label_fr"],
        )
        for r in _rows("headcount_bands.csv")
    }


@dataclass(frozen=True, slots=True)
class SizeRule:
    category: str  # PME / ETI / GE / missing
    band_group: str  # tpe / other / missing
    size: str | None  # TPE / PME / ETI / GE, None = unknown
    basis: str | None  # category / band / category+band


@cache
def size_rules() -> dict[tuple[str, str], SizeRule]:
    return {
        (r["category"], r["band_group"]): SizeRule(
            r["category"], r["band_group"], r["size"] or None, r["basis"] or None
        )
        for r in _rows("size_rules.csv")
    }


@dataclass(frozen=True, slots=True)
class IdTypeRule:
    id_type: str
    country: str | None
    rule: str  # siret / siren / vat_prefix / territory / outside_eu
    note: str


@cache
def id_type_rules() -> dict[str, IdTypeRule]:
    return {
        r["id_type"]: IdTypeRule(r["id_type"], r["country"] or None, r["rule"], r["note"])
        for r in _rows("id_types.csv")
    }


@cache
def vat_prefixes() -> dict[str, str]:
    return {r["prefix"]: r["country"] for r in _rows("vat_prefixes.csv")}


@cache
def french_territories() -> frozenset[str]:
    return frozenset(r["country"] for r in _rows("french_territories.csv"))

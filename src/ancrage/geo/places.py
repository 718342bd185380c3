"""Resolve the DECP place of execution (``lieuExecution``: code, typeCode, nom) to the COG.

The declared ``typeCode`` is read through ``data/geo/lieu_execution_types.csv`` (its variants are
data, not code). The declared kind is tried first; when it does not fit the code (a
département number typed as a postal code…) or is free text, the kind is inferred from the
shape of the code. The result is the finest level the code supports: a commune only when it is
unique, else the département or région all candidates share. ``reason`` (French, shown in
reports) says how it was resolved. See docs/geography.md for the rules.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

from ancrage.geo.model import Commune
from ancrage.geo.text import fold

if TYPE_CHECKING:
    from ancrage.geo.geography import Geography

Level = Literal["commune", "departement", "region", "pays", "unknown"]
CodeKind = Literal["postal", "commune", "departement", "region", "pays", "arrondissement", "canton"]
_KINDS: tuple[CodeKind, ...] = (
    "postal",
    "commune",
    "departement",
    "region",
    "pays",
    "arrondissement",
    "canton",
)
_KIND_BY_NAME: dict[str, CodeKind] = {kind: kind for kind in _KINDS}
_FRANCE = frozenset({"FR", "FRA", "FRANCE"})
_ISO_SUB = re.compile(r"^FR-?([0-9]{2,3}|2A|2B|[A-Z]{3}|20R)$")
_FLOAT_INT = re.compile(r"^([0-9]+)\.0+$")


@dataclass(frozen=True, slots=True)
class ResolvedPlace:
    """A place of execution on the COG; ``pays`` is the ISO alpha-2 code (``FR`` in France)."""

    level: Level
    reason: str
    commune: str | None = None
    departement: str | None = None
    region: str | None = None
    pays: str | None = None


def _data_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("ancrage").joinpath("data", "geo", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def type_code_kinds() -> dict[str, CodeKind]:
    """Folded ``typeCode`` variant → kind of code (from ``lieu_execution_types.csv``)."""
    table: dict[str, CodeKind] = {}
    for row in _data_csv("lieu_execution_types.csv"):
        table[fold(row["type_code"])] = _KIND_BY_NAME[row["kind"]]
    return table


@cache
def postal_aliases() -> dict[str, str]:
    """Pseudo postal codes (``75000``) → commune, from ``codes_postaux_alias.csv``."""
    return {r["code_postal"]: r["commune"] for r in _data_csv("codes_postaux_alias.csv")}


@cache
def iso_regions() -> dict[str, str]:
    """ISO 3166-2 region suffix (``NAQ``) → INSEE région code, from ``regions_iso.csv``."""
    return {r["iso"]: r["region"] for r in _data_csv("regions_iso.csv")}


def _clean_code(code: object) -> str:
    text = "" if code is None else str(code)
    text = re.sub(r"\s+", "", text).upper()
    match = _FLOAT_INT.match(text)
    return match.group(1) if match else text


class _Resolver:
    def __init__(self, geo: Geography, name: str | None) -> None:
        self.geo = geo
        self.name = fold(name) if name else ""

    # -- building results --
    def at_commune(self, commune: Commune, reason: str) -> ResolvedPlace:
        return ResolvedPlace(
            "commune", reason, commune.code, commune.departement, commune.region, "FR"
        )

    def at_departement(self, dep: str, reason: str) -> ResolvedPlace:
        return ResolvedPlace(
            "departement", reason, None, dep, self.geo.departements[dep].region, "FR"
        )

    def at_region(self, region: str, reason: str) -> ResolvedPlace:
        return ResolvedPlace("region", reason, None, None, region, "FR")

    # -- one resolver per kind of code; None when the code does not fit --
    def commune(self, code: str) -> ResolvedPlace | None:
        if len(code) == 4 and code.isdigit():
            code = "0" + code
        found = self.geo.lookup_commune(code) if len(code) == 5 else None
        return self.at_commune(*found) if found else None

    def postal(self, code: str) -> ResolvedPlace | None:
        if len(code) == 4 and code.isdigit():
            code = "0" + code
        if len(code) != 5 or not code.isdigit():
            return None
        alias = postal_aliases().get(code)
        if alias is not None:
            return self.at_commune(self.geo.communes[alias], "pseudo code postal (ville entière)")
        communes = self.geo.communes_of_postal_code(code)
        if len(communes) == 1:
            return self.at_commune(communes[0], "code postal, une commune")
        if communes:
            return self.shared(communes, "code postal")
        dep = postal_departement(code)
        if dep in self.geo.departements:
            return self.at_departement(dep, "code postal inconnu, département déduit")
        return None

    def shared(self, communes: list[Commune], what: str) -> ResolvedPlace:
        named = [c for c in communes if self.name and fold(c.nom) == self.name]
        if len(named) == 1:
            return self.at_commune(named[0], f"{what} et nom de commune")
        n = len(communes)
        deps = {c.departement for c in communes}
        if len(deps) == 1:
            return self.at_departement(
                deps.pop(), f"{what} partagé par {n} communes du même département"
            )
        regions = {c.region for c in communes}
        if len(regions) == 1:
            return self.at_region(
                regions.pop(), f"{what} partagé par {n} communes de la même région"
            )
        return ResolvedPlace("unknown", f"{what} partagé par {n} communes de plusieurs régions")

    def departement(self, code: str) -> ResolvedPlace | None:
        iso = _ISO_SUB.match(code)
        if iso and iso.group(1) in self.geo.departements:
            return self.at_departement(iso.group(1), "code ISO 3166-2 de département")
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        if code in self.geo.departements:
            return self.at_departement(code, "code département")
        return None

    def region(self, code: str) -> ResolvedPlace | None:
        iso = _ISO_SUB.match(code)
        if iso and iso.group(1) in iso_regions():
            return self.at_region(iso_regions()[iso.group(1)], "code ISO 3166-2 de région")
        if len(code) == 1 and code.isdigit():
            code = "0" + code
        if code in self.geo.regions:
            return self.at_region(code, "code région")
        return None

    def pays(self, code: str) -> ResolvedPlace | None:
        if code in _FRANCE:
            return ResolvedPlace("pays", "code pays", pays="FR")
        if _ISO_SUB.match(code):
            return self.departement(code) or self.region(code)
        if len(code) == 2 and code.isalpha() and code.isascii():
            return ResolvedPlace("pays", "code pays étranger", pays=code)
        return None

    def arrondissement(self, code: str) -> ResolvedPlace | None:
        if len(code) == 5:
            return self.commune(code)
        arrondissement = self.geo.arrondissements.get(code)
        if arrondissement is None:
            return None
        return self.at_departement(arrondissement.departement, "arrondissement départemental")

    def canton(self, code: str) -> ResolvedPlace | None:
        dep = code[:3] if len(code) == 5 else code[:2] if len(code) == 4 else ""
        if dep in self.geo.departements and code[len(dep) :].isdigit():
            return self.at_departement(dep, "canton, département déduit")
        return None

    def by_kind(self, kind: CodeKind) -> Callable[[str], ResolvedPlace | None]:
        resolvers: dict[CodeKind, Callable[[str], ResolvedPlace | None]] = {
            "postal": self.postal,
            "commune": self.commune,
            "departement": self.departement,
            "region": self.region,
            "pays": self.pays,
            "arrondissement": self.arrondissement,
            "canton": self.canton,
        }
        return resolvers[kind]

    # -- inference from the shape of the code --
    def infer(self, code: str) -> ResolvedPlace | None:
        if (len(code) in (4, 5) and code.isdigit()) or (
            len(code) == 5 and code[:2] in ("2A", "2B")
        ):
            return self.five_chars(code)
        if _ISO_SUB.match(code) or code.isalpha():
            return self.pays(code)
        if len(code) <= 3:
            return self.departement(code)
        return None

    def five_chars(self, code: str) -> ResolvedPlace | None:
        as_commune, as_postal = self.commune(code), self.postal(code)
        if as_postal is not None and as_postal.reason.startswith("code postal inconnu"):
            as_postal = None  # an unknown postal code says less than a known INSEE code
        if as_commune is None or as_postal is None:
            return as_commune or as_postal or self.postal(code)
        if as_commune.commune == as_postal.commune:
            return as_commune
        candidates = [self.geo.communes[as_commune.commune or ""]]
        if as_postal.commune is not None:
            candidates.append(self.geo.communes[as_postal.commune])
        else:
            candidates.extend(self.geo.communes_of_postal_code(code))
        return self.shared(candidates, "code INSEE ou postal")

    def by_name(self) -> ResolvedPlace | None:
        found = self.geo.names.get(self.name, []) if self.name else []
        for kind in ("reg", "dep"):
            codes = [code for k, code in found if k == kind]
            if len(codes) == 1:
                return (
                    self.at_region(codes[0], "nom de région")
                    if kind == "reg"
                    else self.at_departement(codes[0], "nom de département")
                )
        communes = [self.geo.communes[code] for k, code in found if k == "commune"]
        if len(communes) == 1:
            return self.at_commune(communes[0], "nom de commune")
        if communes:
            return self.shared(communes, "nom")
        return None


def postal_departement(postal_code: str) -> str:
    """The département a postal code's digits point to (Corsica: 200-201 → 2A, else 2B)."""
    if postal_code.startswith("20"):
        return "2A" if postal_code[2] in "01" else "2B"
    if postal_code[:2] in ("97", "98"):
        return postal_code[:3]
    return postal_code[:2]


def resolve_place(
    geo: Geography, code: object, type_code: object = None, name: object = None
) -> ResolvedPlace:
    """Resolve a DECP ``lieuExecution`` (``code``, ``typeCode``, ``nom``) to the COG."""
    resolver = _Resolver(geo, name if isinstance(name, str) else None)
    text = _clean_code(code)
    type_text = str(type_code).strip() if type_code is not None else ""
    kind = type_code_kinds().get(fold(type_text)) if type_text else None
    if text:
        if kind is not None:
            place = resolver.by_kind(kind)(text)
            if place is not None:
                return place
        place = resolver.infer(text)
        if place is not None:
            if kind is not None:
                return replace(place, reason=f"{place.reason} (type « {type_text} » incohérent)")
            if type_text:
                return replace(place, reason=f"{place.reason} (type « {type_text} » non reconnu)")
            return replace(place, reason=f"{place.reason} (sans type)")
    place = resolver.by_name()
    if place is not None:
        return replace(
            place, reason=f"{place.reason} (code « {text} » illisible)" if text else place.reason
        )
    if isinstance(code, str) and any(ch.isalpha() for ch in code) and len(text) > 3:
        place = _Resolver(geo, code).by_name()  # a name typed in the code field
        if place is not None:
            return replace(place, reason=f"{place.reason} (dans le champ code)")
    return ResolvedPlace("unknown", "code non reconnu" if text else "ni code ni nom")

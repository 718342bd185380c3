"""The territory argument every command understands.

``commune:86194``, ``epci:200069854``, ``dep:86``, ``reg:75``, a bare code (``86194``,
``200069854``, ``2A``), or a French name (``Poitiers``, ``Vienne``, ``Grand Est``,
``CU du Grand Poitiers``; accents, case, hyphens and apostrophes do not matter).

An intercommunality is also found by the name people use: its official name without the legal
form (``Grand Poitiers`` for « CU du Grand Poitiers », ``Nantes`` is the commune but ``Nantes
Métropole`` the EPCI), with the form spelled out (« Communauté urbaine du Grand Poitiers »), or
an alias of ``data/geo/territory_aliases.csv`` (``Grand Lyon``). An official name always wins
over such a usual name; several intercommunalities sharing a usual name are listed.

A name shared by territories of different kinds means the largest one (``Vienne`` is the
département, not the commune of Isère; ``Bretagne`` the région): use a prefixed code for the
other. A name shared by territories of the same kind (``Saint-Denis``) is an error that lists
the candidates.
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ancrage.geo.errors import TerritoryError
from ancrage.geo.geography import MILLESIME, Geography, shared_geography
from ancrage.geo.model import TerritoryKind
from ancrage.geo.text import fold

KINDS: tuple[TerritoryKind, ...] = ("reg", "dep", "epci", "commune")  # largest first
_PREFIXES: dict[str, TerritoryKind] = {
    "commune": "commune",
    "com": "commune",
    "epci": "epci",
    "dep": "dep",
    "departement": "dep",
    "reg": "reg",
    "region": "reg",
}
_PREFIXED = re.compile(r"^\s*([^\W\d_]+)\s*:\s*(.*?)\s*$")
MAX_CANDIDATES = 8
_SYNTAX = (
    "Donnez commune:CODE, epci:SIREN, dep:CODE, reg:CODE ou un nom (Poitiers, Grand Poitiers, "
    "Vienne, Nouvelle-Aquitaine)."
)
# Legal forms of an intercommunality's name (folded), as written first or last, and the
# prepositions and articles that join them to the name proper.
_FORMS = (
    "communaute de communes",
    "communaute d agglomeration",
    "communaute urbaine",
    "communaute",
    "agglomeration",
    "eurometropole",
    "metropole",
    "cc",
    "ca",
    "cu",
)
_LINKS = ("du ", "des ", "de l ", "de ", "d ")
_ARTICLES = ("le ", "la ", "les ", "l ")


@dataclass(frozen=True)
class Territory:
    """A commune, EPCI, département or région, with its current member communes."""

    kind: TerritoryKind
    code: str
    nom: str
    members: frozenset[str] = field(repr=False)
    geography: Geography = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.code}"

    def communes(self) -> frozenset[str]:
        """INSEE codes of the current communes in the territory."""
        return self.members

    def contains(self, commune_code: str) -> bool:
        """Whether a commune is inside; old codes, déléguées and arrondissements are mapped to
        their current commune first. An unknown code is not inside."""
        found = self.geography.lookup_commune(commune_code)
        return found is not None and found[0].code in self.members


@cache
def default_geography() -> Geography:
    """The shipped COG, loaded on first use."""
    return shared_geography(None, None)


def usual_names(name: str) -> set[str]:
    """Folded names people use for an intercommunality (or read in a query): without the legal
    form at either end, without the joining preposition, with and without a leading article.
    ``"CU du Grand Poitiers"`` → ``{"grand poitiers"}``."""
    key = fold(name)
    out = set()
    for form in _FORMS:
        if key.startswith(form + " "):
            rest = key[len(form) + 1 :]
            for link in _LINKS:
                if rest.startswith(link):
                    rest = rest[len(link) :]
                    break
            out.add(rest)
        if key.endswith(" " + form):
            out.add(key[: -len(form) - 1])
    out |= {n[len(a) :] for n in out for a in _ARTICLES if n.startswith(a)}
    return {n for n in out if n and n not in _FORMS}


@cache
def _usual_index(geo: Geography) -> dict[str, list[tuple[TerritoryKind, str]]]:
    """Folded usual name → EPCIs known by it (derived from the names, plus the aliases)."""
    index: dict[str, list[tuple[TerritoryKind, str]]] = {}
    for epci in geo.epcis.values():
        for name in usual_names(epci.nom):
            index.setdefault(name, []).append(("epci", epci.code))
    for alias, kind, code in aliases():
        if (kind == "epci" and code in geo.epcis) or (kind == "commune" and code in geo.communes):
            entries = index.setdefault(fold(alias), [])
            if (kind, code) not in entries:
                entries.append((kind, code))
    return index


@cache
def aliases() -> tuple[tuple[str, TerritoryKind, str], ...]:
    """(alias, kind, code) rows of ``data/geo/territory_aliases.csv``."""
    text = resources.files("ancrage").joinpath("data/geo/territory_aliases.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple((r["alias"], _PREFIXES[r["kind"]], r["code"]) for r in rows)


def _describe(geo: Geography, kind: TerritoryKind, code: str) -> str:
    if kind == "commune":
        commune = geo.communes[code]
        return f"{commune.nom}, {geo.departements[commune.departement].nom}"
    if kind == "epci":
        return geo.epcis[code].nom
    if kind == "dep":
        return geo.departements[code].nom
    return geo.regions[code].nom


def _population(geo: Geography, kind: TerritoryKind, code: str) -> int:
    if kind == "commune":
        return geo.communes[code].population or 0
    return 0


def build(geo: Geography, kind: TerritoryKind, code: str) -> Territory:
    """The territory of a known ``kind:code`` (code already normalised and checked)."""
    if kind == "commune":
        return Territory(kind, code, geo.communes[code].nom, frozenset({code}), geo)
    if kind == "epci":
        epci = geo.epcis[code]
        return Territory(kind, code, epci.nom, frozenset(epci.membres), geo)
    if kind == "dep":
        members = frozenset(c.code for c in geo.communes.values() if c.departement == code)
        return Territory(kind, code, geo.departements[code].nom, members, geo)
    members = frozenset(c.code for c in geo.communes.values() if c.region == code)
    return Territory(kind, code, geo.regions[code].nom, members, geo)


def _by_code(geo: Geography, kind: TerritoryKind, code: str) -> str | None:
    """The normalised code if ``kind:code`` exists, else ``None``."""
    code = code.replace(" ", "").upper()
    if kind == "commune":
        found = geo.lookup_commune(code)
        return found[0].code if found else None
    if kind == "epci":
        return code if code in geo.epcis else None
    if len(code) == 1 and code.isdigit():
        code = "0" + code
    table = geo.departements if kind == "dep" else geo.regions
    return code if code in table else None


_UNKNOWN_HINTS: dict[TerritoryKind, str] = {
    "commune": "Donnez un code INSEE à 5 caractères comme 86194 (pas un code postal), ou un nom.",
    "epci": "Donnez le SIREN à 9 chiffres d'un EPCI à fiscalité propre comme 200069854, ou un nom.",
    "dep": "Donnez un code de département comme 86, 2A ou 971, ou un nom.",
    "reg": "Donnez un code de région comme 75 ou 84 (INSEE, pas les 22 anciennes régions), "
    "ou un nom.",
}
_CODE_OF: dict[TerritoryKind, str] = {  # « code de commune inconnu », « code d'EPCI inconnu »…
    "commune": "code de commune",
    "epci": "code d'EPCI",
    "dep": "code de département",
    "reg": "code de région",
}


def _ambiguous(
    geo: Geography, text: str, candidates: list[tuple[TerritoryKind, str]]
) -> TerritoryError:
    rank = {kind: i for i, kind in enumerate(KINDS)}
    ordered = sorted(candidates, key=lambda kc: (rank[kc[0]], -_population(geo, *kc), kc[1]))
    shown = [f"{k}:{c} ({_describe(geo, k, c)})" for k, c in ordered[:MAX_CANDIDATES]]
    more = len(ordered) - MAX_CANDIDATES
    if more > 0:
        shown.append(f"… et {more} autres")
    return TerritoryError(
        f"« {text} » est ambigu : {', '.join(shown)}", hint="Utilisez l'un de ces codes."
    )


def parse_territory(text: str, geography: Geography | None = None) -> Territory:
    """Parse a territory argument; raise :class:`TerritoryError` if it names nothing or
    several territories of the same kind."""
    geo = geography if geography is not None else default_geography()
    raw = text.strip()
    if not raw:
        raise TerritoryError("territoire vide", hint=_SYNTAX)
    prefixed = _PREFIXED.match(raw)
    if prefixed:
        word = fold(prefixed.group(1))
        kind = _PREFIXES.get(word)
        if kind is None:
            raise TerritoryError(
                f"type de territoire inconnu « {prefixed.group(1)} » dans « {raw} »", hint=_SYNTAX
            )
        code = _by_code(geo, kind, prefixed.group(2))
        if code is None:
            raise TerritoryError(
                f"{_CODE_OF[kind]} inconnu « {prefixed.group(2)} » (COG {MILLESIME})",
                hint=_UNKNOWN_HINTS[kind],
            )
        return build(geo, kind, code)

    compact = raw.replace(" ", "").upper()
    if compact.isdigit() or (len(compact) <= 5 and compact[:2] in ("2A", "2B")):
        by_code = [(k, c) for k in KINDS if (c := _by_code(geo, k, compact)) is not None]
        if len(by_code) == 1:
            return build(geo, *by_code[0])
        if by_code:
            raise _ambiguous(geo, raw, by_code)
        raise TerritoryError(
            f"code de territoire inconnu « {raw} » (COG {MILLESIME})", hint=_SYNTAX
        )

    found = geo.names.get(fold(raw), [])
    for kind in KINDS:
        same_kind = [(k, c) for k, c in found if k == kind]
        if len(same_kind) == 1:
            return build(geo, kind, same_kind[0][1])
        if same_kind:
            raise _ambiguous(geo, raw, same_kind)
    usual = _usual_index(geo)
    found = [kc for name in {fold(raw), *usual_names(raw)} for kc in usual.get(name, [])]
    found = list(dict.fromkeys(found))
    if len(found) == 1:
        return build(geo, *found[0])
    if found:
        raise _ambiguous(geo, raw, found)
    key = fold(raw)
    names = {**usual, **geo.names}
    near = [n for n in names if n[:1] == key[:1] and abs(len(n) - len(key)) <= 3]
    close = difflib.get_close_matches(key, near, n=3, cutoff=0.85)
    suggestions = [f"{k}:{c} ({_describe(geo, k, c)})" for key in close for k, c in names[key]]
    hint = (
        f"Vouliez-vous dire {', '.join(suggestions[:MAX_CANDIDATES])} ? {_SYNTAX}"
        if close
        else _SYNTAX
    )
    raise TerritoryError(f"aucun territoire nommé « {raw} »", hint=hint)

"""Places of performance: every place a notice gives, resolved to the COG's départements.

A notice says where the work is in several ways: a NUTS code (eForms BT-5071, BOAMP
``CODE_NUTS``), a postal code, a commune, or a place written as text (« Argonay (74) »,
« 2 rue de la Gendarmerie à Doulaincourt-Saucourt 52270 », « Normandie »); BOAMP records also
list départements (``code_departement``, kept apart as :attr:`Notice.listed_departements`).
:func:`locate` resolves the places of the notice and of each lot: NUTS codes through the
eForms NUTS table (:func:`ancrage.notices.labels.nuts_to_departements`), texts against the COG
(a postal code, a département code in parentheses, then a commune, département or région
name), and sets :attr:`Place.departements` and :attr:`Place.commune` (the COG name). What
cannot be resolved stays as written; nothing is guessed from the buyer's address.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

from ancrage.notices.labels import nuts_to_departements
from ancrage.notices.model import Notice, Place
from ancrage.text import fold

if TYPE_CHECKING:
    from ancrage.geo import Geography

_POSTAL = re.compile(r"(?<!\d)((?:0[1-9]|[1-8]\d|9[0-8]|2[AB])\s?\d{3})(?!\d)")
_DEP_IN_BRACKETS = re.compile(r"\(\s*(\d{2,3}|2[AaBb])\s*\)")
_MAX_NAME_WORDS = 6  # n-grams looked up as names (a commune name has at most 6 words here)
_MAX_TEXT_WORDS = 12  # longer texts are addresses or sentences: only codes are read


def _geography() -> Geography:
    from ancrage.geo import default_geography

    return default_geography()


def _commune_named(geo: Geography, words: list[str], deps: set[str]) -> tuple[str, str] | None:
    """(commune code, département) of the longest run of ``words`` naming one commune (within
    ``deps`` when given)."""
    for size in range(min(_MAX_NAME_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            key = " ".join(words[start : start + size])
            codes = [c for kind, c in geo.names.get(key, []) if kind == "commune"]
            found = [geo.communes[c] for c in codes if c in geo.communes]
            if deps:
                found = [c for c in found if c.departement in deps]
            if len(found) == 1:
                return found[0].code, found[0].departement
    return None


def _area_named(geo: Geography, words: list[str]) -> list[str]:
    """The départements of a département or région named by the whole text."""
    key = " ".join(words)
    for kind, code in geo.names.get(key, []):
        if kind == "dep":
            return [code]
        if kind == "reg":
            return sorted(d for d, dep in geo.departements.items() if dep.region == code)
    return []


@lru_cache(maxsize=65536)
def resolve_text(text: str) -> tuple[str | None, tuple[str, ...]]:
    """(COG commune name, départements) of a place written as text."""
    geo = _geography()
    words = fold(text).split()
    deps: set[str] = set()
    for found in _DEP_IN_BRACKETS.finditer(text):
        code = found[1].upper().zfill(2)
        if code in geo.departements:
            deps.add(code)
    for found in _POSTAL.finditer(text):
        postal = found[1].replace(" ", "")
        communes = geo.communes_of_postal_code(postal)
        named = _commune_named(geo, words, {c.departement for c in communes})
        if named is not None and named[0] in {c.code for c in communes}:
            return geo.communes[named[0]].nom, (named[1],)
        if communes and len({c.departement for c in communes}) == 1:
            deps.add(communes[0].departement)
    if len(words) <= _MAX_TEXT_WORDS:
        named = _commune_named(geo, words, deps)
        if named is not None:
            return geo.communes[named[0]].nom, (named[1],)
        bare = [w for w in words if not w.isdigit()]
        if not deps and bare:
            deps.update(_area_named(geo, bare))
    return None, tuple(sorted(deps))


def _resolve(place: Place) -> None:
    deps = list(place.departements)
    for code in place.nuts:
        deps += nuts_to_departements(code)
    foreign = place.country not in (None, "FRA") or any(
        not n.upper().startswith("FR") for n in place.nuts
    )
    for text in () if foreign else (place.commune, place.text):
        if text:
            commune, found = resolve_text(text)
            deps += found
            if commune is not None:
                place.commune = commune
    place.departements = sorted(set(deps), key=deps.index)


def locate(notice: Notice) -> Notice:
    """Resolve the places of the notice and of its lots (in place; returns the notice)."""
    _resolve(notice.place)
    for lot in notice.lots:
        if lot.place is not None:
            _resolve(lot.place)
    return notice

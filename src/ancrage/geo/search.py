"""Find territories by the start of their name or code, for pickers (« Poit » → Poitiers,
CU du Grand Poitiers…): régions and départements first, then EPCI, then communes by
population."""

from __future__ import annotations

from dataclasses import dataclass

from ancrage.geo.territory import default_geography
from ancrage.geo.text import fold

_KIND_RANK = {"reg": 0, "dep": 1, "epci": 2, "commune": 3}
KIND_LABELS = {
    "reg": "région",
    "dep": "département",
    "epci": "intercommunalité",
    "commune": "commune",
}


@dataclass(frozen=True)
class TerritoryChoice:
    kind: str
    code: str
    nom: str
    departement: str | None

    @property
    def label(self) -> str:
        """``kind:code``, the form every command and query parameter takes."""
        return f"{self.kind}:{self.code}"

    @property
    def text(self) -> str:
        where = f", {self.departement}" if self.kind == "commune" and self.departement else ""
        return f"{self.nom} ({KIND_LABELS[self.kind]}{where})"

    def as_json(self) -> dict[str, str | None]:
        return {
            "id": self.label,
            "kind": self.kind,
            "code": self.code,
            "name": self.nom,
            "label": self.text,
        }


def search_territories(text: str, *, limit: int = 10) -> list[TerritoryChoice]:
    """Territories whose folded name starts with ``text`` (then those with a word starting
    with it), or the département of that code."""
    geo = default_geography()
    key = fold(text)
    if not key:
        return []
    found: list[tuple[tuple[int, int, str], TerritoryChoice]] = []
    code = text.strip().upper()
    if code in geo.departements:
        dep = geo.departements[code]
        found.append(((-1, 0, ""), TerritoryChoice("dep", dep.code, dep.nom, None)))
    for name, entries in geo.names.items():
        if not name.startswith(key):
            if f" {key}" not in f" {name}":
                continue
            starts = 1
        else:
            starts = 0
        for kind, c in entries:
            if kind == "reg":
                nom, dep_code, population = geo.regions[c].nom, None, 0
            elif kind == "dep":
                nom, dep_code, population = geo.departements[c].nom, None, 0
            elif kind == "epci":
                nom, dep_code, population = geo.epcis[c].nom, None, 0
            else:
                commune = geo.communes[c]
                nom, dep_code = commune.nom, commune.departement
                population = commune.population or 0
            choice = TerritoryChoice(kind, c, nom, dep_code)
            found.append(((starts * 10 + _KIND_RANK[kind], -population, nom), choice))
    found.sort(key=lambda item: item[0])
    out: list[TerritoryChoice] = []
    for _, choice in found:
        if choice not in out:
            out.append(choice)
        if len(out) >= limit:
            break
    return out

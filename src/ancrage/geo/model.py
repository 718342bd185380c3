"""Plain records of the COG: communes, EPCI, départements, régions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CommuneType = Literal[
    "commune-actuelle", "arrondissement-municipal", "commune-deleguee", "commune-associee"
]
CURRENT: CommuneType = "commune-actuelle"
TerritoryKind = Literal["commune", "epci", "dep", "reg"]


@dataclass(frozen=True, slots=True)
class Commune:
    """One COG entity. ``commune`` is the current commune of a non-current entity."""

    code: str
    nom: str
    type: CommuneType
    departement: str
    region: str
    zone: str
    commune: str | None = None
    arrondissement: str | None = None
    epci: str | None = None
    siren: str | None = None
    codes_postaux: tuple[str, ...] = ()
    population: int | None = None

    @property
    def is_current(self) -> bool:
        return self.type == CURRENT


@dataclass(frozen=True, slots=True)
class Epci:
    """An EPCI à fiscalité propre; ``code`` is its SIREN, ``membres`` INSEE codes."""

    code: str
    nom: str
    type: str
    mode_financement: str | None
    population: int | None
    membres: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Departement:
    code: str
    nom: str
    region: str
    chef_lieu: str
    zone: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    nom: str
    chef_lieu: str
    zone: str


@dataclass(frozen=True, slots=True)
class Arrondissement:
    """An arrondissement départemental (not an arrondissement municipal)."""

    code: str
    nom: str
    departement: str
    region: str
    chef_lieu: str

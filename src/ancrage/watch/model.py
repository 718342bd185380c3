"""A company profile: what a firm does, where, for how much, and how it wants to be told.

Plain dataclass, checked by :func:`check_profile`; stored by :mod:`ancrage.watch.profiles`.
CPV codes of interest are *prefixes* (significant digits, ``4533`` for 45330000), so that a
profile follows a whole branch of the nomenclature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ancrage.errors import AncrageError

Reserved = Literal["any", "only", "exclude"]
Frequency = Literal["daily", "immediate"]
PURCHASE_TYPES = ("travaux", "fournitures", "services")
RESERVED_CHOICES: tuple[Reserved, ...] = ("any", "only", "exclude")
FREQUENCIES: tuple[Frequency, ...] = ("daily", "immediate")

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_CPV = re.compile(r"^\d{2,8}$")
_DEP = re.compile(r"^(\d{2}|2A|2B|97\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class WatchError(AncrageError):
    """A profile, an option or the application database is not usable."""

    exit_code = 2


@dataclass
class Profile:
    """One firm's watch settings. ``None`` means "not given" (no filter on it)."""

    name: str  # short identifier used on the command line (lower case, digits, - and _)
    email: str | None = None
    siret: str | None = None
    denomination: str | None = None
    naf: str | None = None
    commune: str | None = None  # INSEE code of the establishment's commune
    departement: str | None = None
    size_class: str | None = None  # TPE / PME / ETI / GE (SIRENE, approximate)
    artisan: bool | None = None
    cpv: list[str] = field(default_factory=list)  # prefixes, e.g. "4533"
    cpv_labels: dict[str, str] = field(default_factory=dict)  # prefix -> trade ("plomberie")
    keywords: list[str] = field(default_factory=list)
    excluded_keywords: list[str] = field(default_factory=list)
    departements: list[str] = field(default_factory=list)  # area; empty + no radius = France
    radius_km: float | None = None  # around the establishment's commune
    value_min: float | None = None  # euros HT
    value_max: float | None = None
    certifications: list[str] = field(default_factory=list)  # "Qualibat", "RGE"...
    reserved: Reserved = "any"  # reserved contracts: any, only them, exclude them
    lots_only: bool = False  # only allotted calls (a lot is within reach of a small firm)
    purchase_types: list[str] = field(default_factory=list)  # travaux/fournitures/services
    frequency: Frequency = "daily"  # one digest a run, or one message per call
    min_days: int = 7  # fewer days left than this: flagged as short
    active: bool = True
    id: int | None = None
    unsubscribe_token: str | None = None
    group_name: str | None = None  # an advisor's tag for the firms they follow ("cma-vienne")


def cpv_prefix_of(code: str) -> str:
    """A CPV prefix as given (``4533``) or the significant digits of a full code."""
    text = code.strip().split("-")[0]
    if not _CPV.match(text):
        raise WatchError(
            f"code CPV « {code} » invalide",
            hint="Donnez 2 à 8 chiffres (ex. 4533 ou 45330000).",
        )
    if len(text) == 8:
        text = text.rstrip("0")
        text = text if len(text) >= 2 else text.ljust(2, "0")
    return text


def check_profile(profile: Profile) -> Profile:
    """The profile with its codes normalised, or a :class:`WatchError` saying what is wrong."""
    if not _NAME.match(profile.name):
        raise WatchError(
            f"nom de profil « {profile.name} » invalide",
            hint="Minuscules, chiffres, - et _ (ex. plombier-vienne).",
        )
    if profile.group_name is not None and not _NAME.match(profile.group_name):
        raise WatchError(
            f"nom de groupe « {profile.group_name} » invalide",
            hint="Minuscules, chiffres, - et _ (ex. cma-vienne).",
        )
    if profile.email is not None and not _EMAIL.match(profile.email):
        raise WatchError(f"adresse e-mail « {profile.email} » invalide", hint="Ex. a@b.fr.")
    if profile.siret is not None and not (profile.siret.isdigit() and len(profile.siret) == 14):
        raise WatchError(f"SIRET « {profile.siret} » invalide", hint="14 chiffres attendus.")
    profile.cpv = list(dict.fromkeys(cpv_prefix_of(c) for c in profile.cpv))
    for dep in profile.departements:
        if not _DEP.match(dep):
            raise WatchError(f"département « {dep} » invalide", hint="Codes comme 86, 2A ou 971.")
    if profile.radius_km is not None and (profile.radius_km <= 0 or profile.commune is None):
        raise WatchError(
            "un rayon demande un rayon positif et la commune de l'établissement",
            hint="Donnez --commune CODE_INSEE (ou un SIRET connu) avec --rayon KM.",
        )
    lo, hi = profile.value_min, profile.value_max
    if (
        (lo is not None and lo < 0)
        or (hi is not None and hi < 0)
        or (lo is not None and hi is not None and lo > hi)
    ):
        raise WatchError(
            "fourchette de montants invalide", hint="Ex. --montant-min 10000 --montant-max 200000."
        )
    for kind in profile.purchase_types:
        if kind not in PURCHASE_TYPES:
            raise WatchError(
                f"type d'achat « {kind} » inconnu", hint="travaux, fournitures ou services."
            )
    if profile.reserved not in RESERVED_CHOICES:
        raise WatchError(
            f"préférence marchés réservés « {profile.reserved} » inconnue",
            hint="any, only ou exclude.",
        )
    if profile.frequency not in FREQUENCIES:
        raise WatchError(f"fréquence « {profile.frequency} » inconnue", hint="daily ou immediate.")
    if profile.min_days < 0:
        raise WatchError("le délai minimal doit être positif", hint="Ex. --jours-min 7.")
    return profile

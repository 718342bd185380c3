"""Party identifiers (DECP ``typeIdentifiant`` + ``id``) → SIRET/SIREN or country/territory.

The mapping of id types and VAT prefixes to countries lives in ``data/sirene/id_types.csv`` and
``data/sirene/vat_prefixes.csv``; SIRENE's INSEE country codes (``99109``) → ISO alpha-2 in
``data/sirene/insee_countries.csv`` (:func:`iso_country`). A value that does not have the
expected shape gives a :class:`PartyId` with ``problem`` set (a recorded rejection, not an
exception).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from ancrage.ingest.values import is_valid_siret
from ancrage.sirene.tables import id_type_rules, vat_prefixes

_SPACES = re.compile(r"[\s.\-]")
_FR_VAT = re.compile(r"^FR([0-9A-Z]{2})(\d{9})$")


@dataclass(frozen=True, slots=True)
class PartyId:
    """What an identifier tells: a French SIRET/SIREN, a country or territory (ISO 3166 alpha-2).
    ``abroad``: outside France although the country is unknown (``HORS-UE``)."""

    id_type: str | None
    value: str | None
    siret: str | None = None
    siren: str | None = None
    country: str | None = None
    problem: str | None = None
    abroad: bool = False


def fr_vat_key(siren: str) -> str:
    """The 2-digit key of a French VAT number: ``(12 + 3 × (SIREN mod 97)) mod 97``."""
    return f"{(12 + 3 * (int(siren) % 97)) % 97:02d}"


def parse_party_id(id_type: str | None, value: str | None) -> PartyId:
    """Classify one identifier (``id_type`` already normalised: SIRET, TVA, TAHITI…)."""
    raw = _SPACES.sub("", value).upper() if value else None
    kind = id_type.strip().upper() if id_type else None
    rule = id_type_rules().get(kind) if kind else None
    if rule is None:
        return PartyId(kind, raw, problem="unknown identifier type")
    abroad = rule.rule == "outside_eu"
    if not raw:
        return PartyId(kind, raw, country=rule.country, problem="empty identifier", abroad=abroad)
    if rule.rule in ("siret", "siren"):
        if raw.isdigit() and len(raw) == 14:
            return PartyId(kind, raw, siret=raw, siren=raw[:9], country="FR")
        if raw.isdigit() and len(raw) == 9:
            problem = None if rule.rule == "siren" else "a SIREN given as a SIRET"
            return PartyId(kind, raw, siren=raw, country="FR", problem=problem)
        return PartyId(kind, raw, country="FR", problem="not a SIRET or SIREN (14 or 9 digits)")
    if rule.rule == "vat_prefix":
        return _parse_vat(rule.id_type, raw)
    return PartyId(kind, raw, country=rule.country, abroad=abroad)


@cache
def insee_countries() -> dict[str, str]:
    """INSEE country code (``99xxx``) → ISO 3166 alpha-2, from ``insee_countries.csv``."""
    text = files("ancrage.data.sirene").joinpath("insee_countries.csv").read_text(encoding="utf-8")
    return {r["insee_code"]: r["iso2"] for r in csv.DictReader(text.splitlines())}


def iso_country(insee_code: str | None) -> str | None:
    """ISO alpha-2 of an INSEE country code (SIRENE ``codePaysEtrangerEtablissement``); ``None``
    when the code is not in the table."""
    if insee_code is None:
        return None
    return insee_countries().get(insee_code.strip())


def _parse_vat(kind: str, raw: str) -> PartyId:
    country = vat_prefixes().get(raw[:2])
    if country is None:
        return PartyId(kind, raw, problem="unknown VAT country prefix")
    if country != "FR":
        return PartyId(kind, raw, country=country)
    match = _FR_VAT.match(raw)
    if match is None:
        return PartyId(kind, raw, country="FR", problem="not a French VAT number (FR + 11 chars)")
    key, siren = match[1], match[2]
    if key.isdigit() and key != fr_vat_key(siren):
        return PartyId(kind, raw, country="FR", problem="French VAT key does not match the SIREN")
    return PartyId(kind, raw, siren=siren, country="FR")


def lookable_siret(value: str | None) -> bool:
    """A SIRET worth asking SIRENE about: 14 digits with a valid key, and not a placeholder
    (a SIREN of one repeated digit, such as ``00000000000000``, is never assigned)."""
    return value is not None and is_valid_siret(value) and len(set(value[:9])) > 1

"""The establishment + legal-unit facts Ancrage keeps from SIRENE, whatever the source.

One :class:`SireneRecord` per establishment (SIRET). Establishment facts come from the
establishment itself — its commune (``codeCommuneEtablissement``), never the head office's — and
legal-unit facts from its SIREN. Personal-name columns (``nomUniteLegale``, ``prenom1UniteLegale``…)
are never read: only the legal unit's ``denominationUniteLegale`` is kept (empty for a natural
person).

The value rules below (:func:`clean_code`, :func:`naf_code`…) are the single definition shared by
the API mapping; :mod:`ancrage.sirene.stock` applies the same rules in SQL.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

import pyarrow as pa

from ancrage.sirene.tables import headcount_bands

CATEGORIES = ("PME", "ETI", "GE")

ARROW_SCHEMA = pa.schema(
    [
        pa.field("siret", pa.string(), nullable=False),
        pa.field("siren", pa.string(), nullable=False),
        pa.field("commune", pa.string()),
        pa.field("postal_code", pa.string()),
        pa.field("naf", pa.string()),
        pa.field("head_office", pa.bool_()),
        pa.field("active", pa.bool_()),
        pa.field("nafa", pa.string()),
        pa.field("foreign_country", pa.string()),
        pa.field("denomination", pa.string()),
        pa.field("legal_category", pa.string()),
        pa.field("category", pa.string()),
        pa.field("category_year", pa.int32()),
        pa.field("headcount_band", pa.string()),
        pa.field("headcount_year", pa.int32()),
        pa.field("ess", pa.bool_()),
    ]
)


@dataclass(frozen=True, slots=True)
class SireneRecord:
    """Facts about one establishment and its legal unit. ``None`` means unknown."""

    siret: str
    siren: str
    commune: str | None  # codeCommuneEtablissement (COG), the establishment's own commune
    postal_code: str | None  # codePostalEtablissement
    naf: str | None  # activitePrincipaleEtablissement, NAF rév. 2 with a dot (43.22A)
    head_office: bool | None  # etablissementSiege
    active: bool | None  # etatAdministratifEtablissement: A → True, F → False
    nafa: str | None  # activitePrincipaleRegistreMetiersEtablissement (artisan when filled)
    foreign_country: str | None  # codePaysEtrangerEtablissement (INSEE code, 99xxx)
    denomination: str | None  # denominationUniteLegale (legal persons only)
    legal_category: str | None  # categorieJuridiqueUniteLegale, 4 digits
    category: str | None  # categorieEntreprise: PME / ETI / GE
    category_year: int | None  # anneeCategorieEntreprise
    headcount_band: str | None  # trancheEffectifsUniteLegale: NN, 00, 01… 53
    headcount_year: int | None  # anneeEffectifsUniteLegale
    ess: bool | None  # economieSocialeSolidaireUniteLegale: O → True, N → False

    @property
    def artisan(self) -> bool:
        """Registered at the Répertoire des métiers (a NAFA code is filled)."""
        return self.nafa is not None


def records_to_arrow(records: list[SireneRecord]) -> pa.Table:
    """Records as an Arrow table with :data:`ARROW_SCHEMA`."""
    return pa.Table.from_pylist([asdict(r) for r in records], schema=ARROW_SCHEMA)


def records_from_arrow(table: pa.Table) -> list[SireneRecord]:
    """The inverse of :func:`records_to_arrow` (columns other than the schema are ignored)."""
    names = [f.name for f in fields(SireneRecord)]
    return [SireneRecord(**{n: row[n] for n in names}) for row in table.select(names).to_pylist()]


# --- value rules (mirrored in SQL by ancrage.sirene.stock) -------------------------------------

_NAF_NO_DOT = re.compile(r"^(\d{2})(\d{2}[A-Z])$")


def clean_code(value: object) -> str | None:
    """A code as text, stripped; empty → ``None``."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def naf_code(value: object) -> str | None:
    """NAF rév. 2 code with its dot (``4322A`` → ``43.22A``)."""
    text = clean_code(value)
    if text is None:
        return None
    match = _NAF_NO_DOT.match(text)
    return f"{match[1]}.{match[2]}" if match else text


def legal_category_code(value: object) -> str | None:
    """``categorieJuridiqueUniteLegale`` as 4 digits (files that store it as a number lose no 0)."""
    text = clean_code(value)
    return text.zfill(4) if text is not None and text.isdigit() else text


def category_code(value: object) -> str | None:
    text = clean_code(value)
    return text if text in CATEGORIES else None


def headcount_code(value: object) -> str | None:
    """A ``tranche d'effectifs`` code from the official list, else ``None``."""
    text = clean_code(value)
    if text is not None and text.isdigit() and len(text) == 1:
        text = text.zfill(2)
    return text if text in headcount_bands() else None


def year(value: object) -> int | None:
    text = clean_code(value)
    return int(text) if text is not None and text.isdigit() and len(text) == 4 else None


def flag(value: object, true: str, false: str) -> bool | None:
    """A two-valued code (``O``/``N``, ``A``/``F``, ``true``/``false``) as a boolean."""
    if isinstance(value, bool):
        return value
    text = clean_code(value)
    if text == true:
        return True
    if text == false:
        return False
    return None

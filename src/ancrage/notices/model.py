"""The canonical notice model: one shape for BOAMP (JSON, XML) and TED eForms notices.

Plain typed dataclasses. Values are cleaned (CPV without check digit, aware datetimes, numbers),
but every field keeps to what the source says: ``None`` means "not given", never "no".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

NoticeKind = Literal["contract_notice", "prior_information", "award", "corrigendum", "cancellation"]
PurchaseType = Literal["travaux", "fournitures", "services"]
CriterionType = Literal["price", "quality", "cost"]
Status = Literal["open", "closed", "cancelled"]  # the lifecycle, as stored
State = Literal["open", "expired", "undated", "awarded", "cancelled"]  # lifecycle and deadline


@dataclass(frozen=True)
class Fact:
    """Something read in free text by a rule of ``text_rules.toml``, with its sentence."""

    fact: str  # e.g. "certification:Qualibat", "site_visit:mandatory"
    sentence: str
    source_field: str  # where the sentence was found, e.g. "capaciteTech"


@dataclass
class Buyer:
    name: str | None = None
    siret: str | None = None  # 14 digits, only when the source gives a SIRET
    national_id: str | None = None  # any other national id, as given
    city: str | None = None
    postal_code: str | None = None
    departement: str | None = None
    nuts: str | None = None
    country: str | None = None


@dataclass
class Place:
    """A place of performance: as the source gives it, and resolved to the COG
    (:func:`ancrage.notices.places.locate`)."""

    nuts: list[str] = field(default_factory=list)
    departements: list[str] = field(default_factory=list)
    commune: str | None = None  # the COG name once resolved
    text: str | None = None  # the place as written
    country: str | None = None  # ISO alpha-3 when the source says it (eForms BT-5141)


@dataclass
class Money:
    amount: Decimal
    currency: str | None


@dataclass
class Duration:
    value: Decimal
    unit: Literal["day", "month", "year"]
    text: str | None = None


@dataclass
class AwardCriterion:
    type: CriterionType | None
    name: str | None
    description: str | None = None
    weight: Decimal | None = None
    weight_as_given: str | None = None  # "50", "40 %", "30 points"...
    order: int | None = None  # rank when criteria are given by priority


@dataclass
class Consideration:
    """An environmental or social requirement, with the field it came from."""

    kind: Literal["environmental", "social", "strategic", "execution"]  # execution: not classified
    code: str | None  # e.g. eForms "env-imp", "clean-vehicles"; BOAMP "ENVIRONNEMENTAUX"
    text: str | None
    source_field: str  # e.g. "BT-774-Lot", "gestion.INDEXATION.CRITERES_SOCIAUX_ENV"


@dataclass
class Reservation:
    code: str  # eForms reserved-procurement code ("sheltered-workshop", "sheltered-program"...)
    label: str | None
    source_field: str


@dataclass
class AwardResult:
    lot_id: str | None
    winners: list[str] = field(default_factory=list)
    amount: Money | None = None
    result: str | None = None  # eForms BT-142: selec-w, clos-nw, open-nw; BOAMP: "infructueux"…


@dataclass
class Lot:
    number: str | None
    title: str | None = None
    description: str | None = None
    cpv_main: str | None = None
    cpv_additional: list[str] = field(default_factory=list)
    value: Money | None = None
    place: Place | None = None
    award_criteria: list[AwardCriterion] = field(default_factory=list)
    duration: Duration | None = None
    deadline: datetime | None = None
    sme_suitable: bool | None = None
    variants_allowed: bool | None = None
    reserved: list[Reservation] = field(default_factory=list)
    considerations: list[Consideration] = field(default_factory=list)
    documents_url: str | None = None
    submission_url: str | None = None


@dataclass
class Notice:
    id: str  # "<source>:<source_id>", built from the raw id, never re-computed
    source: str  # "boamp", "ted"
    source_id: str  # BOAMP idweb; TED notice UUID-version (BT-701, BT-757)
    kind: NoticeKind
    source_format: str  # e.g. "boamp-ods-v2.1/FNSimple", "boamp-xml-v230", "ted-eforms-xml"
    url: str | None = None
    buyer: Buyer = field(default_factory=Buyer)
    title: str | None = None
    description: str | None = None
    procedure: str | None = None  # as coded by the source (OUVERT, open, PROCEDURE_ADAPTE…)
    purchase_type: PurchaseType | None = None
    cpv_main: str | None = None
    cpv_additional: list[str] = field(default_factory=list)
    place: Place = field(default_factory=Place)
    estimated_value: Money | None = None
    publication_date: date | None = None
    deadline: datetime | None = None  # always timezone-aware
    duration: Duration | None = None
    lots: list[Lot] = field(default_factory=list)
    award_criteria: list[AwardCriterion] = field(default_factory=list)
    reserved: list[Reservation] = field(default_factory=list)
    considerations: list[Consideration] = field(default_factory=list)
    sme_suitable: bool | None = None
    variants_allowed: bool | None = None
    site_visit: bool | None = None  # True: a visit is planned (see facts for "mandatory")
    qualifications_text: list[str] = field(default_factory=list)
    qualification_labels: list[str] = field(default_factory=list)  # detected: "Qualibat"...
    documents_url: str | None = None
    buyer_profile_url: str | None = None
    submission_url: str | None = None
    changes_notice: str | None = None  # id (canonical) of the notice this one changes/awards
    procedure_id: str | None = None  # eForms BT-04: shared by a CN, its changes and its award
    trade_descriptors: list[tuple[str, str]] = field(default_factory=list)  # BOAMP (code, label)
    status: str | None = None  # BOAMP etat INITIAL/RECTIFICATIF/AVIS_ANNULE; "closed" after award
    awards: list[AwardResult] = field(default_factory=list)
    award_notice: str | None = None  # id of the award notice that closed this one
    change_history: list[str] = field(default_factory=list)  # ids of applied changes
    facts_from_text: list[Fact] = field(default_factory=list)
    publication_number: str | None = None  # TED (OPP-010): "00047522-2024", the id users know
    listed_departements: list[str] = field(default_factory=list)  # BOAMP code_departement


def make_id(source: str, source_id: str) -> str:
    """Stable id from the raw source id (never from cleaned values)."""
    return f"{source}:{source_id.strip()}"


_TED_NUMBER = re.compile(r"(?:ted:)?0*(\d{1,8})-((?:19|20)\d\d)", re.IGNORECASE)
_BOAMP_NUMBER = re.compile(r"(?:boamp:)?(\d{2}-\d{1,7})", re.IGNORECASE)


def display_id(notice: Notice) -> str:
    """The id users know: the TED publication number (``ted:00047522-2024``) when the notice
    has one, the BOAMP avis number (``boamp:26-7319``); the stable :attr:`Notice.id` (TED:
    notice UUID and version) stays an accepted alias."""
    if notice.source == "ted" and notice.publication_number:
        return f"ted:{notice.publication_number}"
    return notice.id


def reference_ids(text: str) -> list[str]:
    """The ids a user's reference may stand for, most likely first: the text as given, a TED
    publication number with or without ``ted:`` and leading zeros (``47522-2024``,
    ``ted:00047522-2024``), a BOAMP avis number without ``boamp:`` (``26-7319``)."""
    ref = text.strip()
    out = [ref]
    if found := _TED_NUMBER.fullmatch(ref):
        out.append(f"ted:{found[1].zfill(8)}-{found[2]}")
    if found := _BOAMP_NUMBER.fullmatch(ref):
        out.append(f"boamp:{found[1]}")
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- derived facts


def status_of(notice: Notice) -> Status:
    """The lifecycle of a notice: cancelled, closed (awarded) or open — whatever its deadline
    (see :func:`state_of` for what a user is told)."""
    raw = (notice.status or "").lower()
    if notice.kind == "cancellation" or raw in ("cancelled", "avis_annule"):
        return "cancelled"
    if notice.kind == "award" or raw == "closed":
        return "closed"
    return "open"


def state_of(status: str, deadline: datetime | None, now: datetime) -> State:
    """What a call is at ``now``: open only while its deadline is ahead; ``expired`` once it
    has passed, ``undated`` when the notice gives none, ``awarded``, ``cancelled``."""
    if status == "cancelled":
        return "cancelled"
    if status == "closed":
        return "awarded"
    if deadline is None:
        return "undated"
    return "open" if deadline > now else "expired"


def notice_state(notice: Notice, now: datetime) -> State:
    return state_of(status_of(notice), notice.deadline, now)


def cpv_codes(notice: Notice) -> set[str]:
    """Every CPV code of the notice and of its lots."""
    codes = {notice.cpv_main, *notice.cpv_additional}
    for lot in notice.lots:
        codes.update([lot.cpv_main, *lot.cpv_additional])
    return {c for c in codes if c}


def departements(notice: Notice) -> dict[str, str]:
    """Département → origin, every place the notice gives: ``place`` (its place of performance
    or its lots'), ``listed`` (the départements a BOAMP record lists); the buyer's (``buyer``)
    only when the notice gives no place at all."""
    deps = dict.fromkeys(notice.place.departements, "place")
    for lot in notice.lots:
        if lot.place is not None:
            deps.update({d: "place" for d in lot.place.departements if d not in deps})
    deps.update({d: "listed" for d in notice.listed_departements if d not in deps})
    if not deps and notice.buyer.departement:
        deps[notice.buyer.departement] = "buyer"
    return deps

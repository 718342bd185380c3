"""The diagnostic as a type: frozen dataclasses that the CLI, the report, the export and the HTTP
API read by attribute, and one JSON form (:meth:`Diagnostic.as_json`).

Rules every figure follows (see ``docs/diagnostic.md``, generated from this module):

- **Unknown is not zero.** A share that cannot be computed (empty base, suppliers not located,
  sizes not known) is a :class:`Share` whose ``value`` is ``None``, with the ``reason`` in French.
- **Every share carries its base** (the number of contracts or contract × supplier rows it is
  computed on). Below :data:`MIN_BASE` it is shown with a small-sample warning.
- **No claim on a thin base.** A target is « atteinte » or « non atteinte » only when at least
  :data:`MIN_CLAIM_BASE` contracts declare their considerations *and* they are at least
  :data:`MIN_CLAIM_COVERAGE` of the contracts in scope; otherwise the verdict is « base trop
  faible » (or « non mesurable » when none declares).

Every class documents its fields in its docstring (``name``: meaning); a test checks that each
field is documented, and ``docs/diagnostic.md`` lists them. The JSON form is the HTTP API's
schema: add fields, never rename or retype one without raising :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ancrage.labels import RING_IDS, SIZE_IDS

if TYPE_CHECKING:
    from ancrage.diagnose.scope import Scope

SCHEMA_VERSION = 1
MIN_BASE = 30
MIN_CLAIM_BASE = 30
MIN_CLAIM_COVERAGE = 0.5

Status = Literal["ok", "base faible", "inconnu"]
Verdict = Literal["atteinte", "non atteinte", "base trop faible", "non mesurable"]


# -- shares ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Share:
    """A share (0–1) with what it is computed on.

    ``value``: the share, ``None`` when it cannot be computed (never 0 for unknown);
    ``base``: how many items (contracts, contract × supplier rows, lines) the share is
    computed on — the denominator's count; ``reason``: in French, why the value is unknown
    (empty when it is known).
    """

    value: float | None
    base: int
    reason: str = ""

    @property
    def status(self) -> Status:
        """``inconnu`` without a value, ``base faible`` under :data:`MIN_BASE`, else ``ok``."""
        if self.value is None:
            return "inconnu"
        return "base faible" if self.base < MIN_BASE else "ok"

    @property
    def thin(self) -> bool:
        return self.status == "base faible"

    @classmethod
    def of(cls, part: float | None, whole: float | None, base: int, reason: str) -> Share:
        """``part / whole``; unknown (with ``reason``) when ``whole`` is null or zero."""
        if part is None or whole is None or abs(whole) < 1e-12 or base == 0:
            return cls(None, base, reason)
        return cls(float(part) / float(whole), base)

    @classmethod
    def known(cls, value: float | None, base: int, reason: str) -> Share:
        """A share computed elsewhere (SQL); ``None`` or an empty base is unknown."""
        if value is None or base == 0:
            return cls(None, base, reason)
        return cls(float(value), base)


def sum_shares(shares: Iterable[Share], reason: str) -> Share:
    """The sum of shares of one base (rings of the territory…); unknown if one is."""
    items = list(shares)
    base = items[0].base if items else 0
    if not items or any(s.value is None for s in items):
        return Share(None, base, reason)
    return Share(sum(s.value or 0.0 for s in items), base)


@dataclass(frozen=True)
class RingShares:
    """Shares of the seven exclusive locality rings around each buyer (they sum to 1 when known).

    ``commune``: same commune; ``epci``: same intercommunality; ``departement``: same
    département; ``region``: same région; ``france``: rest of France; ``abroad``: abroad;
    ``unknown``: supplier not located precisely enough to tell.
    """

    commune: Share
    epci: Share
    departement: Share
    region: Share
    france: Share
    abroad: Share
    unknown: Share

    def get(self, ring: str) -> Share:
        share: Share = getattr(self, ring)
        return share

    def items(self) -> list[tuple[str, Share]]:
        return [(ring, self.get(ring)) for ring in RING_IDS]

    def total(self, rings: Iterable[str], reason: str = "") -> Share:
        """The share of several rings together (e.g. the rings inside the territory)."""
        return sum_shares((self.get(r) for r in rings), reason or self.unknown.reason)


@dataclass(frozen=True)
class SizeShares:
    """Shares by firm size (décret 2008-1354, approximated from SIRENE).

    ``tpe``: fewer than 10 staff; ``pme``: small and medium firms (TPE excluded); ``eti``:
    intermediate firms; ``ge``: large firms; ``unknown``: size not known (no SIRENE record);
    ``sme``: TPE + PME among the rows of known size (unknown without any known size).
    """

    tpe: Share
    pme: Share
    eti: Share
    ge: Share
    unknown: Share
    sme: Share

    def get(self, size: str) -> Share:
        share: Share = getattr(self, size.lower())
        return share

    def items(self) -> list[tuple[str, Share]]:
        return [(size, self.get(size)) for size in SIZE_IDS]


# -- volume ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Totals:
    """Volume of the scope.

    ``contracts``: contracts in scope; ``amount_eur``: sum of their amounts (€ HT, after the last
    modification; implausible amounts excluded unless asked); ``buyers``: distinct buyers;
    ``suppliers``: distinct suppliers; ``framework_contracts``: framework agreements among the
    contracts (their amount is a ceiling, not a spend).
    """

    contracts: int
    amount_eur: float
    buyers: int
    suppliers: int
    framework_contracts: int


@dataclass(frozen=True)
class YearVolume:
    """Volume of one notification year.

    ``year``: the year (``None`` for contracts without a date); ``contracts``, ``amount_eur``,
    ``buyers``, ``suppliers``, ``framework_contracts``: as in :class:`Totals`.
    """

    year: int | None
    contracts: int
    amount_eur: float
    buyers: int
    suppliers: int
    framework_contracts: int


# -- locality -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RingYear:
    """One ring in one year.

    ``year``: notification year (``None``: undated); ``ring``: ring id; ``rows``: contract ×
    supplier rows; ``amount_eur``: their amount; ``share_amount``, ``share_count``: the ring's
    share of the year's amount and rows.
    """

    year: int | None
    ring: str
    rows: int
    amount_eur: float
    share_amount: Share
    share_count: Share


@dataclass(frozen=True)
class DistanceBand:
    """Buyer–supplier distance band.

    ``band``: band label (``0-10 km`` … ``300 km et plus``, ``inconnue``); ``rows``: contract ×
    supplier rows; ``amount_eur``: their amount; ``share_amount``, ``share_count``: shares of the
    scope; ``median_km``: median distance in the band (``None`` when unknown).
    """

    band: str
    rows: int
    amount_eur: float
    share_amount: Share
    share_count: Share
    median_km: float | None


@dataclass(frozen=True)
class Locality:
    """Where the suppliers are, ring by ring around each buyer.

    ``rows``: contract × supplier rows of the scope (the base of every share); ``by_amount``:
    ring shares of the amount; ``by_count``: ring shares of the rows; ``local``: share of the
    amount going to suppliers in the rings inside the territory (``Scope.local_rings``), among
    all the amount; ``local_of_located``: the same among the amount whose supplier is located;
    ``by_year``: the rings year by year; ``distance``: distance bands.
    """

    rows: int
    by_amount: RingShares
    by_count: RingShares
    local: Share
    local_of_located: Share
    by_year: tuple[RingYear, ...]
    distance: tuple[DistanceBand, ...]


# -- suppliers ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArtisansEss:
    """Artisans (Répertoire des métiers) and social and solidarity economy, from SIRENE.

    ``rows``: contract × supplier rows; ``rows_known``: rows whose supplier is in SIRENE (the
    base); ``artisan_share_amount``, ``artisan_share_count``, ``ess_share_amount``,
    ``ess_share_count``: shares among those rows.
    """

    rows: int
    rows_known: int
    artisan_share_amount: Share
    artisan_share_count: Share
    ess_share_amount: Share
    ess_share_count: Share


@dataclass(frozen=True)
class SmeBand:
    """Access of TPE/PME to one amount band.

    ``amount_band``: the band (``40-90k``…, ``None`` when the amount is unknown); ``rows_known``:
    rows of known size; ``sme_share_count``, ``sme_share_amount``: TPE + PME among them.
    """

    amount_band: str | None
    rows_known: int
    sme_share_count: Share
    sme_share_amount: Share


@dataclass(frozen=True)
class SupplierSize:
    """Profile of the suppliers.

    ``rows``: contract × supplier rows; ``rows_known``: rows of known size; ``by_amount``,
    ``by_count``: size shares of the amount and of the rows (``sme`` among known sizes);
    ``artisans_ess``: artisans and ESS; ``sme_by_amount_band``: TPE/PME access by amount band.
    """

    rows: int
    rows_known: int
    by_amount: SizeShares
    by_count: SizeShares
    artisans_ess: ArtisansEss
    sme_by_amount_band: tuple[SmeBand, ...]


# -- considerations -------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsiderationYear:
    """One year of a consideration.

    ``year``: notification year; ``contracts``: contracts; ``reported``: contracts whose format
    declares considerations; ``share_contracts``, ``share_amount``: share with the
    consideration among the declaring contracts (count, amount).
    """

    year: int | None
    contracts: int
    reported: int
    share_contracts: Share
    share_amount: Share


@dataclass(frozen=True)
class Consideration:
    """Environmental or social considerations against a target.

    ``kind``: ``environmental`` or ``social``; ``contracts``: contracts in scope; ``reported``:
    contracts whose format declares considerations (2024 format), the base of the shares;
    ``clause``, ``criterion``, ``reserved`` (social only, 0 otherwise), ``none``: declaring
    contracts with a clause, a criterion, reserved, nothing; ``share_contracts``,
    ``share_amount``: share of the declaring contracts (count, amount) with at least one;
    ``target``: the PNAD 2025 target (1.0 environmental, 0.3 social); ``verdict``:
    ``atteinte``, ``non atteinte``, ``base trop faible`` or ``non mesurable`` (base rule in the
    module docstring); ``note``: the sentence that says on what base; ``by_year``: year by year.
    """

    kind: Literal["environmental", "social"]
    contracts: int
    reported: int
    clause: int
    criterion: int
    reserved: int
    none: int
    share_contracts: Share
    share_amount: Share
    target: float
    verdict: Verdict
    note: str
    by_year: tuple[ConsiderationYear, ...]


@dataclass(frozen=True)
class Considerations:
    """``environmental`` and ``social`` considerations."""

    environmental: Consideration
    social: Consideration


@dataclass(frozen=True)
class QuarterShare:
    """Environmental considerations in one quarter of notification.

    ``quarter``: ``2026-T3``; ``in_force``: the obligation applies to the whole quarter
    (``False`` before, ``None`` for the quarter of 21 August 2026 itself); ``contracts``,
    ``reported``: contracts and declaring ones; ``share``: declaring contracts with an
    environmental consideration.
    """

    quarter: str
    in_force: bool | None
    contracts: int
    reported: int
    share: Share


@dataclass(frozen=True)
class ObligationBuyer:
    """One buyer under the environmental obligation.

    ``buyer``: SIRET or published id; ``name``: as published (``None`` when unnamed);
    ``contracts``: contracts notified since the date; ``reported``: declaring ones;
    ``share``: with an environmental consideration; ``criterion_share``: with an environmental
    award criterion (the legal form of the obligation).
    """

    buyer: str | None
    name: str | None
    contracts: int
    reported: int
    share: Share
    criterion_share: Share


@dataclass(frozen=True)
class EnvObligation:
    """The environmental obligation in force since 21 August 2026 (loi Climat et résilience,
    art. 35; décret 2022-767): every contract has an environmental award criterion.

    ``since``: the date; ``note``: what is measured and its limits; ``contracts``: contracts of
    the scope notified since the date; ``reported``: those declaring their considerations (the
    base); ``share``: with an environmental consideration (clause or criterion);
    ``criterion_share``: with an environmental award criterion; ``verdict``: against 100 %,
    with the base rule of every target; ``by_quarter``: the trend quarter by quarter, before and
    after; ``buyers``: every buyer with contracts since the date, furthest from 100 % first.
    """

    since: dt.date
    note: str
    contracts: int
    reported: int
    share: Share
    criterion_share: Share
    verdict: Verdict
    by_quarter: tuple[QuarterShare, ...]
    buyers: tuple[ObligationBuyer, ...]

    def trend(self) -> list[QuarterShare]:
        """``by_quarter`` on a continuous axis, from the first quarter with a declaring contract
        to the last quarter with a contract; a quarter without contract is there, unknown."""
        found = {q.quarter: q for q in self.by_quarter}
        declaring = [q.quarter for q in self.by_quarter if q.reported]
        if not declaring:
            return []
        first, last = min(declaring), max(found)
        out = []
        year, quarter = int(first[:4]), int(first[-1])
        while (key := f"{year}-T{quarter}") <= last:
            out.append(
                found.get(key)
                or QuarterShare(key, in_force(key, self.since), 0, 0, Share(None, 0, NO_QUARTER))
            )
            year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
        return out


NO_QUARTER = "aucun contrat notifié ce trimestre"


def in_force(quarter: str, since: dt.date) -> bool | None:
    """The obligation applies to the whole quarter (``True``), not at all (``False``), or from
    within it (``None``)."""
    year, q = int(quarter[:4]), int(quarter[-1])
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    if end <= since:
        return False
    return True if start >= since else None


# -- competition, concentration, practices --------------------------------------------------------
@dataclass(frozen=True)
class CompetitionRow:
    """Competition of one segment or procedure family.

    ``key``: segment id or procedure family (``None``: unknown); ``contracts``: contracts;
    ``contracts_with_offers``: contracts declaring the number of offers (the base);
    ``mean_offers``, ``median_offers``: offers received; ``single_offer_share``: share of
    single-offer contracts.
    """

    key: str | None
    contracts: int
    contracts_with_offers: int
    mean_offers: float | None
    median_offers: float | None
    single_offer_share: Share


@dataclass(frozen=True)
class Competition:
    """Intensity of competition.

    ``contracts``, ``contracts_with_offers``, ``mean_offers``, ``median_offers``,
    ``single_offer_share``: as in :class:`CompetitionRow`, for the scope; ``by_segment``,
    ``by_procedure``: the same by segment and by procedure family.
    """

    contracts: int
    contracts_with_offers: int
    mean_offers: float | None
    median_offers: float | None
    single_offer_share: Share
    by_segment: tuple[CompetitionRow, ...]
    by_procedure: tuple[CompetitionRow, ...]


@dataclass(frozen=True)
class Concentration:
    """Concentration of the amount on a few suppliers.

    ``suppliers``: suppliers with a known amount; ``top10_share``: share of the amount of the
    ten largest; ``hhi``: Herfindahl-Hirschman index (0–10,000), ``None`` without amounts.
    """

    suppliers: int
    top10_share: Share
    hhi: float | None


@dataclass(frozen=True)
class Practices:
    """Innovation, advances, subcontracting (2024-format fields).

    ``contracts``: contracts; ``innovative_share``, ``advance_share``,
    ``subcontracting_share``: shares among the contracts filling the field; ``subcontracting_acts``,
    ``subcontracting_amount_eur``: declared subcontracting acts and their amount.
    """

    contracts: int
    innovative_share: Share
    advance_share: Share
    subcontracting_share: Share
    subcontracting_acts: int
    subcontracting_amount_eur: float


# -- segments -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SegmentRow:
    """One purchase segment (from the CPV code).

    ``segment_id``: stable id (``inconnu`` without CPV); ``label``: French label;
    ``contracts``: contracts (or spend lines); ``amount_eur``: amount; ``located_share``: share
    of the amount whose supplier is located; ``local_share``: share of the located amount going
    to suppliers inside the territory (its base: the located contract × supplier rows);
    ``leaving_share``: share of the located amount leaving it; ``leaving_amount_eur``: that
    amount; ``local_establishments``: establishments of the territory whose NAF matches the
    segment (``None`` without the SIRENE establishments);
    ``single_offer_share``: single-offer contracts (``None`` for spend lines).
    """

    segment_id: str
    label: str
    contracts: int
    amount_eur: float
    located_share: Share
    local_share: Share
    leaving_share: Share
    leaving_amount_eur: float
    local_establishments: int | None
    single_offer_share: Share | None


# -- quality --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quality:
    """What is missing or was set aside, always shown beside the figures.

    ``contracts``: contracts in scope; ``missing_amounts``: without amount; ``flagged_amounts``,
    ``flagged_amount_eur``: implausible amounts (excluded from totals unless asked);
    ``buyers_unlocated``: buyers of the scope with no known place; ``supplier_rows``:
    contract × supplier rows; ``suppliers_unknown_location``: rows whose supplier's ring is
    unknown; ``quarantined_records``: records set aside in the files of the scope; ``files``:
    files contributing; ``synthetic_files``: fictitious files among them.
    """

    contracts: int
    missing_amounts: int
    flagged_amounts: int
    flagged_amount_eur: float
    buyers_unlocated: int
    supplier_rows: int
    suppliers_unknown_location: int
    quarantined_records: int
    files: int
    synthetic_files: int


# -- blocks beside the main figures ---------------------------------------------------------------
@dataclass(frozen=True)
class FrameworksBlock:
    """Framework agreements counted apart (``--frameworks separate``).

    ``note``: what their amount means; ``totals``: their volume (amount = ceilings);
    ``by_amount``: ring shares of their amount; ``local``: share inside the territory.
    """

    note: str
    totals: Totals
    by_amount: RingShares
    local: Share


@dataclass(frozen=True)
class SpendTotals:
    """Volume of the buyers' accounted spend.

    ``lines``: spend lines; ``amount_eur``: their amount; ``buyers``, ``suppliers``: distinct;
    ``credit_notes``: negative lines.
    """

    lines: int
    amount_eur: float
    buyers: int
    suppliers: int
    credit_notes: int


@dataclass(frozen=True)
class SpendYear:
    """One fiscal year of spend: ``year``, ``lines``, ``amount_eur``, ``buyers``, ``suppliers``,
    ``credit_notes`` (as in :class:`SpendTotals`)."""

    year: int | None
    lines: int
    amount_eur: float
    buyers: int
    suppliers: int
    credit_notes: int


@dataclass(frozen=True)
class SpendBlock:
    """Purchases of the buyers' own accounts (paid mandates), below the DECP threshold too.

    ``note``: what these lines are; ``totals``: volume; ``by_year``: by fiscal year;
    ``locality``: rings (base: spend lines); ``supplier_size``: sizes; ``segments``: by segment.
    """

    note: str
    totals: SpendTotals
    by_year: tuple[SpendYear, ...]
    locality: Locality
    supplier_size: SupplierSize
    segments: tuple[SegmentRow, ...]


@dataclass(frozen=True)
class ConcessionYear:
    """Concessions signed in one year: ``year`` (``None``: undated), ``contracts``,
    ``value_eur`` (sum of their valeur globale)."""

    year: int | None
    contracts: int
    value_eur: float


@dataclass(frozen=True)
class ConcessionBuyer:
    """Concessions of one granting authority: ``buyer`` (SIRET or published id), ``name``
    (as published, ``None`` when no source names it), ``contracts``, ``value_eur``."""

    buyer: str | None
    name: str | None
    contracts: int
    value_eur: float


@dataclass(frozen=True)
class Concessions:
    """Concession contracts of the scope, never added to the marchés' amounts.

    ``note``: what their value is; ``contracts``: concessions in scope; ``valued``: those with a
    plausible value; ``value_eur``: sum of their valeur globale (estimated value over the whole
    life of the contract, often paid by users); ``buyers``: distinct granting authorities;
    ``by_year``: by year of signature; ``by_buyer``: by authority, largest value first.
    """

    note: str
    contracts: int
    valued: int
    value_eur: float
    buyers: int
    by_year: tuple[ConcessionYear, ...]
    by_buyer: tuple[ConcessionBuyer, ...]


@dataclass(frozen=True)
class UnplacedReason:
    """Why some buyers could not be placed: ``reason`` (French), ``buyers``, ``contracts``."""

    reason: str
    buyers: int
    contracts: int


@dataclass(frozen=True)
class Placement:
    """Buyers of the territory's wider area that could not be placed precisely enough to tell
    whether they are in the territory (they may be, without being counted).

    ``level``: where they could not be placed (« dans une commune »…); ``area``: the wider area
    searched (« du département Vienne (86) »); ``wider_territory``: the ``--territory``
    argument of that area (``None`` for the whole warehouse); ``buyers``, ``contracts``,
    ``amount_eur``: how many, under the scope's other filters; ``reasons``: why, by cause;
    ``examples``: a few of their names; ``sentence``: all of it in one French sentence.
    """

    level: str
    area: str
    wider_territory: str | None
    buyers: int
    contracts: int
    amount_eur: float
    reasons: tuple[UnplacedReason, ...]
    examples: tuple[str, ...]
    sentence: str


@dataclass(frozen=True)
class SireneAdvice:
    """How to learn the suppliers' size and place from SIRENE.

    ``unknown_sirets``: valid SIRETs of the warehouse that neither the stock nor the API has
    answered yet (placeholders and invalid keys left out); ``api_minutes``: what ``enrich
    --api`` would take for them at the API's rate; ``dataset``: where the stock files are
    published; ``files``: their names and approximate sizes; ``command``: the command to run
    once they are in a folder; ``sentence``: all of it, in French.
    """

    unknown_sirets: int
    api_minutes: int
    dataset: str
    files: tuple[tuple[str, str], ...]
    command: str
    sentence: str


# -- the diagnostic -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Diagnostic:
    """The territorial diagnostic of a scope.

    ``scope``: the :class:`~ancrage.diagnose.scope.Scope` (its ``territory`` is the
    :class:`~ancrage.geo.Territory` object; in JSON, its description); ``fictitious``: the scope
    holds fictitious data (every output must say so); ``totals``: volume; ``by_year``: volume by
    notification year; ``locality``: where suppliers are; ``supplier_size``: who they are;
    ``considerations``: environmental and social considerations; ``obligation``: the
    environmental obligation since 21 August 2026; ``competition``: offers;
    ``concentration``: weight of the largest suppliers; ``practices``: innovation, advances,
    subcontracting; ``segments``: by purchase segment, largest first; ``quality``: data
    quality; ``empty``: for a scope without any contract, one sentence saying so and what to try
    (``None`` otherwise); ``placement``: buyers of the wider area that could not be placed in
    the territory (``None`` without a territory); ``concessions``: the concession contracts of
    the same scope, apart (``None`` when the scope itself is of concessions); ``frameworks``:
    framework agreements apart (``None`` unless asked); ``spend``: the buyers' accounts
    (``None`` when none was loaded); ``benchmark``: the same diagnostic on a reference scope
    (``None`` unless asked); ``sirene``: how to learn the suppliers' size from SIRENE, when
    most of them have none (``None`` otherwise).
    """

    scope: Scope
    fictitious: bool
    totals: Totals
    by_year: tuple[YearVolume, ...]
    locality: Locality
    supplier_size: SupplierSize
    considerations: Considerations
    obligation: EnvObligation
    competition: Competition
    concentration: Concentration
    practices: Practices
    segments: tuple[SegmentRow, ...]
    quality: Quality
    empty: str | None = None
    placement: Placement | None = None
    concessions: Concessions | None = None
    frameworks: FrameworksBlock | None = None
    spend: SpendBlock | None = None
    benchmark: Diagnostic | None = None
    sirene: SireneAdvice | None = None

    def as_json(self) -> dict[str, Any]:
        """The JSON form (the HTTP API's schema): plain dicts, lists, numbers and strings.

        A :class:`Share` becomes ``{"value", "base", "status", "reason"}``; the scope its
        description (territory as ``{"kind", "code", "nom", "label"}``).
        """
        out = to_json(self)
        assert isinstance(out, dict)
        return {"schema_version": SCHEMA_VERSION, **out}


def to_json(value: Any) -> Any:
    """JSON-ready form of a model value (dataclasses, shares, scopes, tuples, dates)."""
    from ancrage.diagnose.scope import Scope

    if isinstance(value, Share):
        return {
            "value": value.value,
            "base": value.base,
            "status": value.status,
            "reason": value.reason,
        }
    if isinstance(value, Scope):
        return value.describe()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value

"""The small interface every DECP source format exposes.

A source knows one file format. It never touches the warehouse: it *sniffs* a file head to say
whether the format is its own, then *reads* the file as a stream of :class:`RawContract` dicts —
the record mapped to canonical field names but with values left exactly as found in the file
(strings, numbers, booleans, ``None``). Value cleaning, repairs, quarantine and de-duplication are
done once for all sources by :mod:`ancrage.ingest.normalise`.

Conventions for readers:

* ``ref`` says where the record is in the file (``marches[12]``, ``marches.marche[3]``,
  ``uid 2000…``), so a user can find it;
* a key present in the source but not mapped goes to ``extra`` (pop, then audit);
* a list the format wraps (``{"titulaire": {...}}``) is unwrapped by the reader;
* an item that is not a record at all (a number where an object was expected) is reported with
  :meth:`ReadContext.reject` and not yielded;
* a file that cannot be read (truncated, not UTF-8, not the expected structure) raises
  :class:`ancrage.errors.InputFileError` with a one-line message and a hint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TypedDict

Kind = Literal["marche", "concession"]


class RawParty(TypedDict, total=False):
    """A buyer, supplier or sub-contractor as found in the file."""

    id_type: object  # typeIdentifiant: SIRET, TVA, TAHITI, RIDET, FRWF, IREP, HORS-UE...
    id: object
    name: object  # denominationSociale (2019 format, tabular); absent in the 2024 format
    department: object  # département code, when the source gives it (tabular extract)
    region: object


class RawModification(TypedDict, total=False):
    id: object
    object: object  # objetModification
    amount: object  # montant / valeurGlobale after the modification
    duration_months: object
    notification_date: object  # dateNotificationModification / dateSignatureModification
    publication_date: object  # datePublicationDonneesModification
    suppliers: list[RawParty] | None  # new titulaires / concessionnaires, None when unchanged


class RawSubcontractChange(TypedDict, total=False):
    id: object  # id of the subcontracting act it modifies
    amount: object
    duration_months: object
    notification_date: object
    publication_date: object


class RawSubcontract(TypedDict, total=False):
    id: object
    subcontractor: RawParty
    amount: object
    duration_months: object
    notification_date: object
    publication_date: object
    price_variation: object


class RawContract(TypedDict, total=False):
    ref: str  # where the record is in the file (required)
    kind: Kind  # required
    uid: object  # a source-given unique id (uid of decp-json / tabular), when present
    source_name: object  # the "source" field of consolidated files (data.gouv.fr_aife...)
    id: object
    buyer: RawParty  # acheteur / autoriteConcedante
    object: object
    cpv: object
    nature: object
    procedure: object
    techniques: list[object] | None
    execution_modes: list[object] | None
    price_form: object
    price_types: list[object] | None
    place_code: object
    place_type: object
    place_name: object
    duration_months: object
    notification_date: object  # dateNotification; dateSignature for concessions
    publication_date: object  # datePublicationDonnees
    start_date: object  # dateDebutExecution (concessions)
    amount: object  # montant; valeurGlobale for concessions
    public_subsidy: object  # montantSubventionPublique (concessions)
    offers_received: object
    innovative: object
    ccag: object
    advance: object  # attributionAvance
    advance_rate: object  # tauxAvance
    grouping_type: object  # typeGroupementOperateurs
    subcontracting_declared: object  # sousTraitanceDeclaree
    origin_eu: object
    origin_fr: object
    social: list[object] | None  # considerationsSociales (None: not reported by the format)
    environmental: list[object] | None  # considerationsEnvironnementales
    framework_id: object  # idAccordCadre
    suppliers: list[RawParty]
    modifications: list[RawModification]
    subcontracts: list[RawSubcontract]
    subcontract_changes: list[RawSubcontractChange]
    extra: dict[str, object]  # keys found but not mapped


@dataclass(frozen=True)
class Rejection:
    """An item of the file that could not even be read as a record."""

    ref: str
    record_id: str | None
    field: str | None
    raw_value: str | None
    reason: str


@dataclass
class ReadContext:
    """What a reader may do besides yielding records: report progress and reject items.

    A reader of a format that can be read in *shares* (``Source.shares``) reads the items of
    share ``k`` of ``n`` only (``share = (k, n)``: blocks of items dealt in turn, see
    :mod:`ancrage.sources.jsonstream`), so that ``n`` processes load one big file together; it
    sets ``position`` to the index of the current item among all the items of the file, so that
    positions do not depend on the share.
    """

    path: Path
    on_progress: Callable[[int], None] | None = None  # bytes consumed so far
    rejections: list[Rejection] = field(default_factory=list)
    share: tuple[int, int] = (0, 1)
    position: int | None = None  # set by readers that read shares

    def progress(self, bytes_done: int) -> None:
        if self.on_progress is not None:
            self.on_progress(bytes_done)

    def reject(
        self,
        ref: str,
        reason: str,
        *,
        record_id: str | None = None,
        field: str | None = None,
        raw_value: object = None,
    ) -> None:
        raw = None if raw_value is None else str(raw_value)[:500]
        self.rejections.append(Rejection(ref, record_id, field, raw, reason))


class Source(Protocol):
    """A DECP file format."""

    name: str  # stable identifier, e.g. "decp-2019"
    label: str  # human description, e.g. "DECP 2019 format (JSON)"
    shares: bool  # whether read() honours ReadContext.share (and sets ReadContext.position)

    def sniff(self, head: bytes, path: Path) -> bool:
        """True when ``head`` (the first 64 KiB of the file) is this format."""
        ...

    def read(self, path: Path, ctx: ReadContext) -> Iterator[RawContract]:
        """Stream the records of the file in bounded memory."""
        ...

"""Indicator rows (dicts from DuckDB) → the typed :class:`~ancrage.diagnose.model.Diagnostic`.

The only place that reads indicator rows by column name: everything after reads attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ancrage.diagnose.model import (
    MIN_CLAIM_BASE,
    MIN_CLAIM_COVERAGE,
    ArtisansEss,
    Competition,
    CompetitionRow,
    Concentration,
    ConcessionBuyer,
    Concessions,
    ConcessionYear,
    Consideration,
    Considerations,
    ConsiderationYear,
    Diagnostic,
    DistanceBand,
    EnvObligation,
    Locality,
    ObligationBuyer,
    Practices,
    Quality,
    QuarterShare,
    RingShares,
    RingYear,
    SegmentRow,
    Share,
    SizeShares,
    SmeBand,
    SpendBlock,
    SpendTotals,
    SpendYear,
    SupplierSize,
    Totals,
    Verdict,
    YearVolume,
    in_force,
)
from ancrage.diagnose.scope import Scope
from ancrage.fmt import count, number
from ancrage.indicators.considerations import OBLIGATION_DATE
from ancrage.labels import RING_IDS, SIZE_IDS
from ancrage.reference.segments import segments

Row = Mapping[str, Any]
Tables = Mapping[str, Sequence[Row]]

NO_ROWS = "aucun titulaire dans le périmètre"
NO_AMOUNT = "aucun montant connu dans le périmètre"
NOT_LOCATED = (
    "aucun titulaire localisé : lancez « ancrage enrich » (avec le stock SIRENE pour placer "
    "les titulaires dans leur commune)"
)
NO_SIZE = "aucune taille connue : la taille vient de SIRENE (ancrage enrich --sirene-stock)"
NO_SIRENE = "aucun titulaire identifié dans SIRENE (ancrage enrich --sirene-stock)"
NOT_DECLARED = (
    "aucun contrat du périmètre ne déclare ses considérations (seul le format 2024 les déclare)"
)
NO_OFFERS = "aucun contrat du périmètre ne déclare le nombre d'offres reçues"
NO_FIELD = "aucun contrat du périmètre ne renseigne ce champ (format 2024 seulement)"


def _int(value: Any) -> int:
    return int(value or 0)


def _float(value: Any) -> float:
    return float(value or 0.0)


def rings(rows: Sequence[Row], column: str, base: int, reason: str) -> RingShares:
    """Ring shares from ``locality_rings`` rows (a ring without row is a known 0)."""
    found = {r["ring"]: r[column] for r in rows}
    return RingShares(*(Share.known(found.get(ring, 0.0), base, reason) for ring in RING_IDS))


def sizes(rows: Sequence[Row], column: str, base: int, reason: str) -> SizeShares:
    """Size shares from ``supplier_size`` rows; ``sme`` = (TPE + PME) / known sizes."""
    found = {r["size_class"]: r[column] for r in rows}
    each = {size: Share.known(found.get(size, 0.0), base, reason) for size in SIZE_IDS}
    value = {size: _float(found.get(size)) for size in SIZE_IDS}
    known_rows = base - _int(next((r["rows"] for r in rows if r["size_class"] == "unknown"), 0))
    sme = Share.of(value["TPE"] + value["PME"], 1.0 - value["unknown"], known_rows, NO_SIZE)
    return SizeShares(
        tpe=each["TPE"],
        pme=each["PME"],
        eti=each["ETI"],
        ge=each["GE"],
        unknown=each["unknown"],
        sme=sme,
    )


def locality(t: Tables, prefix: str, local_rings: Sequence[str]) -> Locality:
    ring_rows = t[f"{prefix}locality_rings"]
    n = sum(_int(r["rows"]) for r in ring_rows)
    amount = sum(_float(r["amount_eur"]) for r in ring_rows)
    reason = NO_ROWS if n == 0 else NO_AMOUNT
    by_amount = rings(ring_rows, "share_amount", n, reason)
    located = amount - sum(_float(r["amount_eur"]) for r in ring_rows if r["ring"] == "unknown")
    local = sum(_float(r["amount_eur"]) for r in ring_rows if r["ring"] in local_rings)
    located_rows = n - sum(_int(r["rows"]) for r in ring_rows if r["ring"] == "unknown")
    return Locality(
        rows=n,
        by_amount=by_amount,
        by_count=rings(ring_rows, "share_count", n, NO_ROWS),
        local=Share.of(local, amount, n, reason),
        local_of_located=Share.of(local, located, located_rows, NOT_LOCATED if n else NO_ROWS),
        by_year=tuple(
            RingYear(
                year=r["year"],
                ring=r["ring"],
                rows=_int(r["rows"]),
                amount_eur=_float(r["amount_eur"]),
                share_amount=Share.known(r["share_amount"], _int(r["rows"]), NO_AMOUNT),
                share_count=Share.known(r["share_count"], _int(r["rows"]), NO_ROWS),
            )
            for r in t.get(f"{prefix}locality_rings__by_year", ())
        ),
        distance=tuple(
            DistanceBand(
                band=r["band"],
                rows=_int(r["rows"]),
                amount_eur=_float(r["amount_eur"]),
                share_amount=Share.known(r["share_amount"], n, NO_AMOUNT),
                share_count=Share.known(r["share_count"], n, NO_ROWS),
                median_km=r["median_km"],
            )
            for r in t.get(f"{prefix}distance", ())
        ),
    )


def supplier_size(t: Tables, prefix: str) -> SupplierSize:
    size_rows = t[f"{prefix}supplier_size"]
    n = sum(_int(r["rows"]) for r in size_rows)
    known = n - sum(_int(r["rows"]) for r in size_rows if r["size_class"] == "unknown")
    ae = t[f"{prefix}artisans_ess"][0]
    ae_base = _int(ae["rows_known"])
    return SupplierSize(
        rows=n,
        rows_known=known,
        by_amount=sizes(size_rows, "share_amount", n, NO_ROWS if n == 0 else NO_AMOUNT),
        by_count=sizes(size_rows, "share_count", n, NO_ROWS),
        artisans_ess=ArtisansEss(
            rows=_int(ae["rows"]),
            rows_known=ae_base,
            artisan_share_amount=Share.known(ae["artisan_share_amount"], ae_base, NO_SIRENE),
            artisan_share_count=Share.known(ae["artisan_share_count"], ae_base, NO_SIRENE),
            ess_share_amount=Share.known(ae["ess_share_amount"], ae_base, NO_SIRENE),
            ess_share_count=Share.known(ae["ess_share_count"], ae_base, NO_SIRENE),
        ),
        sme_by_amount_band=tuple(
            SmeBand(
                amount_band=r["amount_band"],
                rows_known=_int(r["rows_known"]),
                sme_share_count=Share.known(r["sme_share_count"], _int(r["rows_known"]), NO_SIZE),
                sme_share_amount=Share.known(r["sme_share_amount"], _int(r["rows_known"]), NO_SIZE),
            )
            for r in t.get(f"{prefix}sme_access__by_amount_band", ())
        ),
    )


def verdict(share: Share, reported: int, contracts: int, target: float) -> Verdict:
    """The claim a consideration supports (rule in :mod:`ancrage.diagnose.model`)."""
    if share.value is None or reported == 0:
        return "non mesurable"
    if reported < MIN_CLAIM_BASE or reported < MIN_CLAIM_COVERAGE * contracts:
        return "base trop faible"
    return "atteinte" if share.value >= target - 1e-9 else "non atteinte"


def consideration(
    t: Tables, kind: Literal["environmental", "social"], target: float
) -> Consideration:
    row = t[kind][0]
    reported, contracts = _int(row["reported"]), _int(row["contracts"])
    share = Share.known(row["share_contracts"], reported, NOT_DECLARED)
    return Consideration(
        kind=kind,
        contracts=contracts,
        reported=reported,
        clause=_int(row["clause"]),
        criterion=_int(row["criterion"]),
        reserved=_int(row.get("reserved")),
        none=_int(row["none"]),
        share_contracts=share,
        share_amount=Share.known(row["share_amount"], reported, NOT_DECLARED),
        target=target,
        verdict=verdict(share, reported, contracts, target),
        note=(
            "Part calculée sur les contrats dont le format déclare les considérations "
            f"({count(reported, 'contrat')} sur {number(contracts)})."
        ),
        by_year=tuple(
            ConsiderationYear(
                year=r["year"],
                contracts=_int(r["contracts"]),
                reported=_int(r["reported"]),
                share_contracts=Share.known(
                    r["share_contracts"], _int(r["reported"]), NOT_DECLARED
                ),
                share_amount=Share.known(r["share_amount"], _int(r["reported"]), NOT_DECLARED),
            )
            for r in t.get(f"{kind}__by_year", ())
        ),
    )


NOT_SINCE = (
    "aucun contrat du périmètre notifié depuis le 21 août 2026 ne déclare ses considérations"
)
OBLIGATION_NOTE = (
    "Depuis le 21 août 2026 (loi Climat et résilience, art. 35 ; décret 2022-767), chaque "
    "marché comporte au moins un critère d'attribution environnemental, sauf exceptions que "
    "les données ne permettent pas de repérer : la cible de 100 % est un repère. Part calculée "
    "sur les contrats notifiés depuis cette date qui déclarent leurs considérations."
)


def obligation(t: Tables, buyer_names: Mapping[str, str]) -> EnvObligation:
    row = t["env_obligation"][0]
    reported = _int(row["reported"])
    share = Share.known(row["share_contracts"], reported, NOT_SINCE)
    buyers = [
        ObligationBuyer(
            buyer=r["buyer"],
            name=buyer_names.get(r["buyer"] or ""),
            contracts=_int(r["contracts"]),
            reported=_int(r["reported"]),
            share=Share.known(r["share_contracts"], _int(r["reported"]), NOT_DECLARED),
            criterion_share=Share.known(r["criterion_share"], _int(r["reported"]), NOT_DECLARED),
        )
        for r in t.get("env_obligation__by_buyer", ())
    ]
    buyers.sort(
        key=lambda b: (b.share.value is None, b.share.value or 0.0, -b.reported, b.buyer or "")
    )
    return EnvObligation(
        since=OBLIGATION_DATE,
        note=OBLIGATION_NOTE,
        contracts=_int(row["contracts"]),
        reported=reported,
        share=share,
        criterion_share=Share.known(row["criterion_share"], reported, NOT_SINCE),
        verdict=verdict(share, reported, _int(row["contracts"]), 1.0),
        by_quarter=tuple(
            QuarterShare(
                quarter=r["quarter"],
                in_force=in_force(r["quarter"], OBLIGATION_DATE),
                contracts=_int(r["contracts"]),
                reported=_int(r["reported"]),
                share=Share.known(r["share_contracts"], _int(r["reported"]), NOT_DECLARED),
            )
            for r in t.get("environmental__by_quarter", ())
            if r["quarter"] is not None
        ),
        buyers=tuple(buyers),
    )


def _competition_row(row: Row, key: str | None) -> CompetitionRow:
    base = _int(row["contracts_with_offers"])
    return CompetitionRow(
        key=key,
        contracts=_int(row["contracts"]),
        contracts_with_offers=base,
        mean_offers=row["mean_offers"],
        median_offers=row["median_offers"],
        single_offer_share=Share.known(row["single_offer_share"], base, NO_OFFERS),
    )


def competition(t: Tables) -> Competition:
    row = _competition_row(t["competition"][0], None)
    return Competition(
        contracts=row.contracts,
        contracts_with_offers=row.contracts_with_offers,
        mean_offers=row.mean_offers,
        median_offers=row.median_offers,
        single_offer_share=row.single_offer_share,
        by_segment=tuple(
            _competition_row(r, r["segment"]) for r in t.get("competition__by_segment", ())
        ),
        by_procedure=tuple(
            _competition_row(r, r["procedure"]) for r in t.get("competition__by_procedure", ())
        ),
    )


def segment_rows(
    rows: Sequence[Row],
    competition_by_segment: Mapping[str | None, CompetitionRow] | None,
    volume_by_segment: Mapping[str | None, Row],
) -> tuple[SegmentRow, ...]:
    """Segments, largest amount first; volume comes from ``volume`` when given (contracts
    without supplier rows count too)."""
    labels = {s.id: s.label for s in segments().values()}
    out = []
    for row in sorted(rows, key=lambda r: (-_float(r["amount_eur"]), r["segment"])):
        key = None if row["segment"] == "inconnu" else row["segment"]
        vol = volume_by_segment.get(key, {})
        amount = _float(row["amount_eur"])
        leaving = _float(row["leaving_amount_eur"])
        local = _float(row["local_amount_eur"])
        located = local + leaving
        contracts = _int(vol.get("contracts", row["contracts"]))
        comp = None if competition_by_segment is None else competition_by_segment.get(key)
        out.append(
            SegmentRow(
                segment_id=row["segment"],
                label=labels.get(row["segment"], "Segment inconnu"),
                contracts=contracts,
                amount_eur=_float(vol.get("amount_eur", amount)),
                located_share=Share.of(located, amount, contracts, NO_AMOUNT),
                local_share=Share.of(local, located, _int(row["located_rows"]), NOT_LOCATED),
                leaving_share=Share.of(leaving, located, _int(row["located_rows"]), NOT_LOCATED),
                leaving_amount_eur=leaving,
                local_establishments=(
                    _int(row["local_establishments"]) if row["establishments_available"] else None
                ),
                single_offer_share=(
                    None
                    if competition_by_segment is None
                    else comp.single_offer_share
                    if comp is not None
                    else Share(None, 0, NO_OFFERS)
                ),
            )
        )
    return tuple(out)


def quality(row: Row) -> Quality:
    return Quality(
        contracts=_int(row["contracts"]),
        missing_amounts=_int(row["missing_amounts"]),
        flagged_amounts=_int(row["flagged_amounts"]),
        flagged_amount_eur=_float(row["flagged_amount_eur"]),
        buyers_unlocated=_int(row["buyers_unlocated"]),
        supplier_rows=_int(row["supplier_rows"]),
        suppliers_unknown_location=_int(row["suppliers_unknown_location"]),
        quarantined_records=_int(row["quarantined_records"]),
        files=_int(row["files"]),
        synthetic_files=_int(row["synthetic_files"]),
    )


def totals(row: Row) -> Totals:
    return Totals(
        contracts=_int(row["contracts"]),
        amount_eur=_float(row["amount_eur"]),
        buyers=_int(row["buyers"]),
        suppliers=_int(row["suppliers"]),
        framework_contracts=_int(row["framework_contracts"]),
    )


def spend(t: Tables, local_rings: Sequence[str]) -> SpendBlock | None:
    """The buyers' accounted spend, or ``None`` when there is none."""
    volume = t["spend_volume"][0]
    if not volume["lines"]:
        return None
    return SpendBlock(
        note="Dépenses d'achat de la comptabilité des acheteurs (mandats payés), par exercice.",
        totals=SpendTotals(
            lines=_int(volume["lines"]),
            amount_eur=_float(volume["amount_eur"]),
            buyers=_int(volume["buyers"]),
            suppliers=_int(volume["suppliers"]),
            credit_notes=_int(volume["credit_notes"]),
        ),
        by_year=tuple(
            SpendYear(
                year=r["year"],
                lines=_int(r["lines"]),
                amount_eur=_float(r["amount_eur"]),
                buyers=_int(r["buyers"]),
                suppliers=_int(r["suppliers"]),
                credit_notes=_int(r["credit_notes"]),
            )
            for r in t.get("spend_volume__by_year", ())
        ),
        locality=locality(t, "spend_", local_rings),
        supplier_size=supplier_size(t, "spend_"),
        segments=segment_rows(t["spend_segment_leakage"], None, {}),
    )


CONCESSION_NOTE = (
    "Contrats de concession : leur valeur globale est la valeur estimée du contrat sur toute sa "
    "durée, souvent payée par les usagers ; elle n'est jamais ajoutée aux montants des marchés."
)


def concessions(t: Tables, buyer_names: Mapping[str, str]) -> Concessions:
    row = t["concessions"][0]
    by_buyer = sorted(
        t.get("concessions__by_buyer", ()),
        key=lambda r: (-_float(r["value_eur"]), -_int(r["contracts"]), r["buyer"] or ""),
    )
    return Concessions(
        note=CONCESSION_NOTE,
        contracts=_int(row["contracts"]),
        valued=_int(row["valued"]),
        value_eur=_float(row["value_eur"]),
        buyers=_int(row["buyers"]),
        by_year=tuple(
            ConcessionYear(r["year"], _int(r["contracts"]), _float(r["value_eur"]))
            for r in t.get("concessions__by_year", ())
        ),
        by_buyer=tuple(
            ConcessionBuyer(
                r["buyer"],
                buyer_names.get(r["buyer"] or ""),
                _int(r["contracts"]),
                _float(r["value_eur"]),
            )
            for r in by_buyer
        ),
    )


def assemble(scope: Scope, t: Tables, buyer_names: Mapping[str, str] | None = None) -> Diagnostic:
    """The diagnostic of ``scope`` from its indicator rows (``buyer_names``: names of the buyers
    listed by id)."""
    comp = competition(t)
    q = t["quality"][0]
    conc = t["concentration"][0]
    practices = t["practices"][0]
    return Diagnostic(
        scope=scope,
        fictitious=bool(q["synthetic_files"]),
        totals=totals(t["volume"][0]),
        by_year=tuple(
            YearVolume(
                year=r["year"],
                contracts=_int(r["contracts"]),
                amount_eur=_float(r["amount_eur"]),
                buyers=_int(r["buyers"]),
                suppliers=_int(r["suppliers"]),
                framework_contracts=_int(r["framework_contracts"]),
            )
            for r in t["volume__by_year"]
        ),
        locality=locality(t, "", scope.local_rings),
        supplier_size=supplier_size(t, ""),
        considerations=Considerations(
            environmental=consideration(t, "environmental", 1.0),
            social=consideration(t, "social", 0.3),
        ),
        obligation=obligation(t, buyer_names or {}),
        competition=comp,
        concentration=Concentration(
            suppliers=_int(conc["suppliers"]),
            top10_share=Share.known(conc["top10_share"], _int(conc["suppliers"]), NO_AMOUNT),
            hhi=conc["hhi"],
        ),
        practices=Practices(
            contracts=_int(practices["contracts"]),
            innovative_share=Share.known(
                practices["innovative_share"], _int(practices["innovative_known"]), NO_FIELD
            ),
            advance_share=Share.known(
                practices["advance_share"], _int(practices["advance_known"]), NO_FIELD
            ),
            subcontracting_share=Share.known(
                practices["subcontracting_share"],
                _int(practices["subcontracting_known"]),
                NO_FIELD,
            ),
            subcontracting_acts=_int(practices["subcontracting_acts"]),
            subcontracting_amount_eur=_float(practices["subcontracting_amount_eur"]),
        ),
        segments=segment_rows(
            t["segment_leakage"],
            {r.key: r for r in comp.by_segment},
            {r["segment"]: r for r in t["volume__by_segment"]},
        ),
        quality=quality(q),
        concessions=(None if scope.kind == "concession" else concessions(t, buyer_names or {})),
        spend=spend(t, scope.local_rings),
    )

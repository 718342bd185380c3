"""Locality ring of a supplier around its buyer, as stored in ``contract_suppliers_enriched``.

The rule is :func:`ancrage.sirene.profile.locality_ring` (the one definition), applied in Python
once per distinct (supplier place, buyer place) pair. One addition, for places known only at the
département or région level (the DECP tabular extract gives départements, not communes):
``locality_ring`` answers ``unknown`` as soon as a commune is missing, but a known *different*
coarser level already rules the inner rings out. So when it answers ``unknown``:

- both départements known and different, and no EPCI spans those two départements
  (:func:`~ancrage.enrich.geotables.epci_departement_pairs`) → ``region`` if the régions are
  equal, else ``france``;
- both régions known and different → ``france``;
- both EPCI known and different, départements known and equal → ``departement``;
- otherwise, when the finest level known on both sides (EPCI, département or région) matches →
  ``epci``, ``departement`` or ``region``: the supplier is placed in the finest ring the data
  can prove. It may in fact be in the same commune or EPCI; ``located_by`` says how precise
  the location is. Without this, a source that gives only départements (the tabular extract)
  would show no local spend at all.

Stored labels are short: ``commune``, ``epci``, ``departement``, ``region``,
``france``, ``abroad``, ``unknown`` (:data:`RING_LABELS`).
"""

from __future__ import annotations

from collections.abc import Collection

from ancrage.sirene.profile import Place, Ring, locality_ring

RING_LABELS: dict[Ring, str] = {
    Ring.SAME_COMMUNE: "commune",
    Ring.SAME_EPCI: "epci",
    Ring.SAME_DEPARTEMENT: "departement",
    Ring.SAME_REGION: "region",
    Ring.REST_OF_FRANCE: "france",
    Ring.ABROAD: "abroad",
    Ring.UNKNOWN: "unknown",
}
RING_ORDER: tuple[str, ...] = tuple(RING_LABELS.values())


def ring_of(
    supplier: Place,
    buyer: Place,
    cross_departement_epcis: Collection[frozenset[str]] = frozenset(),
) -> Ring:
    """:func:`locality_ring`, completed by what a known different coarser level implies."""
    ring = locality_ring(supplier, buyer)
    if ring is not Ring.UNKNOWN:
        return ring
    if supplier.effective_country is None or buyer.effective_country is None:
        return ring
    s_reg, b_reg = supplier.region, buyer.region
    s_dep, b_dep = supplier.departement, buyer.departement
    if s_reg is not None and b_reg is not None and s_reg != b_reg:
        return Ring.REST_OF_FRANCE
    if s_dep is not None and b_dep is not None and s_dep != b_dep:
        if frozenset((s_dep, b_dep)) in cross_departement_epcis:
            return Ring.UNKNOWN
        if s_reg is not None and s_reg == b_reg:
            return Ring.SAME_REGION
        return Ring.UNKNOWN
    s_epci, b_epci = supplier.epci, buyer.epci
    if (
        s_epci is not None
        and b_epci is not None
        and s_epci != b_epci
        and s_dep is not None
        and s_dep == b_dep
    ):
        return Ring.SAME_DEPARTEMENT
    # the finest level known on both sides and equal: the ring the data can prove
    if s_epci is not None and s_epci == b_epci:
        return Ring.SAME_EPCI
    if s_dep is not None and b_dep is not None:
        if s_dep == b_dep:
            return Ring.SAME_DEPARTEMENT
    elif s_reg is not None and s_reg == b_reg:
        return Ring.SAME_REGION
    return ring


def ring_label(
    supplier: Place,
    buyer: Place,
    cross_departement_epcis: Collection[frozenset[str]] = frozenset(),
) -> str:
    return RING_LABELS[ring_of(supplier, buyer, cross_departement_epcis)]

"""Short ring labels stored in ``contract_suppliers_enriched`` and ``spend_enriched``.

The rule is :func:`ancrage.sirene.profile.locality_ring` (the one definition, see
``docs/sirene.md``); this module only names its rings: ``commune``, ``epci``, ``departement``,
``region``, ``france``, ``abroad``, ``unknown`` (:data:`RING_LABELS`).
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


def ring_label(
    supplier: Place,
    buyer: Place,
    cross_departement_epcis: Collection[frozenset[str]] = frozenset(),
) -> str:
    """The stored label of :func:`locality_ring`."""
    return RING_LABELS[locality_ring(supplier, buyer, cross_departement_epcis)]

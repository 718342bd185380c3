"""What users read for the codes of the data: locality rings and firm sizes, with their chart
colours. The one table for the CLI, the report, the export and the HTTP API (standard library
only: cheap to import).

Ring ids are those stored by the enrichment (:mod:`ancrage.enrich.rings`), innermost first.
"""

from __future__ import annotations

RING_IDS: tuple[str, ...] = (
    "commune",
    "epci",
    "departement",
    "region",
    "france",
    "abroad",
    "unknown",
)
RING_LABELS: dict[str, str] = {
    "commune": "même commune",
    "epci": "même intercommunalité",
    "departement": "même département",
    "region": "même région",
    "france": "reste de la France",
    "abroad": "étranger",
    "unknown": "lieu inconnu",
}
RING_COLOURS: dict[str, str] = {
    "commune": "#7a3b0c",
    "epci": "#b0561a",
    "departement": "#e08a3c",
    "region": "#4f8fb0",
    "france": "#23628a",
    "abroad": "#0b3b5c",
    "unknown": "#b8c0c8",
}

SIZE_IDS: tuple[str, ...] = ("TPE", "PME", "ETI", "GE", "unknown")
SIZE_LABELS: dict[str, str] = {
    "TPE": "TPE (moins de 10 salariés)",
    "PME": "PME",
    "ETI": "ETI",
    "GE": "grandes entreprises",
    "unknown": "taille inconnue",
}
SIZE_COLOURS: dict[str, str] = {
    "TPE": "#e08a3c",
    "PME": "#4f8fb0",
    "ETI": "#23628a",
    "GE": "#0b3b5c",
    "unknown": "#b8c0c8",
}

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

# The fields of the canonical contract (as the quarantine and the repair log name them) under
# the names DECP files give them (2019 and 2024 JSON and XML), which users find in their files.
# Indexes are kept: ``suppliers[1].name`` is ``titulaires[1].denominationSociale``.
DECP_FIELDS: dict[str, str] = {
    "id": "id",
    "uid": "uid",
    "object": "objet",
    "buyer": "acheteur",
    "buyer.id": "acheteur.id",
    "buyer.name": "acheteur.nom",
    "suppliers": "titulaires",
    "name": "denominationSociale",
    "id_type": "typeIdentifiant",
    "place_name": "lieuExecution.nom",
    "place_code": "lieuExecution.code",
    "cpv": "codeCPV",
    "notification_date": "dateNotification",
    "publication_date": "datePublicationDonnees",
    "procedure": "procedure",
    "nature": "nature",
    "amount": "montant",
    "duration_months": "dureeMois",
    "modifications": "modifications",
}


def decp_field(field: str | None) -> str | None:
    """``suppliers[0].name`` → ``titulaires[0].denominationSociale``; unknown parts as written."""
    if not field:
        return field
    parts = []
    for part in field.split("."):
        name, bracket, index = part.partition("[")
        parts.append(DECP_FIELDS.get(name, name) + bracket + index)
    whole = ".".join(parts)
    return DECP_FIELDS.get(field, whole)

"""Errors as RFC 9457 problem details (``application/problem+json``), in French."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from ancrage.errors import AncrageError, WarehouseBusyError

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Requête invalide",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Introuvable",
    405: "Méthode non permise",
    409: "Conflit",
    413: "Requête trop grande",
    415: "Type de contenu non pris en charge",
    422: "Paramètres invalides",
    429: "Trop de requêtes",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}


def status_of(error: AncrageError) -> int:
    """HTTP status of a library error: the web errors say theirs; a missing object is 404; a
    busy warehouse 503; any other user error 400."""
    status = getattr(error, "status", None)
    if isinstance(status, int):
        return status
    if isinstance(error, WarehouseBusyError):
        return 503
    name = type(error).__name__
    if name.endswith("NotFoundError"):
        return 404
    if name == "WarehouseError":
        return 404
    return 400


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Erreur"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if hint:
        body["hint"] = hint
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def detail_of(error: AncrageError) -> str:
    """The French sentence without the hint (the hint has its own member)."""
    head = error.message
    if error.field:
        head = f"champ {error.field}: {head}"
    return head[:1].upper() + head[1:]


_VALIDATION = {
    "missing": "valeur manquante",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "bool_parsing": "booléen attendu (true ou false)",
    "bool_type": "booléen attendu (true ou false)",
    "string_type": "texte attendu",
    "string_too_long": "texte trop long",
    "string_too_short": "texte trop court",
    "greater_than_equal": "valeur trop petite",
    "less_than_equal": "valeur trop grande",
    "greater_than": "valeur trop petite",
    "less_than": "valeur trop grande",
    "literal_error": "valeur non permise",
    "enum": "valeur non permise",
    "json_invalid": "JSON invalide",
    "model_attributes_type": "objet JSON attendu",
    "dict_type": "objet JSON attendu",
    "list_type": "liste attendue",
    "string_pattern_mismatch": "format invalide",
    "value_error": "valeur invalide",
    "date_from_datetime_parsing": "date AAAA-MM-JJ attendue",
    "date_parsing": "date AAAA-MM-JJ attendue",
    "date_type": "date AAAA-MM-JJ attendue",
    "extra_forbidden": "champ inconnu",
}


def validation_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as French ``{field, message}`` pairs."""
    out = []
    for e in errors:
        where = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path"))
        out.append(
            {
                "field": where or "requête",
                "message": _VALIDATION.get(e.get("type"), "valeur invalide"),
            }
        )
    return out

"""Errors of the web application a user can cause (French message and hint)."""

from __future__ import annotations

from ancrage.errors import AncrageError


class WebError(AncrageError):
    """A web setting or request that cannot be served."""

    exit_code = 2
    status = 400
    title = "Requête invalide"


class NotFoundError(WebError):
    status = 404
    title = "Introuvable"


class AuthError(WebError):
    """Not signed in, or the credentials are wrong."""

    status = 401
    title = "Authentification requise"


class ForbiddenError(WebError):
    status = 403
    title = "Accès refusé"


class ConflictError(WebError):
    status = 409
    title = "Conflit"


class RateLimitError(WebError):
    status = 429
    title = "Trop de tentatives"

    def __init__(self, message: str, *, retry_after: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retry_after = retry_after

"""Who is asking: session cookie or API token; CSRF tokens for forms and cookie requests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from ancrage.web.accounts import User, authenticate, session_user, token_user
from ancrage.web.context import Context
from ancrage.web.errors import AuthError, ForbiddenError

SESSION_COOKIE = "ancrage_session"
CSRF_COOKIE = "ancrage_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def csrf_seed(request: Request) -> str:
    """The browser's CSRF seed (a random cookie), made on first use and set on the response
    by :func:`set_csrf_cookie`."""
    seed = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(24)
        request.state.csrf_seed = seed
    return str(seed)


def csrf_token(request: Request) -> str:
    """The token a form or a cookie request must send back: HMAC of the seed with the server's
    secret (an attacker who can set a cookie still cannot forge it)."""
    key = ctx_of(request).config.secret_key.encode("utf-8")
    return hmac.new(key, csrf_seed(request).encode("utf-8"), hashlib.sha256).hexdigest()


def set_csrf_cookie(request: Request, response: Response) -> None:
    seed = getattr(request.state, "csrf_seed", None)
    if seed and request.cookies.get(CSRF_COOKIE) != seed:
        response.set_cookie(
            CSRF_COOKIE,
            seed,
            httponly=True,
            samesite="lax",
            secure=ctx_of(request).config.secure_cookies,
            path="/",
        )


def check_csrf(request: Request, sent: str | None) -> None:
    seed = request.cookies.get(CSRF_COOKIE)
    if not seed or not sent or not hmac.compare_digest(sent, csrf_token(request)):
        raise ForbiddenError(
            "jeton anti-falsification (CSRF) manquant ou invalide",
            hint="Rechargez la page et renvoyez le formulaire.",
        )


def current_user(request: Request) -> User | None:
    """The user of an API token (``Authorization: Bearer``) or of the session cookie."""
    if hasattr(request.state, "user"):
        user: User | None = request.state.user
        return user
    ctx = ctx_of(request)
    found: User | None = None
    request.state.by_token = False
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = token_user(ctx.engine, auth[7:].strip())
        if found is None:
            raise AuthError(
                "jeton d'API inconnu ou révoqué", hint="Créez-en un depuis « Mon compte »."
            )
        request.state.by_token = True
    elif SESSION_COOKIE in request.cookies:
        found = session_user(ctx.engine, request.cookies[SESSION_COOKIE])
    request.state.user = found
    return found


def api_user(request: Request) -> User:
    """The signed-in user of an API call; a cookie-authenticated call that changes something
    must carry the CSRF header."""
    user = current_user(request)
    if user is None:
        raise AuthError(
            "connexion requise",
            hint="Envoyez « Authorization: Bearer <jeton> » ou connectez-vous.",
        )
    if request.method in UNSAFE and not request.state.by_token:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


def require_role(user: User, *roles: str) -> User:
    if user.role not in roles:
        raise ForbiddenError(
            f"réservé aux comptes : {', '.join(roles)}",
            hint="Connectez-vous avec un compte qui a ce rôle.",
        )
    return user


def set_session_cookie(request: Request, response: Response, token: str, days: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=days * 86400,
        httponly=True,
        samesite="lax",
        secure=ctx_of(request).config.secure_cookies,
        path="/",
    )


def sign_in_user(request: Request, email: str, password: str) -> User:
    """Check a sign-in with the server's limits (failures counted per address and client)."""
    ctx = ctx_of(request)
    c = ctx.config
    return authenticate(
        ctx.engine,
        email,
        password,
        ip=client_ip(request),
        max_failures=c.signin_max_failures,
        max_failures_ip=c.signin_max_failures_ip,
        window_s=c.signin_window_s,
    )

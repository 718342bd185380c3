"""The FastAPI application: API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``), the
pages, the static assets (served by the application: no CDN), errors as problem details."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ancrage import __version__
from ancrage.errors import AncrageError
from ancrage.web import api_account, api_public, api_watch, pages, pages_watch
from ancrage.web.config import WebConfig
from ancrage.web.context import Context
from ancrage.web.logs import log
from ancrage.web.problems import TITLES, detail_of, problem, status_of, validation_errors
from ancrage.web.render import error_page

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


class Observe:
    """Every HTTP answer: its request id (``X-Request-Id``, the client's or a new one), the
    security headers, one log line (method, path, status, milliseconds); a request that fails
    is logged before the error page is made. Plain ASGI (Starlette's ``BaseHTTPMiddleware``
    runs each request through a second task and memory streams: about a tenth of a page's CPU).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        method: str = scope["method"]
        request_id = Headers(scope=scope).get("x-request-id") or uuid.uuid4().hex[:16]
        status = 0

        async def observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                if not path.startswith("/api/v1/docs"):
                    headers["Content-Security-Policy"] = CSP
            await send(message)

        try:
            await self.app(scope, receive, observed)
        except Exception:
            log(
                "request failed",
                logging.ERROR,
                method=method,
                path=path,
                request_id=request_id,
            )
            raise
        log(
            "request",
            method=method,
            path=path,
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 1),
            request_id=request_id,
        )


def _wants_problem(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(
    config: WebConfig,
    *,
    clock: Callable[[], datetime] | None = None,
    siret_lookup: Any = None,
) -> FastAPI:
    ctx = Context(config=config, siret_lookup=siret_lookup)
    if clock is not None:
        ctx.clock = clock
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if config.threads is not None:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Ancrage",
        version=__version__,
        description="Observatoire de la commande publique et veille des marchés, sur données "
        "ouvertes. Les erreurs sont des « problem details » (RFC 9457), en français.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    _declare_diagnostic(app)

    app.add_middleware(Observe)

    @app.exception_handler(AncrageError)
    async def _ancrage_error(request: Request, exc: AncrageError) -> Response:
        status = status_of(exc)
        headers = {}
        if hasattr(exc, "retry_after"):
            headers["Retry-After"] = str(exc.retry_after)
        if status == 503:
            headers["Retry-After"] = "60"
        if _wants_problem(request):
            return problem(
                status,
                detail_of(exc),
                instance=request.url.path,
                hint=exc.hint,
                headers=headers or None,
            )
        return error_page(request, status, detail_of(exc), exc.hint, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(list(exc.errors()))
        detail = "; ".join(f"{e['field']} : {e['message']}" for e in errors)
        if _wants_problem(request):
            return problem(422, detail, instance=request.url.path, errors=errors)
        return error_page(request, 400, detail, None, {})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = {
            404: "Cette adresse ne correspond à aucune page ni ressource",
            405: "Cette méthode n'est pas permise ici",
        }.get(exc.status_code, TITLES.get(exc.status_code, "Erreur"))
        headers = dict(exc.headers or {})
        if _wants_problem(request):
            return problem(exc.status_code, detail, instance=request.url.path, headers=headers)
        return error_page(request, exc.status_code, detail, None, headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log("internal error", logging.ERROR, path=request.url.path, error=repr(exc))
        detail = "Erreur interne : elle est consignée dans le journal du serveur"
        if _wants_problem(request):
            return problem(500, detail, instance=request.url.path)
        return error_page(request, 500, detail, None, {})

    static = resources.files("ancrage").joinpath("data/web/static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for module in (api_public, api_account, api_watch):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.include_router(pages_watch.router)

    @app.get("/favicon.ico", include_in_schema=False)
    def _favicon() -> Response:
        svg = static.joinpath("favicon.svg").read_bytes()
        return Response(svg, media_type="image/svg+xml")

    @app.get("/robots.txt", include_in_schema=False, response_class=HTMLResponse)
    def _robots() -> Response:
        return Response(
            "User-agent: *\nDisallow: /veille\nDisallow: /conseiller\n", media_type="text/plain"
        )

    return app


def _declare_diagnostic(app: FastAPI) -> None:
    """The OpenAPI document with the typed diagnostic's schemas (``/api/v1/diagnostics``
    answers a ``DiagnosticDocument``), made from the model when the document is first asked."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from ancrage.diagnose.schema import diagnostic_schemas

            document = made()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            added = diagnostic_schemas()
            clash = sorted(set(schemas) & set(added))
            assert not clash, f"OpenAPI schema names taken twice: {clash}"
            schemas.update(added)
        return app.openapi_schema or made()

    app.openapi = openapi  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """The application of ``ancrage serve``, built in each server process from the
    environment (``ANCRAGE_HOME``, ``ANCRAGE_DATABASE_URL``…), with SIRENE pre-fill."""
    from ancrage.settings import Settings
    from ancrage.web import logs
    from ancrage.web.desk import SireneLookup

    logs.setup()
    config = WebConfig.resolve(Settings.resolve())
    return create_app(config, siret_lookup=SireneLookup(config.settings))

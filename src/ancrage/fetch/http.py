"""HTTP for the connectors: polite, patient and clear.

* polite: one request at a time, at least ``min_interval`` seconds between two requests to the
  same host (per-host intervals can be set), a User-Agent that names Ancrage;
* patient: timeouts, broken transfers, HTTP 429 and 5xx are retried with exponential back-off
  (``Retry-After`` honoured, capped at two minutes); a host that cannot be reached at all is
  tried once more after a second, then reported offline;
* clear: what still fails becomes one French line — offline (:class:`OfflineError`), a timeout,
  an HTTP status — naming the source and the host, never a traceback.

``transport`` (an ``httpx.MockTransport`` in tests), ``sleep`` and ``clock`` are injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from ancrage import __version__
from ancrage.fetch.errors import RESUME_HINT, FetchError, OfflineError, SourceChangedError
from ancrage.pacing import RETRY_STATUSES, Pacer, retry_delay

USER_AGENT = f"ancrage/{__version__} (open data, French public procurement)"
MAX_RETRY_AFTER = 120.0
CONNECT_ATTEMPTS = 2
OFFLINE_HINT = "Vérifiez la connexion internet (et le proxy HTTPS_PROXY s'il y en a un). " + (
    RESUME_HINT
)
_STATUS_HINTS = {
    400: "La requête a été refusée : la source a peut-être changé son API ; signalez-le.",
    401: "Accès refusé : cette source demande peut-être désormais une clé ; signalez-le.",
    403: "Accès refusé : cette source demande peut-être désormais une clé ; signalez-le.",
    404: "Rien à cette adresse : la source a peut-être déplacé ses fichiers ; signalez-le.",
    410: "Rien à cette adresse : la source a peut-être déplacé ses fichiers ; signalez-le.",
}


def tries(n: int) -> str:
    return f"{n} tentative" if n == 1 else f"{n} tentatives"


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


class Http:
    """A small HTTP client shared by every connector of a run."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        min_interval: float = 0.5,
        intervals: Mapping[str, float] | None = None,
        max_attempts: int = 4,
        backoff: float = 2.0,
        timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 20.0)),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
        )
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.pacer = Pacer(min_interval, intervals, sleep=sleep, clock=clock)
        self.requests = 0

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # -- politeness -----------------------------------------------------------------------------
    def retry_delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        return retry_delay(self.backoff, attempt, response, MAX_RETRY_AFTER)

    # -- requests -------------------------------------------------------------------------------
    def send(
        self,
        method: str,
        url: str,
        *,
        what: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        ok: frozenset[int] = frozenset({200}),
    ) -> httpx.Response:
        """The response, once its status is in ``ok`` (a stream is left open for the caller).

        ``what`` names the source in French for the error messages ("l'API BOAMP")."""
        host = host_of(url)
        request = self._client.build_request(
            method, url, params=params, json=json, headers=dict(headers or {})
        )
        response: httpx.Response | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.pacer.wait_turn(host)
            self.requests += 1
            try:
                response = self._client.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # no connection at all: one more try after a second, then say it plainly
                if attempt >= min(self.max_attempts, CONNECT_ATTEMPTS):
                    raise OfflineError(
                        f"hors ligne : impossible de joindre {host} ({type(exc).__name__})",
                        host=host,
                        hint=OFFLINE_HINT,
                    ) from exc
                self.sleep(1.0)
                continue
            except httpx.TransportError as exc:  # a timeout, a connection cut
                if attempt == self.max_attempts:
                    raise self._gave_up(exc, what, host) from exc
                self.sleep(self.retry_delay(attempt))
                continue
            if response.status_code in ok:
                return response
            if stream:
                response.close()
            if response.status_code not in RETRY_STATUSES:
                raise FetchError(
                    f"{what} a répondu HTTP {response.status_code}",
                    file=_short(url),
                    hint=_STATUS_HINTS.get(
                        response.status_code,
                        "Réessayez plus tard ; signalez-le si cela persiste.",
                    ),
                )
            if attempt < self.max_attempts:
                self.sleep(self.retry_delay(attempt, response))
        assert response is not None
        raise FetchError(
            f"{what} a encore répondu HTTP {response.status_code} après "
            f"{tries(self.max_attempts)} ({host})",
            hint="Le service est indisponible ou limite le débit ; réessayez plus tard. "
            + RESUME_HINT,
        )

    def _gave_up(self, exc: httpx.TransportError, what: str, host: str) -> FetchError:
        attempts = tries(self.max_attempts)
        if isinstance(exc, httpx.TimeoutException):
            return FetchError(
                f"{what} ne répond pas ({host} : plus de {self.timeout:.0f} s d'attente, "
                f"{attempts})",
                hint="Le service est lent ou surchargé. " + RESUME_HINT,
            )
        return FetchError(
            f"connexion interrompue avec {host} ({type(exc).__name__}, {attempts})",
            hint=RESUME_HINT,
        )

    def get_json(self, url: str, *, what: str, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.send("GET", url, what=what, params=params), what)

    def post_json(self, url: str, body: Any, *, what: str) -> Any:
        return _json(self.send("POST", url, what=what, json=body), what)


def _short(url: str, limit: int = 160) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        kind = response.headers.get("Content-Type", "type inconnu").split(";")[0]
        raise SourceChangedError(
            f"{what} a répondu autre chose que du JSON ({kind})",
            file=_short(str(response.request.url)),
            hint="La source a peut-être changé de format ; rien n'a été écrit. "
            "Signalez-le si cela persiste.",
        ) from exc

"""Politeness towards the web services Ancrage reads: a pace per host, and how long to wait
before trying again (exponential back-off, ``Retry-After`` honoured up to a cap).

Shared by the connectors' HTTP client (:mod:`ancrage.fetch.http`) and the Recherche
d'entreprises client (:mod:`ancrage.sirene.api`); standard library and httpx only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import httpx

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_delay(
    backoff: float, attempt: int, response: httpx.Response | None, cap: float
) -> float:
    """``backoff`` × 2^(attempt − 1) seconds, or the server's ``Retry-After`` (in seconds, at
    most ``cap``) when it asks for longer."""
    delay = backoff * (1 << (attempt - 1))
    if response is not None:
        retry_after = str(response.headers.get("Retry-After", "")).strip()
        if retry_after.isdigit():
            delay = max(delay, min(float(retry_after), cap))
    return delay


class Pacer:
    """At least ``interval`` seconds between two requests to the same host (``intervals``
    overrides it per host); ``sleep`` and ``clock`` are injectable for tests."""

    def __init__(
        self,
        interval: float,
        intervals: Mapping[str, float] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.intervals = dict(intervals or {})
        self.sleep = sleep
        self.clock = clock
        self._last: dict[str, float] = {}

    def wait_turn(self, host: str = "") -> None:
        interval = self.intervals.get(host, self.interval)
        last = self._last.get(host)
        if last is not None:
            delay = last + interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last[host] = self.clock()

"""Fetching sources: the library function behind ``ancrage fetch`` (and ``ancrage update``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from ancrage.errors import AncrageError, ConfigError
from ancrage.fetch.base import FetchContext, FetchedFile, FetchRequest
from ancrage.fetch.download import ByteProgress
from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.errors import OfflineError
from ancrage.fetch.http import Http, host_of
from ancrage.fetch.manifest import Manifest, fetch_lock, now_text
from ancrage.fetch.registry import connector
from ancrage.settings import Settings

# Seconds between two requests to the same host (the hosts publish no rate; these stay well
# under what their documentation or known thresholds allow). ``ANCRAGE_FETCH_INTERVAL`` sets
# one pause for every host: lower it only for a mirror of your own.
MIN_INTERVAL = 0.3
TED_INTERVAL = 0.6
INTERVAL_ENV = "ANCRAGE_FETCH_INTERVAL"


@dataclass
class SourceReport:
    source: str
    label: str
    started_at: str
    finished_at: str | None = None
    files: list[FetchedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: AncrageError | None = None

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "files": [f.as_json() for f in self.files],
            "notes": self.notes,
            "error": self.error.one_line() if self.error else None,
        }


def pause_override() -> float | None:
    """The pause set by ``ANCRAGE_FETCH_INTERVAL``, if any."""
    text = os.environ.get(INTERVAL_ENV, "").strip()
    if not text:
        return None
    try:
        pause = float(text)
    except ValueError:
        pause = -1.0
    if not 0 <= pause <= 60:
        raise ConfigError(
            f"pause entre requêtes illisible : {INTERVAL_ENV}={text!r}",
            hint="Donnez un nombre de secondes entre 0 et 60 (ex. 0.5).",
        )
    return pause


def make_http(endpoints: Endpoints, transport: httpx.BaseTransport | None = None) -> Http:
    """The client of a run, with the polite pauses (``ANCRAGE_FETCH_INTERVAL`` overrides)."""
    pause = pause_override()
    if pause is not None:
        return Http(transport=transport, min_interval=pause)
    ted = {host_of(endpoints.ted_api): TED_INTERVAL, host_of(endpoints.ted_web): TED_INTERVAL}
    return Http(transport=transport, min_interval=MIN_INTERVAL, intervals=ted)


class Fetcher:
    """Runs connectors in one data home; the caller holds :func:`fetch_lock`."""

    def __init__(
        self,
        settings: Settings,
        *,
        http: Http | None = None,
        endpoints: Endpoints | None = None,
        progress: ByteProgress | None = None,
        manifest: Manifest | None = None,
    ) -> None:
        self.settings = settings
        self.endpoints = endpoints or Endpoints.from_env()
        self.http = http or make_http(self.endpoints)
        self.manifest = manifest or Manifest(settings)
        self.progress = progress

    def run(self, source: str, request: FetchRequest) -> SourceReport:
        """One source; an error is kept in the report, except offline (no use going on)."""
        found = connector(source)
        report = SourceReport(source, found.label, now_text())
        ctx = FetchContext(self.settings, self.http, self.manifest, self.endpoints)
        if self.progress is not None:
            ctx.progress = self.progress
        try:
            report.files = found.fetch(ctx, request)
        except OfflineError as exc:
            report.error = exc
            raise
        except AncrageError as exc:
            report.error = exc
        finally:
            report.notes = ctx.notes
            report.finished_at = now_text()
            self.manifest.log(
                {
                    "source": source,
                    "started_at": report.started_at,
                    "finished_at": report.finished_at,
                    "new": report.count("new"),
                    "updated": report.count("updated"),
                    "unchanged": report.count("unchanged"),
                    "error": report.error.one_line() if report.error else None,
                }
            )
            self.manifest.save()
        return report


def fetch_sources(
    settings: Settings,
    sources: Sequence[str],
    *,
    since: date | None = None,
    year: int | None = None,
    territory: Any = None,
    urls: Sequence[str] = (),
    today: date | None = None,
    http: Http | None = None,
    endpoints: Endpoints | None = None,
    progress: ByteProgress | None = None,
) -> list[SourceReport]:
    """Fetch each source in turn (one fetch or update at a time per data home)."""
    request = FetchRequest(
        today=today or date.today(), since=since, year=year, territory=territory, urls=tuple(urls)
    )
    with fetch_lock(settings):
        fetcher = Fetcher(settings, http=http, endpoints=endpoints, progress=progress)
        try:
            return [fetcher.run(source, request) for source in sources]
        finally:
            if http is None:
                fetcher.http.close()

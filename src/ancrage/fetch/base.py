"""The small interface every download connector exposes, and what it may use.

A connector knows one source (DECP on data.gouv.fr, BOAMP, TED, SIRENE, COG, La Poste). It
never loads anything: it brings files into ``<home>/downloads/<source>/`` through
:meth:`FetchContext.download` (resumable, verified, atomic, recorded in the manifest) and
returns them as :class:`FetchedFile`, each with the ``kind`` of data it holds so that
``ancrage update`` knows what to do with it:

* ``decp``: a DECP file for ``ancrage load``;
* ``notices``: a notice file (BOAMP JSON, TED XML) for ``ancrage notice load``;
* ``sirene``: a SIRENE stock file for the enrichment;
* ``cog``: a refreshed COG (built folder) for the geography;
* ``laposte``: La Poste's postal base (commune points, distances).

Conventions for connectors:

* an answer that is not what the format should be raises :class:`SourceChangedError` before
  anything is written (``validate`` callbacks run on the complete ``.part`` file);
* what the user asked that the source cannot do (a territory the source cannot filter on) is
  said in a French note (:meth:`FetchContext.note`), never silently ignored;
* incremental sources keep their position in ``manifest.cursors[<name>]``, saved after each
  completed unit (a day of notices), so that a killed run goes on where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from ancrage.fetch.datagouv import Resource
from ancrage.fetch.download import ByteProgress, Checksum, Downloaded, Validate, download
from ancrage.fetch.endpoints import Endpoints
from ancrage.fetch.http import Http
from ancrage.fetch.manifest import FileEntry, Manifest, downloads_dir, now_text
from ancrage.geo.territory import Territory
from ancrage.settings import Settings

KINDS = ("decp", "notices", "sirene", "cog", "laposte")


def departements_of(territory: Territory) -> list[str]:
    """The départements a territory lies in (one for a commune or a département)."""
    if territory.kind == "dep":
        return [territory.code]
    geo = territory.geography
    if territory.kind == "reg":
        return sorted(d.code for d in geo.departements.values() if d.region == territory.code)
    return sorted({geo.communes[c].departement for c in territory.communes()})


@dataclass(frozen=True)
class FetchRequest:
    """What the user asked: ``since`` a date, one ``year``, one ``territory``, extra ``urls``."""

    today: date
    since: date | None = None
    year: int | None = None
    territory: Territory | None = None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class FetchedFile:
    source: str
    kind: str
    path: Path
    status: str  # new | updated | unchanged
    size: int
    url: str
    resumed_from: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "path": str(self.path),
            "status": self.status,
            "size": self.size,
            "url": self.url,
            "resumed_from": self.resumed_from,
        }


class NoProgress:
    """Progress nobody watches."""

    def start_file(self, name: str, total_bytes: int) -> None:
        pass

    def advance(self, bytes_done: int) -> None:
        pass

    def end_file(self) -> None:
        pass


@dataclass
class FetchContext:
    """What a connector may use: HTTP, the manifest, the download folder, notes."""

    settings: Settings
    http: Http
    manifest: Manifest
    endpoints: Endpoints
    progress: ByteProgress = field(default_factory=NoProgress)
    notes: list[str] = field(default_factory=list)

    def folder(self, source: str) -> Path:
        return downloads_dir(self.settings) / source

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def cursor(self, source: str) -> dict[str, Any]:
        return self.manifest.cursors.setdefault(source, {})

    def save(self) -> None:
        self.manifest.save()

    def unchanged(self, source: str, target: Path, version: str | None) -> FetchedFile | None:
        """The file already here when the publisher's ``version`` is the one recorded."""
        entry = self.manifest.entry(target)
        if (
            version is None
            or entry is None
            or entry.version != version
            or not target.is_file()
            or target.stat().st_size != entry.size
        ):
            return None
        entry.checked_at = now_text()
        return FetchedFile(source, entry.kind, target, "unchanged", entry.size, entry.url)

    def download(
        self,
        source: str,
        kind: str,
        url: str,
        target: Path,
        *,
        what: str,
        version: str | None = None,
        expected_size: int | None = None,
        checksum: Checksum | None = None,
        validate: Validate | None = None,
        save: bool = True,
    ) -> FetchedFile:
        """Download (or confirm) one file and record it in the manifest, saved at once unless
        ``save`` is false (many small files: the connector saves after a batch; a file whose
        entry was not saved is downloaded again by the next run, nothing is lost)."""
        got = download(
            self.http,
            url,
            target,
            what=what,
            previous=self.manifest.entry(target),
            expected_size=expected_size,
            checksum=checksum,
            validate=validate,
            progress=self.progress,
        )
        fetched = self._record(source, kind, url, target, got.sha256, version, got, save)
        return replace(fetched, resumed_from=got.resumed_from)

    def download_resource(
        self,
        source: str,
        kind: str,
        resource: Resource,
        target: Path,
        *,
        what: str,
        validate: Validate | None = None,
    ) -> FetchedFile:
        """A data.gouv.fr resource: nothing asked when its ``last_modified`` is the one recorded,
        else downloaded and checked against its ``filesize`` and ``checksum``."""
        same = self.unchanged(source, target, resource.last_modified)
        if same is not None:
            return same
        return self.download(
            source,
            kind,
            resource.url,
            target,
            what=what,
            version=resource.last_modified,
            expected_size=resource.filesize,
            checksum=resource.checksum,
            validate=validate,
        )

    def record_built(
        self, source: str, kind: str, url: str, target: Path, *, sha256: str, version: str | None
    ) -> FetchedFile:
        """Record a file the connector built itself (a projection, a merged page set)."""
        return self._record(source, kind, url, target, sha256, version, None, True)

    def _record(
        self,
        source: str,
        kind: str,
        url: str,
        target: Path,
        sha256: str,
        version: str | None,
        got: Downloaded | None,
        save: bool,
    ) -> FetchedFile:
        """The manifest entry of a file now in place; an earlier version stays listed in
        ``replaced`` until ``ancrage update`` has the warehouse forget it."""
        previous = self.manifest.entry(target)
        status = "new" if previous is None else "unchanged"
        if previous is not None and previous.sha256 != sha256:
            status = "updated"
        replaced = list(previous.replaced or []) if previous else []
        if previous is not None and status == "updated" and previous.sha256 not in replaced:
            replaced.append(previous.sha256)
        moment = now_text()
        size = target.stat().st_size
        self.manifest.record(
            target,
            FileEntry(
                source=source,
                kind=kind,
                url=url,
                size=size,
                sha256=sha256,
                fetched_at=previous.fetched_at if previous and status == "unchanged" else moment,
                checked_at=moment,
                etag=got.etag if got else None,
                last_modified=got.last_modified if got else None,
                version=version,
                replaced=replaced or None,
            ),
        )
        if save:
            self.save()
        return FetchedFile(source, kind, target, status, size, url)


class Connector(Protocol):
    """A source to download from."""

    name: str  # stable identifier, the CLI argument: "decp", "boamp"…
    label: str  # French description shown to users

    def fetch(self, ctx: FetchContext, request: FetchRequest) -> list[FetchedFile]:
        """Bring what is new into ``ctx.folder(name)``; return every file concerned."""
        ...

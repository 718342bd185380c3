"""The fetch manifest: what was fetched, when, from where — ``<home>/fetch/manifest.json``.

One JSON document, rewritten atomically (temporary file, ``fsync``, ``os.replace``) so that a
process killed at any point leaves either the previous manifest or the new one:

* ``files``: one entry per downloaded file (path relative to the data home): source, URL,
  size, sha256, the server's ``ETag`` / ``Last-Modified`` (for conditional requests next time),
  the publisher's version when it has one, when it was fetched and last checked;
* ``cursors``: per source, where an incremental fetch stopped (BOAMP and TED: the last
  publication day fully fetched);
* ``update``: the state of the last ``ancrage update`` (which steps are done), so that a run that
  was killed is finished by the next one;
* ``history``: the last runs of each source (when, outcome, counts).

``fetch_lock`` keeps a second fetch or update off the same data home while one runs.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ancrage.fetch.errors import FetchBusyError, FetchError
from ancrage.settings import Settings

MANIFEST_FORMAT = 1
HISTORY_KEEP = 200


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def fetch_dir(settings: Settings) -> Path:
    return settings.home / "fetch"


def downloads_dir(settings: Settings) -> Path:
    """Where downloaded source files are kept (``<home>/downloads/<source>/…``)."""
    return settings.home / "downloads"


@dataclass
class FileEntry:
    source: str
    kind: str  # what the file feeds: decp, notices, sirene, cog, laposte
    url: str
    size: int
    sha256: str
    fetched_at: str
    checked_at: str
    etag: str | None = None
    last_modified: str | None = None
    version: str | None = None  # the publisher's version (resource date, package version…)
    replaced: list[str] | None = None  # sha256 of earlier versions of this file, not yet forgotten

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileEntry:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader (or a crash) sees the old or the new bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    sync_dir(path.parent)


def sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Manifest:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = fetch_dir(settings) / "manifest.json"
        self.files: dict[str, FileEntry] = {}
        self.cursors: dict[str, dict[str, Any]] = {}
        self.update: dict[str, Any] = {}
        self.history: list[dict[str, Any]] = []
        if self.path.is_file():
            self._read()

    def _read(self) -> None:
        try:
            data = orjson.loads(self.path.read_bytes())
            if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
                raise ValueError("format")
            self.files = {k: FileEntry.from_json(v) for k, v in data["files"].items()}
            self.cursors = dict(data.get("cursors") or {})
            self.update = dict(data.get("update") or {})
            self.history = list(data.get("history") or [])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FetchError(
                "le manifeste des téléchargements est illisible",
                file=self.path,
                hint="Il a été modifié à la main ? Supprimez-le : le prochain téléchargement "
                "reprendra tout depuis les sources.",
            ) from exc

    def save(self) -> None:
        data = {
            "format": MANIFEST_FORMAT,
            "files": {k: asdict(v) for k, v in sorted(self.files.items())},
            "cursors": self.cursors,
            "update": self.update,
            "history": self.history[-HISTORY_KEEP:],
        }
        write_atomic(self.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))

    # -- files ----------------------------------------------------------------------------------
    def key(self, path: Path) -> str:
        """The path relative to the data home (the home may move)."""
        try:
            return path.resolve().relative_to(self.settings.home).as_posix()
        except ValueError:
            return str(path.resolve())

    def absolute(self, key: str) -> Path:
        path = Path(key)
        return path if path.is_absolute() else self.settings.home / path

    def entry(self, path: Path) -> FileEntry | None:
        return self.files.get(self.key(path))

    def record(self, path: Path, entry: FileEntry) -> None:
        self.files[self.key(path)] = entry

    def of_kind(self, kind: str) -> list[tuple[Path, FileEntry]]:
        """Files of one kind still present on disk, in path order."""
        found = []
        for key, entry in sorted(self.files.items()):
            path = self.absolute(key)
            if entry.kind == kind and path.is_file():
                found.append((path, entry))
        return found

    def log(self, event: dict[str, Any]) -> None:
        self.history.append(event)


@contextmanager
def fetch_lock(settings: Settings) -> Iterator[None]:
    """One fetch or update at a time on a data home (released by the system if killed)."""
    settings.ensure()
    lock_path = fetch_dir(settings) / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise FetchBusyError(
                "un autre téléchargement ou une autre mise à jour est en cours sur ce dossier "
                "de données",
                file=settings.home,
                hint="Attendez qu'il se termine, puis relancez.",
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

"""Resumable, verified, atomic downloads of one file.

The body goes to ``<target>.part``; beside it ``<target>.part.json`` keeps the URL and the
validator (``ETag``, else ``Last-Modified``) of the answer that started it. An interrupted
transfer — in this run (retried) or in an earlier run that was killed — goes on with
``Range: bytes=<size of the part>-`` and ``If-Range: <validator>``: if the file changed on the
server meanwhile, the server sends it whole and the part starts over. A file already downloaded
is asked again with ``If-None-Match`` / ``If-Modified-Since`` (HTTP 304: nothing to do).

Once complete, the part is checked (size, the publisher's checksum when it gives one, then the
connector's format check) and only then renamed over the target (``os.replace``): a reader never
sees a half-written or unverified file, and a file that fails a check is deleted, not kept.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
import orjson

from ancrage.fetch.errors import RESUME_HINT, FetchError
from ancrage.fetch.http import Http, host_of, tries
from ancrage.fetch.manifest import FileEntry, sync_dir, write_atomic

Checksum = tuple[str, str]  # (algorithm as hashlib names it: sha1, sha256, md5…, hex digest)
Validate = Callable[[Path], None]
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_UNSATISFIED_RANGE = re.compile(r"bytes \*/(\d+)")
MAX_RESTARTS = 2


class ByteProgress(Protocol):
    """Progress of one file in bytes (the CLI's rich bar has these methods)."""

    def start_file(self, name: str, total_bytes: int) -> None: ...

    def advance(self, bytes_done: int) -> None: ...

    def end_file(self) -> None: ...


@dataclass(frozen=True)
class Downloaded:
    path: Path
    url: str
    status: str  # new | updated | unchanged
    size: int
    sha256: str
    etag: str | None
    last_modified: str | None
    resumed_from: int  # bytes already on disk from an interrupted transfer (0: none)


def file_hash(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _strong(etag: str | None) -> str | None:
    return etag if etag and not etag.startswith("W/") else None


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} Mo".replace(".", ",")


class _Part:
    """The ``.part`` file of a target and its ``.part.json`` beside it."""

    def __init__(self, target: Path) -> None:
        self.path = target.with_name(target.name + ".part")
        self.meta_path = target.with_name(target.name + ".part.json")

    def size(self) -> int:
        return self.path.stat().st_size if self.path.is_file() else 0

    def validator(self, url: str) -> str | None:
        """The validator to resume with, when the part belongs to ``url``."""
        if not (self.path.is_file() and self.meta_path.is_file()):
            return None
        try:
            meta = orjson.loads(self.meta_path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        value = _strong(meta.get("etag")) or meta.get("last_modified")
        return value if isinstance(value, str) else None

    def start(self, url: str, response: httpx.Response) -> None:
        write_atomic(
            self.meta_path,
            orjson.dumps(
                {
                    "url": url,
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                }
            ),
        )

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta_path.unlink(missing_ok=True)


def download(
    http: Http,
    url: str,
    target: Path,
    *,
    what: str,
    previous: FileEntry | None = None,
    expected_size: int | None = None,
    checksum: Checksum | None = None,
    validate: Validate | None = None,
    progress: ByteProgress | None = None,
) -> Downloaded:
    """Bring ``url`` to ``target`` (see the module docstring); ``previous`` is the manifest
    entry of the copy already there, if any."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = _Part(target)
    resumed_from = 0
    failures = restarts = 0
    while True:
        validator = part.validator(url)
        offset = part.size() if validator else 0
        # identity: byte ranges and sizes are those of the file itself, never of a compression
        headers: dict[str, str] = {"Accept-Encoding": "identity"}
        if offset and validator:
            headers.update({"Range": f"bytes={offset}-", "If-Range": validator})
        else:
            part.drop()
            if previous is not None and target.is_file() and target.stat().st_size == previous.size:
                if previous.etag:
                    headers["If-None-Match"] = previous.etag
                if previous.last_modified:
                    headers["If-Modified-Since"] = previous.last_modified
        response = http.send(
            "GET", url, what=what, headers=headers, stream=True, ok=frozenset({200, 206, 304, 416})
        )
        try:
            if response.status_code == 304 and previous is not None:
                return Downloaded(
                    target, url, "unchanged", previous.size, previous.sha256,
                    previous.etag, previous.last_modified, 0,
                )  # fmt: skip
            if response.status_code == 416:
                total = _UNSATISFIED_RANGE.fullmatch(response.headers.get("Content-Range", ""))
                if total is not None and int(total.group(1)) == offset:
                    break  # the part was already complete
                restarts = _restart(part, restarts, url, what)
                continue
            if response.status_code == 206:
                span = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
                if span is None or int(span.group(1)) != offset:
                    restarts = _restart(part, restarts, url, what)
                    continue
                resumed_from = resumed_from or offset
                expected_total = None if span.group(3) == "*" else int(span.group(3))
            elif response.status_code == 304:  # 304 without a previous copy: start over
                restarts = _restart(part, restarts, url, what)
                continue
            else:
                offset = 0
                part.start(url, response)
                length = response.headers.get("Content-Length", "")
                expected_total = int(length) if length.isdigit() else None
            complete = _receive(response, part, offset, expected_total, target.name, progress)
        except httpx.TransportError as exc:
            complete = False
            error: Exception | None = exc
        else:
            error = None
        finally:
            response.close()
        if complete:
            break
        failures += 1
        if failures >= http.max_attempts:
            raise FetchError(
                f"téléchargement interrompu ({host_of(url)}, "
                f"{type(error).__name__ if error else 'réponse incomplète'}) après "
                f"{tries(failures)} ; {_mib(part.size())} déjà reçus sont gardés",
                file=target,
                hint=RESUME_HINT,
            ) from error
        http.sleep(http.retry_delay(failures))
    return _finish(part, target, url, previous, expected_size, checksum, validate, resumed_from)


def _restart(part: _Part, restarts: int, url: str, what: str) -> int:
    part.drop()
    if restarts >= MAX_RESTARTS:
        raise FetchError(
            f"{what} ne permet pas de reprendre ce téléchargement ({host_of(url)})",
            hint="Réessayez plus tard ; signalez-le si cela persiste.",
        )
    return restarts + 1


def _receive(
    response: httpx.Response,
    part: _Part,
    offset: int,
    expected_total: int | None,
    name: str,
    progress: ByteProgress | None,
) -> bool:
    """Append the body to the part; True when the file is complete."""
    done = offset
    if progress is not None:
        progress.start_file(name, expected_total or 0)
    try:
        with part.path.open("ab" if offset else "wb") as fh:
            for chunk in response.iter_raw():
                fh.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress.advance(done)
            fh.flush()
            os.fsync(fh.fileno())
    finally:
        if progress is not None:
            progress.end_file()
    return expected_total is None or done >= expected_total


def _finish(
    part: _Part,
    target: Path,
    url: str,
    previous: FileEntry | None,
    expected_size: int | None,
    checksum: Checksum | None,
    validate: Validate | None,
    resumed_from: int,
) -> Downloaded:
    size = part.size()
    if expected_size is not None and size != expected_size:
        part.drop()
        raise FetchError(
            f"taille du fichier téléchargé inattendue ({size} octets, la source annonce "
            f"{expected_size})",
            file=target,
            hint="Le fichier a peut-être changé pendant le téléchargement : relancez.",
        )
    if checksum is not None:
        algorithm, expected = checksum
        got = file_hash(part.path, algorithm)
        if got.lower() != expected.lower():
            part.drop()
            raise FetchError(
                f"somme de contrôle {algorithm} différente de celle publiée (attendu "
                f"{expected}, obtenu {got})",
                file=target,
                hint="Le fichier est corrompu ou a changé pendant le téléchargement : relancez.",
            )
    sha = file_hash(part.path)
    etag = last_modified = None
    try:
        meta = orjson.loads(part.meta_path.read_bytes())
        etag, last_modified = meta.get("etag"), meta.get("last_modified")
    except (OSError, orjson.JSONDecodeError):
        pass
    if validate is not None:
        try:
            validate(part.path)
        except BaseException:
            part.drop()
            raise
    part.path.replace(target)
    part.meta_path.unlink(missing_ok=True)
    sync_dir(target.parent)
    status = "new" if previous is None else ("unchanged" if previous.sha256 == sha else "updated")
    return Downloaded(target, url, status, size, sha, etag, last_modified, resumed_from)

"""A remote file read with HTTP ``Range`` requests, seekable, for pyarrow's Parquet reader.

pyarrow reads a Parquet file's footer, then only the column chunks it is asked for: given this
file object, that becomes a few ranged ``GET`` requests, so a column subset of a 2 GB file costs
the bytes of those columns only. Every answer must be ``206 Partial Content`` with the same
``ETag`` (or ``Last-Modified``) as the first: a server that ignores ranges raises
:class:`RangesUnsupported` (the caller downloads the whole file instead), a file that changes
while it is read raises :class:`FetchError`.
"""

from __future__ import annotations

import io
import re

from ancrage.fetch.errors import RESUME_HINT, FetchError
from ancrage.fetch.http import Http, host_of

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class RangesUnsupported(Exception):
    """The server answered a ranged request with the whole file."""


class RangeFile(io.RawIOBase):
    def __init__(self, http: Http, url: str, *, what: str) -> None:
        super().__init__()
        self.http, self.url, self.what = http, url, what
        self.position = 0
        self.validator: str | None = None
        self.bytes_read = 0
        self.requests = 0
        self.size = self._probe()

    def _get(self, start: int, end: int) -> tuple[bytes, int]:
        response = self.http.send(
            "GET",
            self.url,
            what=self.what,
            headers={"Range": f"bytes={start}-{end}", "Accept-Encoding": "identity"},
            stream=True,
            ok=frozenset({200, 206}),
        )
        try:
            self.requests += 1
            if response.status_code != 206:
                raise RangesUnsupported(self.url)
            validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
            if self.validator is None:
                self.validator = validator
            elif validator != self.validator:
                raise FetchError(
                    f"le fichier a changé sur {host_of(self.url)} pendant sa lecture",
                    file=self.url,
                    hint="La source vient de publier une nouvelle version. " + RESUME_HINT,
                )
            span = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", ""))
            if span is None or int(span.group(1)) != start:
                raise RangesUnsupported(self.url)
            data = response.read()
        finally:
            response.close()
        self.bytes_read += len(data)
        return data, int(span.group(3))

    def _probe(self) -> int:
        _, size = self._get(0, 0)
        return size

    # -- io.RawIOBase --------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.size - self.position
        end = min(self.position + size, self.size)
        if end <= self.position:
            return b""
        data, _ = self._get(self.position, end - 1)
        self.position += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

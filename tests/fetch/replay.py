"""A local HTTP server that replays recorded answers, for the connectors and the CLI.

Routes are exact paths (``/datagouv/api/2/datasets/resources/<id>/``) answered by a handler
``(request) -> Reply``, or files served from ``files`` (a dict path -> bytes) with what a static
file server does: ``ETag``, ``Last-Modified``, ``Range`` (206, 416), ``If-Range``,
``If-None-Match`` / ``If-Modified-Since`` (304). Faults can be queued per path: an HTTP status,
a body cut after N bytes, a delay (timeouts). Every request is logged.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import orjson

LAST_MODIFIED = formatdate(1_765_000_000, usegmt=True)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    sent: int = 0  # bytes of the body answered

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        return orjson.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Reply:
        return cls(status, orjson.dumps(data), {"Content-Type": "application/json"})


@dataclass
class Fault:
    status: int | None = None  # answer this status instead
    cut_after: int | None = None  # send the headers of the whole body, then only N bytes
    delay: float = 0.0  # wait before answering
    retry_after: str | None = None


Handler = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up (a test cut the transfer) is not an error of the server."""


class Replay:
    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.files: dict[str, bytes] = {}
        self.file_tags: dict[str, str] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.log: list[Request] = []
        self.ranges = True
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Replay:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- set-up -------------------------------------------------------------------------------
    def file(self, path: str, data: bytes, etag: str | None = None) -> str:
        """Serve ``data`` at ``path``; returns the absolute URL."""
        self.files[path] = data
        self.file_tags[path] = etag or '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        return self.url + path

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def fault(self, path: str, *faults: Fault) -> None:
        self.faults.setdefault(path, []).extend(faults)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path == path]

    # -- serving ------------------------------------------------------------------------------
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                replay._serve(self, "GET")

            def do_POST(self) -> None:
                replay._serve(self, "POST")

            def do_HEAD(self) -> None:
                replay._serve(self, "HEAD")

        return _Handler

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        request = Request(
            method, path, parse_qs(parts.query), {k.lower(): v for k, v in h.headers.items()}, body
        )
        with self.lock:
            self.log.append(request)
            queue = self.faults.get(path)
            fault = queue.pop(0) if queue else None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(h, Reply(fault.status, b"erreur simulee", headers), method)
            return
        if path in self.routes:
            reply = self.routes[path](request)
        elif path in self.files:
            reply = self._static(path, request)
        else:
            reply = Reply(404, b"introuvable")
        cut = fault.cut_after if fault else None
        request.sent = len(reply.body) if cut is None else min(cut, len(reply.body))
        self._send(h, reply, method, cut)

    def _static(self, path: str, request: Request) -> Reply:
        data, etag = self.files[path], self.file_tags[path]
        base = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", base)
        if_range = request.headers.get("if-range")
        wanted = request.headers.get("range")
        if wanted and self.ranges and (if_range is None or if_range in (etag, LAST_MODIFIED)):
            found = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted)
            if found:
                start = int(found.group(1))
                end = int(found.group(2)) if found.group(2) else len(data) - 1
                if start >= len(data):
                    return Reply(416, b"", {**base, "Content-Range": f"bytes */{len(data)}"})
                end = min(end, len(data) - 1)
                return Reply(
                    206,
                    data[start : end + 1],
                    {**base, "Content-Range": f"bytes {start}-{end}/{len(data)}"},
                )
        headers = {**base, "Accept-Ranges": "bytes"} if self.ranges else base
        return Reply(200, data, headers)

    @staticmethod
    def _send(
        h: BaseHTTPRequestHandler, reply: Reply, method: str, cut_after: int | None = None
    ) -> None:
        h.send_response(reply.status)
        for key, value in reply.headers.items():
            h.send_header(key, value)
        h.send_header("Content-Length", str(len(reply.body)))
        if cut_after is not None:
            h.send_header("Connection", "close")
        h.end_headers()
        if method != "HEAD":
            h.wfile.write(reply.body if cut_after is None else reply.body[:cut_after])
        if cut_after is not None:
            h.wfile.flush()
            h.close_connection = True

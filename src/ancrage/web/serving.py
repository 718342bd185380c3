"""Server processes for ``ancrage serve``: one listening socket per process.

uvicorn's own multi-process mode shares one listening socket between its processes; the
connections are handed to whichever process accepts first, and with persistent connections that
first draw lasts: under a burst of 50 users, one process was seen holding 40 connections and the
other 20, so the users of the first waited twice as long (p99 about three times the p50 on every
page). Here each process binds its own socket with ``SO_REUSEPORT``: the kernel spreads new
connections evenly over the processes' sockets. The parent only starts the processes, starts
again one that dies, and stops them all on Ctrl+C or SIGTERM. Where ``SO_REUSEPORT`` does not
exist, or with a single process, uvicorn runs as it is.
"""

from __future__ import annotations

import errno
import logging
import multiprocessing as mp
import os
import signal
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import TYPE_CHECKING, Any

from ancrage.errors import AncrageError

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("ancrage.web")

APP = "ancrage.web.app:app_from_env"
BACKLOG = 2048  # uvicorn's default
# A process that dies is started again; more than this many deaths in a minute means it cannot
# start (a broken configuration, a full disk…): the server stops rather than loop.
MAX_RESTARTS_PER_MINUTE = 5


class ServeError(AncrageError):
    """The server cannot listen where it was asked to."""


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    keep_alive_s: int

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if ":" in self.host else socket.AF_INET


def reuse_port_available() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def bind(listen: Listen, *, reuse_port: bool) -> socket.socket:
    """A socket bound to the address (listening: the caller decides), or a French error."""
    sock = socket.socket(listen.family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(
                f"le port {listen.port} de {listen.host} est déjà utilisé par un autre programme",
                hint="Arrêtez-le, ou choisissez un autre port : ancrage serve --port 8001.",
            ) from None
        raise ServeError(
            f"impossible d'écouter sur {listen.host}:{listen.port} ({exc.strerror})",
            hint="Vérifiez l'adresse donnée à --host.",
        ) from None
    return sock


def uvicorn_config(listen: Listen) -> uvicorn.Config:
    """The server of one process (the application is built in the process, from its home)."""
    import uvicorn

    return uvicorn.Config(APP, **uvicorn_options(listen))


def uvicorn_options(listen: Listen) -> dict[str, Any]:
    return {
        "factory": True,
        "host": listen.host,
        "port": listen.port,
        "http": "httptools",  # compiled parser (a dependency); the event loop: uvloop if there
        "log_level": "warning",
        "access_log": False,
        "timeout_keep_alive": listen.keep_alive_s,
    }


def check_port(listen: Listen) -> None:
    """A French error now if the port is taken (before anything else starts). The probe does
    not ask for ``SO_REUSEPORT``: a server already there (another ``ancrage serve``) is refused
    instead of joining its group and taking half of its connections."""
    bind(listen, reuse_port=False).close()


def serve_processes(listen: Listen, workers: int) -> None:
    """Serve the application with ``workers`` processes until Ctrl+C or SIGTERM (the caller
    has called :func:`check_port` first, before starting anything else)."""
    if workers == 1 or not reuse_port_available():
        import uvicorn

        uvicorn.run(APP, workers=workers, **uvicorn_options(listen))
        return
    Supervisor(listen, workers).run()


class Supervisor:
    """Starts ``workers`` server processes, each with its own socket, and keeps them running."""

    def __init__(self, listen: Listen, workers: int) -> None:
        self.listen = listen
        self.workers = workers
        self.context = mp.get_context("spawn")
        self.stop = threading.Event()
        self.deaths: deque[float] = deque()

    def start(self) -> BaseProcess:
        process = self.context.Process(
            target=serve_one, args=(self.listen, os.getpid()), name="ancrage-serve", daemon=False
        )
        process.start()
        return process

    def run(self) -> None:
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        processes = [self.start() for _ in range(self.workers)]
        try:
            while not self.stop.wait(0.5):
                for i, process in enumerate(processes):
                    if process.is_alive() or self.stop.is_set():
                        continue
                    now = time.monotonic()
                    self.deaths.append(now)
                    while self.deaths and now - self.deaths[0] > 60:
                        self.deaths.popleft()
                    if len(self.deaths) > MAX_RESTARTS_PER_MINUTE:
                        raise ServeError(
                            f"les processus serveurs s'arrêtent sans cesse ({len(self.deaths)}"
                            " arrêts en une minute)",
                            hint="Lisez les messages ci-dessus ; « ancrage serve --workers 1 »"
                            " montre l'erreur d'un seul processus.",
                        )
                    log.warning(
                        "server process restarted",
                        extra={"pid": process.pid, "exitcode": process.exitcode},
                    )
                    processes[i] = self.start()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for process in processes:
                if process.is_alive():
                    process.terminate()  # uvicorn ends its connections on SIGTERM
            for process in processes:
                process.join(timeout=15)
                if process.is_alive():
                    process.kill()
                    process.join()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop.set()


def serve_one(listen: Listen, parent: int) -> None:
    """One server process: its own socket in the port's group, then uvicorn on it."""
    import uvicorn

    from ancrage.children import die_with_parent

    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us with SIGTERM
    sock = bind(listen, reuse_port=True)
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    uvicorn.Server(uvicorn_config(listen)).run(sockets=[sock])

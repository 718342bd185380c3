"""``ancrage serve --workers N``: one socket per server process (SO_REUSEPORT), so that
connections are spread over the processes; a process that dies is started again; SIGTERM stops
them all; a taken port is refused in one French line, another ``ancrage serve`` included."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ancrage.errors import AncrageError
from ancrage.web.serving import Listen, check_port, reuse_port_available

pytestmark = pytest.mark.skipif(not reuse_port_available(), reason="SO_REUSEPORT (Linux, BSD)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    found = []
    for child in map(int, out.split()):
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"spawn_main" in cmdline:  # not multiprocessing's resource tracker
            found.append(child)
    return found


def sockets(pid: int) -> set[str]:
    fds = Path(f"/proc/{pid}/fd")
    links = set()
    for fd in fds.iterdir():
        try:
            links.add(str(fd.readlink()))
        except FileNotFoundError:
            continue
    return {link for link in links if link.startswith("socket:")}


def get(port: int, path: str = "/api/v1/health") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def wait_for(check: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ancrage", "--home", str(tmp_path / "home"), "serve",
             "--port", str(port), "--workers", "2", "--no-worker"],
            stdout=log, stderr=log,
        )
        try:
            wait_for(lambda: len(children(proc.pid)) == 2 and get(port) == 200)
            yield proc, port
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_connections_are_spread_over_the_processes(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = server
    pids = children(proc.pid)
    before = {pid: sockets(pid) for pid in pids}
    conns = []
    for _ in range(40):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/v1/health")
        assert conn.getresponse().read()
        conns.append(conn)  # kept open, as a browser or wrk keeps its connection
    held = {pid: len(sockets(pid) - before[pid]) for pid in pids}
    for conn in conns:
        conn.close()
    assert sum(held.values()) == 40
    # the kernel hashes each connection to one of the two sockets: 20 ± 3 each, never 40/0
    # (one shared socket gave 40/20 to the first process ready under a burst of 50)
    assert min(held.values()) >= 8, held


def test_a_dead_process_is_started_again_and_sigterm_stops_all(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    proc, port = server
    first, _ = children(proc.pid)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: first not in children(proc.pid) and len(children(proc.pid)) == 2)
    for _ in range(10):
        assert get(port) == 200
    alive = children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    for pid in alive:
        assert not Path(f"/proc/{pid}").exists() or b"spawn_main" not in Path(
            f"/proc/{pid}/cmdline"
        ).read_bytes()


def test_another_server_on_the_port_is_refused(
    server: tuple[subprocess.Popen[bytes], int], tmp_path: Path
) -> None:
    _, port = server
    with pytest.raises(AncrageError) as caught:
        check_port(Listen("127.0.0.1", port, 20))
    assert caught.value.one_line() == (
        f"le port {port} de 127.0.0.1 est déjà utilisé par un autre programme."
        " Arrêtez-le, ou choisissez un autre port : ancrage serve --port 8001."
    )
    other = subprocess.run(
        [sys.executable, "-m", "ancrage", "--home", str(tmp_path / "other"), "serve",
         "--port", str(port), "--workers", "2", "--no-worker"],
        capture_output=True, text=True, timeout=60,
    )
    assert other.returncode != 0
    assert other.stderr.strip().endswith(caught.value.one_line())
    assert "Ancrage sert sur" not in other.stderr


def test_threads_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """ANCRAGE_WEB_THREADS sets how many handlers a server process runs at once; a bad value is
    refused in French; without it, anyio's default (40) stays."""
    import anyio
    import anyio.to_thread

    from ancrage.settings import Settings
    from ancrage.web.app import create_app
    from ancrage.web.config import WebConfig

    settings = Settings.resolve(tmp_path / "home")

    async def tokens_seen() -> float:
        app = create_app(WebConfig.resolve(settings))
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    monkeypatch.setenv("ANCRAGE_WEB_THREADS", "2")
    assert WebConfig.resolve(settings).threads == 2
    assert anyio.run(tokens_seen) == 2
    monkeypatch.delenv("ANCRAGE_WEB_THREADS")
    assert WebConfig.resolve(settings).threads is None
    assert anyio.run(tokens_seen) == 40
    for bad in ("0", "beaucoup", "1001"):
        monkeypatch.setenv("ANCRAGE_WEB_THREADS", bad)
        with pytest.raises(AncrageError) as caught:
            WebConfig.resolve(settings)
        assert caught.value.one_line() == (
            f"nombre de fils d'exécution illisible : '{bad}'. Donnez à ANCRAGE_WEB_THREADS un"
            " nombre de 1 à 1000, ex. 4 (sans valeur : 40)."
        )

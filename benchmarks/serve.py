"""Load benchmark of the web application on FICTITIOUS data, through HTTP on loopback.

Builds (or reuses, with ``--home``) a synthetic warehouse of 1.5 M contracts
(``benchmarks/diagnose.py``) and a store of 1 M synthetic notices (``benchmarks/notices.py``),
starts ``ancrage serve`` on 127.0.0.1, then 50 concurrent users (asyncio, httpx) ask, for
``--seconds`` each:

* the observatory page of a département (``/observatoire?territoire=dep:NN``, 5 départements;
  each is computed once, cold, before the timed run: its cold time is printed too);
* a notice search page (``/avis?q=…``, words of the synthetic vocabulary, some with filters);
* a reading sheet (``/avis/synth:N``, random notices; the market history is its own page).

Prints requests/s, p50 and p99 per page, errors, and the load average (the client runs on the
same 2 cores as the server). Target: p99 < 300 ms at 50 users on 2 cores.

    python benchmarks/serve.py [--home DIR] [--scale 1] [--notices 1000000] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
DEPS = ["74", "86", "33", "59", "13"]
WORDS = [
    "travaux",
    "nettoyage",
    "services",
    "fourniture",
    "maintenance",
    "construction",
    "réparation",
    "équipements",
    "bâtiment",
    "transport",
]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare(home: Path, scale: float, notices: int) -> None:
    if not (home / "warehouse" / "ancrage.duckdb").exists():
        print(f"building the warehouse (scale {scale}, FICTITIOUS) …", flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "diagnose.py"), "--home", str(home), "--scale", str(scale)],
            check=True,
        )
    _supplier_places(home)
    if not (home / "notices" / "notices.sqlite").exists():
        print(f"building {notices:,} notices (FICTITIOUS) …", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "notices.py"),
                "--home",
                str(home),
                "--n",
                str(notices),
                "--queries",
                "20",
                "--no-rebuild",
            ],
            check=True,
        )


def _supplier_places(home: Path) -> None:
    """The report's maps read the suppliers' département and commune, which the diagnostic
    benchmark's enriched table leaves out: add synthetic ones (FICTITIOUS, like the rest)."""
    import duckdb

    path = home / "warehouse" / "enriched" / "contract_suppliers_enriched.parquet"
    con = duckdb.connect()
    try:
        columns = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
        if "supplier_departement" in columns:
            return
        dep = "lpad((1 + (hash(contract_id, rank) % 95))::VARCHAR, 2, '0')"
        con.execute(
            f"COPY (SELECT *, {dep} AS supplier_departement, "
            f"{dep} || lpad((hash(contract_id) % 300)::VARCHAR, 3, '0') AS supplier_commune "
            f"FROM '{path}') TO '{path}.new' (FORMAT parquet)"
        )
    finally:
        con.close()
    Path(f"{path}.new").replace(path)


def start_server(home: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ANCRAGE_HOME": str(home), "ANCRAGE_INSECURE_COOKIES": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ancrage",
            "serve",
            "--port",
            str(port),
            "--no-worker",
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise SystemExit("the server did not start")
        time.sleep(0.3)


async def hammer(
    base: str, make_path: Callable[[random.Random], str], users: int, seconds: float
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def user(seed: int) -> None:
            nonlocal errors
            rng = random.Random(seed)
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    response = await client.get(make_path(rng))
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - started) * 1000)
                errors += not ok

        began = time.monotonic()
        await asyncio.gather(*(user(i) for i in range(users)))
        elapsed = time.monotonic() - began
    return latencies, errors, int(len(latencies) / elapsed)


def report(name: str, latencies: list[float], errors: int, rate: int) -> None:
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    print(
        f"{name}: {rate} requests/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"{len(latencies):,} requests, {errors} errors; load average {load()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--notices", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ancrage-serve-"))
    prepare(home, args.scale, args.notices)
    print(f"DONNÉES FICTIVES in {home}; load average at start {load()}", flush=True)
    server, base = start_server(home, args.workers)
    try:
        for dep in DEPS * args.workers:  # each server process keeps its own reports
            started = time.perf_counter()
            r = httpx.get(f"{base}/observatoire?territoire=dep:{dep}", timeout=300)
            print(
                f"observatory dep:{dep} cold: {time.perf_counter() - started:.1f} s "
                f"(HTTP {r.status_code})",
                flush=True,
            )
        n = args.notices
        pages: dict[str, Callable[[random.Random], str]] = {
            "observatory page of a département": lambda rng: (
                f"/observatoire?territoire=dep:{rng.choice(DEPS)}"
            ),
            "notice search": lambda rng: (
                f"/avis?q={rng.choice(WORDS)}"
                + (f"&territoire=dep:{rng.choice(DEPS)}" if rng.random() < 0.3 else "")
            ),
            "reading sheet": lambda rng: f"/avis/synth:{rng.randrange(n)}",
        }
        for name, make in pages.items():
            asyncio.run(hammer(base, make, args.users, 3))  # warm-up, not counted
            latencies, errors, rate = asyncio.run(hammer(base, make, args.users, args.seconds))
            report(name, latencies, errors, rate)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

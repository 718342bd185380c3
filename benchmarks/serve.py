"""Load benchmark of the web application on FICTITIOUS data, through HTTP on loopback.

Builds (or reuses, with ``--home``) a synthetic warehouse of 1.5 M contracts
(``benchmarks/diagnose.py``) and a store of 1 M synthetic notices (``benchmarks/notices.py``),
starts ``ancrage serve`` on 127.0.0.1 (``--workers`` processes), then drives it with ``wrk``
(Debian package ``wrk``: a C load generator, so that the client takes little of the CPU the
server needs) on three pages:

* the observatory page of a département (``/observatoire?territoire=dep:NN``, 5 départements;
  each report is computed once per warehouse generation, cold, before the timed runs — its
  cold time is printed — then read from the disk store or memory);
* a notice search page (``/avis?q=…``, words of the synthetic vocabulary, 30 % with a
  département filter);
* a reading sheet (``/avis/synth:N``, random notices among all).

Two loads per page, 50 users (one connection each):

* **with think time** — each user waits 1 to 5 s (uniform, 3 s on average) between two
  pages, as a person reading does: about 17 requests/s offered;
* **closed loop** — no think time, each user asks again as soon as answered: the saturation
  throughput; latency there is mostly queueing (50 users / throughput).

Prints requests/s, p50, p99, errors, the server's CPU time per request (its processes' CPU
seconds over the run divided by the requests: what a page costs, whatever else the machine
runs) and the load average before and after each run (the machine may be shared; wrk runs on
the same cores as the server). Target: p99 < 300 ms at 50 users on 2 cores.

    python benchmarks/serve.py [--home DIR] [--scale 1] [--notices 1000000] [--seconds 30]
        [--saturation-seconds 15] [--workers 2] [--pages observatory search sheet]
        [--search-memo 0]

The searches draw from 60 (word, filter) pairs, so a server that keeps rankings
(``ANCRAGE_SEARCH_MEMO``, 512 by default in production) would answer nearly all of them from
memory: the benchmark runs the server without (``--search-memo 0``) unless told otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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
USERS = 50
PAGES = {
    "observatory": "observatory page of a département",
    "search": "notice search",
    "sheet": "reading sheet",
}
THINK_MS = (1000, 5000)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server: the process and its children
    (uvicorn's worker processes), read from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        todo += [int(c) for c in children]
    return total


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def prepare(home: Path, scale: float, notices: int, warehouse: bool = True) -> None:
    if warehouse and not (home / "warehouse" / "ancrage.duckdb").exists():
        print(f"building the warehouse (scale {scale}, FICTITIOUS) …", flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "diagnose.py"), "--home", str(home), "--scale", str(scale)],
            check=True,
        )
    if warehouse:
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

    from ancrage.settings import Settings
    from ancrage.warehouse.store import Warehouse

    path = Warehouse(Settings.resolve(home)).enriched_path("contract_suppliers_enriched")
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


def start_server(
    home: Path, workers: int, search_memo: int
) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "ANCRAGE_HOME": str(home),
        "ANCRAGE_INSECURE_COOKIES": "1",
        "ANCRAGE_SEARCH_MEMO": str(search_memo),
    }
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


def _lua_list(items: list[str]) -> str:
    return "{" + ", ".join(json.dumps(i) for i in items) + "}"


def lua_script(page: str, notices: int, think: bool) -> str:
    """The wrk script of a page: random paths, the think time (``delay``), figures as JSON."""
    from urllib.parse import quote

    words = [quote(w) for w in WORDS]
    makers = {
        "observatory": 'return "/observatoire?territoire=dep:" .. pick(deps)',
        "search": 'local p = "/avis?q=" .. pick(words)\n'
        '  if math.random() < 0.3 then p = p .. "&territoire=dep:" .. pick(deps) end\n'
        "  return p",
        "sheet": f'return "/avis/synth:" .. math.random(0, {notices - 1})',
    }
    think_fn = (
        f"function delay() return math.random({THINK_MS[0]}, {THINK_MS[1]}) end\n" if think else ""
    )
    return f"""
local deps = {_lua_list(DEPS)}
local words = {_lua_list(words)}
local counter = 0
function pick(list) return list[math.random(#list)] end
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + seed) end
function path()
  {makers[page]}
end
function request() return wrk.format("GET", path()) end
{think_fn}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "errors": %d, "http_errors": %d, "timeouts": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.status + e.timeout, e.status, e.timeout))
end
"""


def run_wrk(base: str, page: str, notices: int, think: bool, seconds: float) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua_script(page, notices, think))
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{USERS}",
                f"-d{int(seconds)}s",
                "--timeout",
                "30s",
                "-s",
                fh.name,
                base + "/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(fh.name).unlink()
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    found: dict[str, float] = json.loads(line.removeprefix("RESULT "))
    return found


def report(name: str, mode: str, figures: dict[str, float], before: str, cpu_s: float) -> None:
    rate = figures["requests"] / (figures["duration_us"] / 1e6)
    per_request = cpu_s / figures["requests"] * 1000 if figures["requests"] else 0.0
    print(
        f"{name} [{mode}]: {rate:.1f} requests/s, p50 {figures['p50_us'] / 1000:.0f} ms, "
        f"p99 {figures['p99_us'] / 1000:.0f} ms, max {figures['max_us'] / 1000:.0f} ms, "
        f"{int(figures['requests']):,} requests, {int(figures['errors'])} errors "
        f"({int(figures['http_errors'])} HTTP ≥ 400, {int(figures['timeouts'])} timeouts); "
        f"server CPU {per_request:.1f} ms per request; "
        f"load average before {before}, after {load()}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--notices", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=30.0, help="each run with think time")
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument(
        "--pages",
        nargs="+",
        choices=list(PAGES),
        default=list(PAGES),
        help="the pages to load (the warehouse is built only for the observatory)",
    )
    parser.add_argument(
        "--search-memo",
        type=int,
        default=0,
        help="notice rankings each server process keeps (ANCRAGE_SEARCH_MEMO; default 0 here: "
        "the searches repeat 60 word and filter pairs, so kept rankings would answer nearly "
        "all of them)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    home = args.home or Path(tempfile.mkdtemp(prefix="ancrage-serve-"))
    prepare(home, args.scale, args.notices, warehouse="observatory" in args.pages)
    print(
        f"DONNÉES FICTIVES in {home}; {os.cpu_count()} cores; notice rankings kept per "
        f"process: {args.search_memo}; load average at start {load()}",
        flush=True,
    )
    server, base = start_server(home, args.workers, args.search_memo)
    try:
        for dep in DEPS * 2 if "observatory" in args.pages else []:  # the second: stored
            started = time.perf_counter()
            r = httpx.get(f"{base}/observatoire?territoire=dep:{dep}", timeout=600)
            print(
                f"observatory dep:{dep}: {time.perf_counter() - started:.2f} s "
                f"(HTTP {r.status_code})",
                flush=True,
            )
        pages = {page: name for page, name in PAGES.items() if page in args.pages}
        for think, mode, seconds in (
            (True, f"{USERS} users, think time 1-5 s", args.seconds),
            (False, f"{USERS} users, closed loop", args.saturation_seconds),
        ):
            for page, name in pages.items():
                run_wrk(base, page, args.notices, False, 3)  # warm-up, not counted
                before, cpu = load(), server_cpu(server.pid)
                figures = run_wrk(base, page, args.notices, think, seconds)
                report(name, mode, figures, before, server_cpu(server.pid) - cpu)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()

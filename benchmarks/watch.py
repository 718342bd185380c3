"""Benchmark of the watch matching: N synthetic profiles × M synthetic notices with lots.

    .venv/bin/python benchmarks/watch.py --profiles 100000 --notices 5000

    .venv/bin/python benchmarks/watch.py --profiles 100000 --notices 5000 --end-to-end [--db URL]

Prints the index build and matching times (wall clock and CPU of this process: the machine may
be shared), their total, candidate pairs, lot matches, matches, peak memory (max RSS) and the
load average before and after.

``--end-to-end`` measures what ``ancrage watch run --no-mail`` does instead: the profiles are
inserted in an application database (SQLite in a temporary home, or ``--db URL``: a fresh
schema of that PostgreSQL database, dropped at the end), the notices written as JSON documents
(as the notice store keeps them); then two runs, each in a child process (its own peak RSS):
day 1 queues every match (then its alerts are marked sent, as if the mail went out), day 2 (the
next day, same notices, 1 % of them with a deadline moved a week later by a corrigendum) must
queue only the updates of those. Each run prints the wall
clock of its steps (notices read, profiles loaded, index, match, enqueue), peak RSS, the load
average, and the outbox afterwards.

The synthetic data follows what the watch meets (see docs/watch.md, "Benchmark"):

profiles
    a trade drawn from the NAF codes of ``naf_cpv.csv`` that carry a trade label (building
    trades ×4, engineering, cleaning, catering, IT ×2), its CPV prefixes suggested like
    ``ancrage profile add`` does (``suggest_cpv``); a home commune drawn by population;
    area: 57 % 1–3 départements (home + others of its region), 40 % a 20–80 km radius around
    the commune, 3 % national; keywords: 30 % none, else 1–2 words of the trade's label;
    10 % one excluded word; 50 % a value range; building trades: 40 % Qualibat, 20 % RGE;
    5 % allotted calls only, 5 % exclude reserved contracts.
notices (BOAMP-like)
    département drawn by population, place = a commune of it drawn by population; CPV
    division by BOAMP's mix (works 40 %, engineering 8 %, maintenance 6 %…), the code a
    trade's prefix (60 %) or any code of the division in the 2008 nomenclature (40 %), title
    from its French label; 55 % not allotted, else 2–12 lots (one code and title each);
    values log-normal around 90 k€ (30 % unknown); deadline 3–45 days; 15 % ask Qualibat,
    5 % RGE, 5 % reserved.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from ancrage.geo import Geography
from ancrage.geo.radius import Locator
from ancrage.notices.model import Buyer, Lot, Money, Notice, Place, Reservation
from ancrage.notices.store import dump_notice, load_notice
from ancrage.reference.naf_cpv import naf_cpv_rules
from ancrage.settings import Settings
from ancrage.watch import db as watch_db
from ancrage.watch.matching import ProfileIndex
from ancrage.watch.model import Profile
from ancrage.watch.profiles import suggest_cpv
from ancrage.watch.runner import run_watch

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
CPV_FILE = SHARED / "nomenclatures" / "cpv" / "cpv_2008_fr.csv"
POSTAL_BASE = SHARED / "geo" / "laposte_hexasmal_2022.csv"
NOW = datetime(2026, 1, 22, tzinfo=UTC)
DIVISIONS = {"45": 40, "71": 8, "50": 6, "79": 6, "90": 5, "33": 5, "72": 4, "34": 3, "15": 3,
             "55": 3, "60": 3, "80": 3, "77": 3, "44": 3, "39": 2, "30": 2, "09": 2, "85": 2}
RESERVED = Reservation("sheltered-workshop", "Atelier protégé", "bench")
EXCLUDED = ("nettoyage", "maintenance", "etude", "fourniture", "location")


@dataclass
class Trade:
    naf: str
    cpv: list[str]
    labels: dict[str, str]
    words: list[str]
    building: bool


class World:
    """Reference data the generators draw from."""

    def __init__(self, cpv_file: Path) -> None:
        self.geo = Geography()
        communes = [c for c in self.geo.communes.values() if c.type == "commune-actuelle"]
        communes = [c for c in communes if c.zone == "metro" and c.population]
        self.communes = communes
        self.cum_pop = list(itertools.accumulate(c.population or 0 for c in communes))
        self.by_dep: dict[str, list[int]] = {}
        for i, c in enumerate(communes):
            self.by_dep.setdefault(c.departement, []).append(i)
        self.dep_region = {d.code: d.region for d in self.geo.departements.values()}
        self.trades: list[Trade] = []
        weights: list[float] = []
        named = {r.naf_prefix for r in naf_cpv_rules() if r.trade and len(r.naf_prefix) == 6}
        for naf in sorted(named):
            cpv, labels = suggest_cpv(naf)
            if not cpv:
                continue
            trade = next(r.trade for r in naf_cpv_rules() if r.naf_prefix == naf and r.trade)
            building = naf[:2] in ("41", "42", "43")
            self.trades.append(Trade(naf, cpv, labels, trade.split("-"), building))
            weights.append(4.0 if building else 2.0 if naf[:2] in ("71", "81", "56", "62") else 1.0)
        self.cum_trades = list(itertools.accumulate(weights))
        self.cpv: dict[str, list[tuple[str, str]]] = {}
        with cpv_file.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                code = row["CODE"].split("-")[0]
                self.cpv.setdefault(code[:2], []).append((code, row["FR"]))
        self.cpv_label = {c: label for codes in self.cpv.values() for c, label in codes}
        self.trade_prefixes: dict[str, list[str]] = {}
        for t in self.trades:
            for p in t.cpv:
                self.trade_prefixes.setdefault(p[:2], []).append(p)

    def commune(self, rng: random.Random, dep: str | None = None) -> int:
        if dep is None:
            return bisect.bisect(self.cum_pop, rng.random() * self.cum_pop[-1])
        return rng.choice(self.by_dep[dep])

    def code(self, rng: random.Random, division: str) -> tuple[str, str]:
        prefixes = self.trade_prefixes.get(division)
        if prefixes and rng.random() < 0.6:
            prefix = rng.choice(prefixes)
            under = self.cpv_under(prefix) or [(prefix.ljust(8, "0"), "")]
            return rng.choice(under)
        return rng.choice(self.cpv[division])

    def cpv_under(self, prefix: str) -> list[tuple[str, str]]:
        return [(c, label) for c, label in self.cpv.get(prefix[:2], []) if c.startswith(prefix)]


def make_profiles(n: int, rng: random.Random, world: World) -> list[Profile]:
    out = []
    for i in range(n):
        trade = world.trades[bisect.bisect(world.cum_trades, rng.random() * world.cum_trades[-1])]
        home = world.communes[world.commune(rng)]
        kind = rng.random()
        deps: list[str] = []
        radius = None
        commune = None
        if kind < 0.57:
            region = [d for d, r in world.dep_region.items()
                      if r == home.region and d != home.departement and d in world.by_dep]
            others = rng.sample(region, min(len(region), rng.choice((0, 1, 2))))
            deps = [home.departement, *others]
        elif kind < 0.97:
            radius, commune = float(rng.choice((20, 30, 40, 50, 60, 80))), home.code
        keywords = rng.sample(trade.words, min(len(trade.words), rng.choice((1, 2))))
        lo = rng.choice((None, 4_000.0, 10_000.0, 25_000.0))
        hi = rng.choice((None, 90_000.0, 250_000.0, 1_000_000.0, 5_000_000.0))
        certs = []
        if trade.building:
            certs = ["Qualibat"] if rng.random() < 0.4 else []
            certs += ["RGE"] if rng.random() < 0.2 else []
        out.append(Profile(
            name=f"p{i}", id=i, naf=trade.naf, cpv=list(trade.cpv), cpv_labels=dict(trade.labels),
            keywords=keywords if rng.random() >= 0.3 else [],
            excluded_keywords=[rng.choice(EXCLUDED)] if rng.random() < 0.1 else [],
            departements=deps, radius_km=radius, commune=commune, departement=home.departement,
            value_min=lo if rng.random() < 0.5 else None,
            value_max=hi if rng.random() < 0.5 else None,
            certifications=certs, lots_only=rng.random() < 0.05,
            reserved="exclude" if rng.random() < 0.05 else "any",
        ))
    return out


def _value(rng: random.Random) -> Money | None:
    if rng.random() < 0.3:
        return None
    return Money(Decimal(round(math.exp(rng.gauss(math.log(90_000), 1.2)))), "EUR")


def make_notices(n: int, rng: random.Random, world: World) -> list[Notice]:
    divisions, weights = list(DIVISIONS), list(DIVISIONS.values())
    out = []
    for i in range(n):
        place = world.communes[world.commune(rng)]
        division = rng.choices(divisions, weights)[0]
        code, label = world.code(rng, division)
        lots: list[Lot] = []
        if rng.random() >= 0.55:
            for k in range(rng.randint(2, 12)):
                lot_code, lot_label = world.code(rng, division)
                lots.append(Lot(number=str(k + 1), title=f"Lot {k + 1} - {lot_label}",
                                cpv_main=lot_code, value=_value(rng)))
        labels = (["Qualibat"] if rng.random() < 0.15 else []) + (
            ["RGE"] if rng.random() < 0.05 else [])
        out.append(Notice(
            id=f"bench:{i}", source="bench", source_id=str(i), kind="contract_notice",
            source_format="bench", title=f"{label} - {place.nom}", cpv_main=code,
            place=Place(departements=[place.departement], commune=place.nom),
            buyer=Buyer(name=f"Commune de {place.nom}", departement=place.departement),
            lots=lots, estimated_value=_value(rng) if not lots else None,
            deadline=NOW + timedelta(days=rng.randint(3, 45), hours=12),
            qualification_labels=labels, reserved=[RESERVED] if rng.random() < 0.05 else [],
        ))
    return out


def insert_profiles(engine: Engine, profiles: list[Profile]) -> None:
    """The profiles as ``ancrage profile add`` stores them (90 % with an e-mail), in bulk."""
    now = watch_db.utcnow()
    rows = []
    for i, p in enumerate(profiles):
        p.id = None
        p.email = f"{p.name}@example.fr" if i % 10 else None
        p.unsubscribe_token = secrets.token_urlsafe(24)
        row = {k: v for k, v in vars(p).items() if k != "id"}
        rows.append({**row, "created_at": now, "updated_at": now})
    with engine.begin() as con:
        for start in range(0, len(rows), 20_000):
            con.execute(insert(watch_db.profiles), rows[start : start + 20_000])


def corrigenda(notices: list[Notice], share: float, rng: random.Random) -> list[Notice]:
    """The same notices, ``share`` of them with the deadline moved 7 days later."""
    out = []
    for n in notices:
        doc = load_notice(dump_notice(n))
        if rng.random() < share and doc.deadline is not None:
            doc.deadline += timedelta(days=7)
        out.append(doc)
    return out


def run_day(args: argparse.Namespace) -> None:
    """Child process: one ``watch run`` (no mail) on the notices of a file; prints JSON."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    settings = Settings.resolve(Path(args.home))
    engine = watch_db.open_db(settings, args.db)
    opened = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Path(args.run_day).open("rb") as f:
        notices = [load_notice(line) for line in f]
    read = time.perf_counter() - t0
    locator = Locator(Geography(postal_base=POSTAL_BASE if POSTAL_BASE.is_file() else None))
    c0 = time.process_time()
    report = run_watch(settings, engine, now=datetime.fromisoformat(args.now), smtp=None,
                       locator=locator, notices=notices)
    cpu = time.process_time() - c0
    steps = {"open db": opened, **report.seconds, "notices": read}
    steps.pop("send", None)
    with engine.connect() as con:
        states = dict(con.execute(select(watch_db.outbox.c.state, func.count())
                                  .group_by(watch_db.outbox.c.state)).tuples().all())
        kinds = dict(con.execute(select(watch_db.outbox.c.kind, func.count())
                                 .group_by(watch_db.outbox.c.kind)).tuples().all())
    print(json.dumps({
        "steps": steps, "cpu": cpu + read, "matches": len(report.matches),
        "enqueued": report.enqueued, "profiles": report.profiles, "notices": report.notices,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load": [load, os.getloadavg()[0]], "states": states, "kinds": kinds,
    }))


def end_to_end(args: argparse.Namespace, profiles: list[Profile], notices: list[Notice]) -> None:
    home = Path(tempfile.mkdtemp(prefix="ancrage-bench-watch-"))
    settings = Settings.resolve(home)
    url, schema = args.db, None
    admin = None
    if url:  # a fresh schema, dropped at the end
        schema = f"bench_watch_{uuid.uuid4().hex[:8]}"
        admin = watch_db.create_engine(url)
        with admin.begin() as con:
            con.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    try:
        engine = watch_db.open_db(settings, url)
        t0 = time.perf_counter()
        insert_profiles(engine, profiles)
        print(f"setup: {len(profiles)} profiles inserted in {time.perf_counter() - t0:.1f} s "
              f"({'SQLite ' + str(home / 'app.sqlite') if not url else 'PostgreSQL ' + schema})")
        engine.dispose()
        rng = random.Random(1)
        days = [("day 1", notices, NOW), ("day 2", corrigenda(notices, 0.01, rng),
                                          NOW + timedelta(days=1))]
        for name, day_notices, now in days:
            path = home / f"notices-{name.replace(' ', '')}.jsonl"
            path.write_bytes(b"".join(dump_notice(n) + b"\n" for n in day_notices))
            cmd = [sys.executable, __file__, "--run-day", str(path), "--home", str(home),
                   "--now", now.isoformat()] + (["--db", url] if url else [])
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode:
                raise SystemExit(done.stderr)
            r = json.loads(done.stdout.strip().splitlines()[-1])
            with watch_db.open_db(settings, url).begin() as con:  # as if the mail went out
                con.execute(watch_db.outbox.update().where(watch_db.outbox.c.state == "pending")
                            .values(state="sent", sent_at=watch_db.utcnow()))
            steps = ", ".join(f"{k} {v:.2f} s" for k, v in r["steps"].items())
            size = (home / "app.sqlite").stat().st_size / 2**20 if not url else float("nan")
            print(f"{name}: {steps}; total {sum(r['steps'].values()):.2f} s "
                  f"(CPU {r['cpu']:.2f} s); {r['profiles']} profiles x {r['notices']} notices, "
                  f"{r['matches']} matches, {r['enqueued']} queued; outbox {r['states']} "
                  f"{r['kinds']}; peak RSS {r['rss_mib']:.0f} MiB; load average (1 min) "
                  f"{r['load'][0]:.2f} -> {r['load'][1]:.2f}"
                  + (f"; app.sqlite {size:.0f} MiB" if not url else ""))
    finally:
        if admin is not None:
            with admin.begin() as con:
                con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
        for f in sorted(home.iterdir()):
            f.unlink()
        home.rmdir()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--notices", type=int, default=5_000)
    parser.add_argument("--cpv-file", type=Path, default=CPV_FILE)
    parser.add_argument("--postal-base", type=Path, default=POSTAL_BASE,
                        help="La Poste's base (points: distances, radii); absent: by département")
    parser.add_argument("--end-to-end", action="store_true",
                        help="time `watch run` (app DB, enqueue) over two days instead")
    parser.add_argument("--db", help="application database URL (default: SQLite, temp home)")
    parser.add_argument("--run-day", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_day:
        run_day(args)
        return
    rng = random.Random(0)
    world = World(args.cpv_file)
    profiles = make_profiles(args.profiles, rng, world)
    notices = make_notices(args.notices, rng, world)
    if args.end_to_end:
        end_to_end(args, profiles, notices)
        return
    postal = args.postal_base if args.postal_base.is_file() else None
    locator = Locator(Geography(postal_base=postal))
    national = sum(1 for p in profiles if not p.departements and p.radius_km is None)
    print(f"profiles={args.profiles} (national {national}) notices={args.notices} "
          f"lots={sum(len(n.lots) for n in notices)} points={'yes' if postal else 'no'}")
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    index = ProfileIndex(profiles, locator)
    t1, c1 = time.perf_counter(), time.process_time()
    matches = index.match(notices, NOW)
    t2, c2 = time.perf_counter(), time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stats = index.stats
    print(f"index build {t1 - t0:.2f} s (CPU {c1 - c0:.2f} s), "
          f"matching {t2 - t1:.2f} s (CPU {c2 - c1:.2f} s), "
          f"total {t2 - t0:.2f} s (CPU {c2 - c0:.2f} s)")
    print(f"candidates {stats.candidates}, lot matches {stats.lot_matches}, "
          f"matches {len(matches)}")
    print(f"peak memory (max RSS) {rss:.0f} MiB; load average (1 min) {load:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""Benchmark of the notice store and search on a synthetic corpus (FICTITIOUS notices).

    python benchmarks/notices.py --n 100000 [--queries 1000] [--vocab zipf|tiny] [--home DIR]

Notices are generated (titles, descriptions, CPV codes, départements, deadlines), labelled
fictitious (source "synth"), and inserted through the same code as real loads
(:class:`ancrage.notices.store.NoticeWriter` in transactions of 20,000 notices, the search index
kept in step by :class:`ancrage.notices.index.IndexSession`, committed at the end). Prints the
build time and rate (making the notices not counted; CPU time counts every thread, tantivy's
included, and the process that analyses the text during the load), the time of a full index
rebuild from the store, peak memory, sizes, and p50/p95 latency over mixed queries with
filters. Targets: ≥ 5,000 notices/s, p95 < 50 ms.

Vocabularies:

* ``zipf`` (default): the words of the French CPV 2008 labels (``cpv_2008_fr.csv`` from the
  shared nomenclatures, read in place; 5,581 distinct words once stop words are removed), drawn
  with a Zipf–Mandelbrot law 1 / (rank + 20) over their frequency rank, as content words are in
  real text (the +20 stands for the stop words that hold the top ranks and are not indexed):
  the commonest word ("services") is in ~30 % of the notices, like "travaux" in real BOAMP
  notices. Each notice takes a CPV code (same law) and its label in the title. Query words
  follow the same law, so a query may hit a common word or a rare one.
* ``tiny``: the first version (40 words; every query word is in ~8 % of the notices, every
  place word in 10 %), kept to compare with earlier figures.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import os
import random
import re
import resource
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ancrage.notices.analysis import stopwords
from ancrage.notices.index import IndexSession, index_dir, rebuild, searcher
from ancrage.notices.model import Buyer, Money, Notice, Place
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, NoticeWriter
from ancrage.settings import Settings

WORKS = [
    "menuiserie",
    "peinture",
    "plâtrerie",
    "électricité",
    "plomberie",
    "couverture",
    "isolation thermique",
    "maçonnerie",
    "carrelage",
    "chauffage",
    "voirie",
    "charpente",
]
SERVICES = [
    "nettoyage des locaux",
    "restauration scolaire",
    "entretien des espaces verts",
    "maintenance informatique",
    "transport scolaire",
    "gardiennage",
    "formation",
]
PLACES = [
    "groupe scolaire",
    "mairie",
    "gymnase",
    "médiathèque",
    "caserne",
    "collège",
    "piscine",
    "crèche",
    "salle des fêtes",
    "EHPAD",
]
VERBS = ["Rénovation", "Réhabilitation", "Construction", "Extension", "Mise aux normes"]
CPV_WORKS = [
    "45421000",
    "45442100",
    "45410000",
    "45310000",
    "45330000",
    "45261000",
    "45321000",
    "45262500",
    "45431000",
    "45331000",
    "45233140",
    "45261100",
]
CPV_SERVICES = ["90911200", "55524000", "77310000", "72500000", "60130000", "79713000", "80500000"]
DEPS = [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B", "971", "972", "974"]
FILLER = (
    "Les prestations comprennent la fourniture, la pose et la reprise des existants. "
    "Le chantier se déroule en site occupé ; une visite est recommandée."
)


def make_notice(i: int, rng: random.Random, today: date) -> Notice:
    works = rng.random() < 0.6
    trade = rng.choice(WORKS if works else SERVICES)
    where = rng.choice(PLACES)
    dep = rng.choice(DEPS)
    title = (
        f"{rng.choice(VERBS)} du {where} : lot {trade}"
        if works
        else f"Marché de {trade} pour le {where}"
    )
    cpv = rng.choice(CPV_WORKS if works else CPV_SERVICES)
    deadline = datetime.combine(
        today + timedelta(days=rng.randint(-200, 90)), datetime.min.time(), UTC
    ) + timedelta(hours=11)
    return Notice(
        id=f"synth:{i}",
        source="synth",
        source_id=str(i),
        kind="contract_notice",
        source_format="ancrage-synth (fictitious)",
        buyer=Buyer(name=f"Commune fictive {i % 5000}", departement=dep),
        title=title,
        description=f"{title}. {trade.capitalize()} — {FILLER}",
        purchase_type="travaux" if works else "services",
        cpv_main=cpv,
        place=Place(departements=[dep]),
        estimated_value=Money(Decimal(rng.randint(20, 2000) * 1000), "EUR"),
        publication_date=deadline.date() - timedelta(days=35),
        deadline=deadline,
    )


CPV_FILE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "nomenclatures"
    / "cpv"
    / "cpv_2008_fr.csv"
)
ZIPF_S = 1.0
ZIPF_Q = 20  # Zipf–Mandelbrot offset: the stop words, removed, hold the top ranks
CHUNK = 20_000  # notices per transaction


class Zipf:
    """Draws items with probability ∝ 1 / (rank + q)^s (Zipf–Mandelbrot)."""

    def __init__(self, items: list[str], s: float = ZIPF_S, q: float = ZIPF_Q) -> None:
        self.items = items
        self.cum = list(itertools.accumulate(1 / ((r + q) ** s) for r in range(1, len(items) + 1)))

    def draw(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


class Vocabulary:
    """French procurement words from the CPV labels, ranked by frequency."""

    def __init__(self, path: Path) -> None:
        with path.open(encoding="utf-8") as fh:
            labels = {row["CODE"][:8]: row["FR"] for row in csv.DictReader(fh)}
        counts: dict[str, int] = {}
        for label in labels.values():
            for w in re.findall(r"[^\W\d_]{3,}", label.lower()):
                if w in stopwords():
                    continue
                counts[w] = counts.get(w, 0) + 1
        self.words = Zipf(sorted(counts, key=lambda w: (-counts[w], w)))
        codes = sorted(labels)
        self.rng_codes = random.Random(7)
        self.rng_codes.shuffle(codes)  # which codes are common: fixed, not by code order
        self.codes = Zipf(codes)
        self.labels = labels

    def text(self, rng: random.Random, n: int) -> str:
        return " ".join(self.words.draw(rng) for _ in range(n))


def make_zipf_notice(i: int, rng: random.Random, today: date, vocab: Vocabulary) -> Notice:
    cpv = vocab.codes.draw(rng)
    dep = rng.choice(DEPS)
    title = f"{rng.choice(VERBS)} : {vocab.labels[cpv]} — {vocab.text(rng, 3)}"
    deadline = datetime.combine(
        today + timedelta(days=rng.randint(-200, 90)), datetime.min.time(), UTC
    ) + timedelta(hours=11)
    return Notice(
        id=f"synth:{i}",
        source="synth",
        source_id=str(i),
        kind="contract_notice",
        source_format="ancrage-synth (fictitious)",
        buyer=Buyer(name=f"Commune fictive {i % 5000}", departement=dep),
        title=title,
        description=f"{vocab.text(rng, rng.randint(20, 60)).capitalize()}. {FILLER}",
        purchase_type="travaux" if cpv.startswith("45") else "services",
        cpv_main=cpv,
        place=Place(departements=[dep]),
        estimated_value=Money(Decimal(rng.randint(20, 2000) * 1000), "EUR"),
        publication_date=deadline.date() - timedelta(days=35),
        deadline=deadline,
    )


def write_chunk(
    con: sqlite3.Connection, index: IndexSession, chunk: list[Notice], first: int
) -> None:
    """Insert one transaction of notices, the search index kept in step (records numbered from
    ``first``)."""
    con.execute("BEGIN")
    sink = index.sink()
    writer = NoticeWriter(con, sink=sink)
    for offset, notice in enumerate(chunk):
        writer.add(notice, file="synth", record=str(first + offset))
    writer.flush()
    con.execute("COMMIT")
    index.committed(sink)


def cpu_time() -> float:
    """CPU seconds of this process (every thread, tantivy's included) and of its finished
    child processes (the load's text analysis process, once the load has ended)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--vocab", choices=["zipf", "tiny"], default="zipf")
    parser.add_argument("--cpv-file", type=Path, default=CPV_FILE)
    parser.add_argument(
        "--no-rebuild", action="store_true", help="Do not time a full rebuild of the index."
    )
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ancrage-bench-"))
    settings = Settings.resolve(home)
    rng = random.Random(42)
    today = date(2026, 1, 15)
    vocab = Vocabulary(args.cpv_file) if args.vocab == "zipf" else None
    print(f"DONNÉES FICTIVES : {args.n:,} avis synthétiques ({args.vocab}) dans {home}")
    print("load average (1, 5, 15 min) at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    generated = cpu_generated = 0.0  # making the synthetic notices is not part of the load
    start, cpu_start = time.perf_counter(), cpu_time()
    with NoticeStore(settings).writing() as con:
        with IndexSession(settings, con) as index:
            for first in range(0, args.n, CHUNK):
                t, cpu = time.perf_counter(), time.process_time()
                chunk = [
                    make_notice(i, rng, today)
                    if vocab is None
                    else make_zipf_notice(i, rng, today, vocab)
                    for i in range(first, min(first + CHUNK, args.n))
                ]
                generated += time.perf_counter() - t
                cpu_generated += time.process_time() - cpu
                write_chunk(con, index, chunk, first)
            loaded = time.perf_counter() - start - generated
            t = time.perf_counter()
        committed = time.perf_counter() - t  # the index commit, and its merges
    build = loaded + committed
    cpu_build = cpu_time() - cpu_start - cpu_generated  # the helper process included
    print(
        f"index build: {build:.1f} s ({loaded:.1f} s insert, search index kept in step + "
        f"{committed:.1f} s last index commit and merges; {generated:.1f} s making the "
        "notices, not counted), "
        f"{args.n / build:,.0f} notices/s; CPU time {cpu_build:.1f} s, {args.n / cpu_build:,.0f} "
        "notices per CPU second"
    )
    if not args.no_rebuild:
        t, cpu = time.perf_counter(), time.process_time()
        with NoticeStore(settings).reading() as con:
            rebuild(settings, con, "benchmark")
        print(
            f"index rebuild from the store: {time.perf_counter() - t:.1f} s "
            f"(CPU {time.process_time() - cpu:.1f} s)"
        )
    with NoticeStore(settings).reading() as con:
        segments = searcher(settings, con).num_segments
    now = datetime.combine(today, datetime.min.time(), UTC)
    latencies: list[float] = []
    cpu_latencies: list[float] = []  # CPU time per query: less sensitive to other jobs
    by_kind: dict[str, list[float]] = {}
    for _ in range(args.queries):
        kw: dict[str, object] = {}
        r = rng.random()
        if r < 0.3:
            kw["cpv"] = rng.choice(["45", "454", "90", "7"])
        if rng.random() < 0.3:
            kw["territory"] = f"dep:{rng.choice(DEPS[:94])}"
        if rng.random() < 0.4:
            kw["open_only"] = True
        if rng.random() < 0.2:
            kw["deadline_after"] = today + timedelta(days=rng.randint(0, 60))
        if vocab is None:
            query = rng.choice(WORKS + SERVICES)
            query += " " + rng.choice(PLACES) if rng.random() < 0.5 else ""
        else:
            query = vocab.text(rng, 1 if rng.random() < 0.5 else 2)
        t, cpu = time.perf_counter(), time.process_time()
        search(settings, query, now=now, **kw)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - t) * 1000)
        cpu_latencies.append((time.process_time() - cpu) * 1000)
        kind = f"{len(query.split())} word(s), {'filtered' if kw else 'no filter'}"
        by_kind.setdefault(kind, []).append(latencies[-1])
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    helper_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    files = [p for p in (home / "notices").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    in_index = sum(p.stat().st_size for p in files if index_dir(settings) in p.parents) / 1e6
    print(f"search over {args.queries} queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    cpu_latencies.sort()
    print(
        f"  CPU time per query: p50 {statistics.median(cpu_latencies):.1f} ms, "
        f"p95 {cpu_latencies[int(len(cpu_latencies) * 0.95) - 1]:.1f} ms"
    )
    for kind, values in sorted(by_kind.items()):
        values.sort()
        print(
            f"  {kind}: {len(values)} queries, p50 {statistics.median(values):.1f} ms, "
            f"p95 {values[max(0, int(len(values) * 0.95) - 1)]:.1f} ms"
        )
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"peak memory: {peak:.0f} MiB (the load's text analysis process: {helper_peak:.0f} MiB); "
        f"store size {size:.0f} MB "
        f"(search index {in_index:.0f} MB, {segments} segments)"
    )


if __name__ == "__main__":
    main()

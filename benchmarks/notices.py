"""Benchmark of the notice store and search on a synthetic corpus (FICTITIOUS notices).

    python benchmarks/notices.py --n 100000 [--home DIR]

Notices are generated from vocabulary lists (titles, descriptions, CPV codes, départements,
deadlines), labelled fictitious (source "synth"), and inserted through the same code as real
loads (:func:`ancrage.notices.store.put_notice`). Prints the index build rate, peak memory and
p50/p95 latency over 1,000 mixed queries with filters. Targets: ≥ 5,000 notices/s, p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from ancrage.notices.model import Buyer, Money, Notice, Place
from ancrage.notices.search import search
from ancrage.notices.store import NoticeStore, put_notice
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="ancrage-bench-"))
    settings = Settings.resolve(home)
    rng = random.Random(42)
    today = date(2026, 1, 15)
    print(f"DONNÉES FICTIVES : {args.n:,} avis synthétiques dans {home}")
    start = time.perf_counter()
    with NoticeStore(settings).writing() as con:
        con.execute("BEGIN")
        for i in range(args.n):
            put_notice(con, make_notice(i, rng, today), file="synth", record=str(i))
            if i % 50_000 == 49_999:
                con.execute("COMMIT")
                con.execute("BEGIN")
        con.execute("COMMIT")
    build = time.perf_counter() - start
    print(f"index build: {build:.1f} s, {args.n / build:,.0f} notices/s")
    now = datetime.combine(today, datetime.min.time(), UTC)
    words = list(WORKS + SERVICES)
    latencies: list[float] = []
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
        query = rng.choice(words) + (" " + rng.choice(PLACES) if rng.random() < 0.5 else "")
        t = time.perf_counter()
        search(settings, query, now=now, **kw)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - t) * 1000)
    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in (home / "notices").iterdir()) / 1e6
    print(f"search over {args.queries} queries: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"peak memory: {peak:.0f} MiB; store size {size:.0f} MB")


if __name__ == "__main__":
    main()

"""Benchmark of the watch matching: N synthetic profiles × M synthetic notices with lots.

    .venv/bin/python benchmarks/watch.py --profiles 100000 --notices 5000

Prints index build time, matching time, matches and peak memory (max RSS).
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ancrage.notices.model import Lot, Money, Notice, Place
from ancrage.watch.matching import ProfileIndex
from ancrage.watch.model import Profile

CLASSES = [f"{d}{c}" for d in ("45", "50", "55", "71", "72", "79", "90", "33", "15", "34")
           for c in ("11", "21", "23", "26", "31", "32", "33", "41", "42", "44")]
DEPS = [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B"]
WORDS = ["chauffage", "toiture", "menuiserie", "peinture", "nettoyage", "restauration",
         "voirie", "electricite", "plomberie", "informatique", "maintenance", "isolation"]
NOW = datetime(2026, 1, 22, tzinfo=UTC)


def make_profiles(n: int, rng: random.Random) -> list[Profile]:
    out = []
    for i in range(n):
        deps = rng.sample(DEPS, rng.choice((1, 2, 3))) if rng.random() < 0.9 else []
        out.append(Profile(
            name=f"p{i}", id=i, cpv=[rng.choice(CLASSES) for _ in range(rng.choice((1, 2, 3)))],
            keywords=rng.sample(WORDS, rng.choice((0, 1, 2))), departements=deps,
            value_min=rng.choice((None, 5_000.0)), value_max=rng.choice((None, 300_000.0)),
            certifications=rng.sample(["Qualibat", "RGE"], rng.choice((0, 1))),
        ))
    return out


def make_notices(n: int, rng: random.Random) -> list[Notice]:
    out = []
    for i in range(n):
        dep = rng.choice(DEPS)
        lots = [
            Lot(number=str(k + 1), title=f"lot {rng.choice(WORDS)}",
                cpv_main=rng.choice(CLASSES) + "0000",
                value=Money(Decimal(rng.randint(10_000, 900_000)), "EUR"))
            for k in range(rng.choice((1, 2, 3, 5)))
        ]
        out.append(Notice(
            id=f"bench:{i}", source="bench", source_id=str(i), kind="contract_notice",
            source_format="bench", title=f"Travaux de {rng.choice(WORDS)} {i}",
            cpv_main=lots[0].cpv_main, place=Place(departements=[dep]), lots=lots,
            deadline=NOW + timedelta(days=rng.randint(3, 60)),
            qualification_labels=["RGE"] if rng.random() < 0.2 else [],
        ))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--notices", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(0)
    profiles = make_profiles(args.profiles, rng)
    notices = make_notices(args.notices, rng)
    t0 = time.perf_counter()
    index = ProfileIndex(profiles, None)
    t1 = time.perf_counter()
    matches = index.match(notices, NOW)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lots = sum(len(n.lots) for n in notices)
    print(f"profiles={args.profiles} notices={args.notices} lots={lots}")
    print(f"index build {t1 - t0:.2f} s, matching {t2 - t1:.2f} s, matches {len(matches)}")
    print(f"peak memory (max RSS) {rss:.0f} MiB")


if __name__ == "__main__":
    main()

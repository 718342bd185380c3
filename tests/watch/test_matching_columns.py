"""Column-wise matching (numpy, :mod:`ancrage.watch.columns`) gives exactly the matches of the
scalar rules.

- Regression: on a seeded sample of the benchmark's data (2,000 profiles × 300 notices), the
  matches — profile, notice, title, score, deadline, every lot with its reasons and warnings,
  the explanation, and their order — hash to what the scalar implementation (one
  ``quick_score`` per candidate pair) gave before the column-wise one. The hash depends on the
  benchmark's generators and on the reference data they read (COG, La Poste's base, CPV 2008,
  ``naf_cpv.csv``): when one of those changes, check ``test_columns_equal_scalar_reference``
  and record the new hash.
- Live: on data with every option the benchmark leaves out (purchase types, reserved calls
  only, several départements on either side, multi-word and repeated keywords, excluded words,
  odd CPV prefixes, amounts beyond 2⁵³, certifications unknown to every profile, deadlines not
  given), the index gives the matches of a reference built from the scalar rules alone: the
  candidates of the inverted index as it was (CPV prefix or a keyword's first stem, and the
  place), then ``quick_score``, the order of ``match_notice`` and ``score_target``'s lots.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta
from operator import itemgetter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ancrage.geo.radius import Locator
from ancrage.notices.model import Lot, Money, Notice, Place
from ancrage.watch.matching import NoticeMatch, ProfileIndex, quick_score, score_target
from ancrage.watch.model import Profile
from ancrage.watch.scoring import Compiled, Target, TargetFacts

# sha256 of the records below for bench.make_profiles(2000) then make_notices(300), seed 11,
# by the scalar implementation (3,346 matches, 8,683 candidate pairs, 6,857 lot matches; the
# French stop words dropped from keywords, the place of performance named in explanations).
SCALAR_SHA256 = "2e5e8eba2d143910fae61074b8ddf78afb5f3026a8e9da473be9926d7e9d020a"


def records(matches: list[NoticeMatch]) -> list[list[Any]]:
    return [
        [
            m.profile_id,
            m.profile_name,
            m.notice_id,
            m.title,
            m.score,
            str(m.deadline),
            [[lot.lot_number, lot.title, lot.score, lot.reasons, lot.warnings] for lot in m.lots],
            m.explanation,
        ]
        for m in matches
    ]


def digest(rows: list[list[Any]]) -> str:
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def test_same_matches_as_scalar_implementation(
    bench: ModuleType, locator: Locator, shared_data: Path
) -> None:
    rng = random.Random(11)
    world = bench.World(shared_data / "nomenclatures" / "cpv" / "cpv_2008_fr.csv")
    profiles = bench.make_profiles(2000, rng, world)
    notices = bench.make_notices(300, rng, world)
    index = ProfileIndex(profiles, locator)
    rows = records(index.match(notices, bench.NOW))
    assert (len(rows), index.stats.candidates, index.stats.lot_matches) == (3346, 8683, 6857)
    assert digest(rows) == SCALAR_SHA256


# ---------------------------------------------------------------- live reference


def old_candidate(c: Compiled, t: Target, facts: TargetFacts) -> bool:
    """A candidate of the inverted index as it was: the place, then a CPV prefix of the lot's
    code (2 digits at least), a longer prefix under its code (3 digits at least), or a
    keyword's first stem."""
    if c.deps is not None and c.deps.isdisjoint(t.deps):
        return False
    for digits in facts.digits:
        for prefix in c.cpv:
            if len(prefix) >= 2 and digits.startswith(prefix):
                return True
            if len(digits) >= 3 and len(prefix) > len(digits) and prefix.startswith(digits):
                return True
    return any(stems[0] in t.stems for stems in c.keywords)


def reference(index: ProfileIndex, notices: list[Notice], now: datetime) -> list[list[Any]]:
    out: list[list[Any]] = []
    for notice in notices:
        targets = index.open_targets(notice, now)
        passed: dict[int, list[tuple[float, int]]] = {}
        for i, t in enumerate(targets):
            facts = TargetFacts.of(t, now)
            for n, c in enumerate(index.compiled):
                if old_candidate(c, t, facts) and (s := quick_score(c, t, facts)) is not None:
                    passed.setdefault(n, []).append((round(s, 3), i))
        rows = []
        for n, hits in passed.items():
            c = index.compiled[n]
            score, first = max(hits, key=itemgetter(0))
            order: list[tuple[float, int]] = []
            for hit in hits:
                if order and hit[0] > order[0][0]:
                    order.insert(0, hit)
                else:
                    order.append(hit)
            lots = [score_target(c, targets[i], now) for _, i in order]
            assert all(lot is not None for lot in lots)
            text = " ; ".join(lots[0].reasons + lots[0].warnings)  # type: ignore[union-attr]
            others = [lot.lot_number for lot in lots[1:] if lot and lot.lot_number]
            if others:
                text += f" ; autres lots concernés : {', '.join(others)}"
            rows.append(
                [
                    c.profile.id,
                    c.profile.name,
                    notice.id,
                    notice.title or targets[first].title,
                    score,
                    str(targets[first].deadline),
                    [[x.lot_number, x.title, x.score, x.reasons, x.warnings] for x in lots if x],
                    text,
                ]
            )
        out += sorted(rows, key=lambda r: (-r[4], r[1]))
    return out


def enrich_profiles(profiles: list[Profile], rng: random.Random, deps: list[str]) -> None:
    """Every option of a profile, on a share of the benchmark's profiles."""
    for p in profiles:
        if rng.random() < 0.2:
            p.purchase_types = rng.sample(["travaux", "fournitures", "services", "autre"], 2)
        if rng.random() < 0.1:
            p.reserved = "only"
        if rng.random() < 0.25:
            p.keywords = [*p.keywords, rng.choice(["pose de carrelage", "travaux de peinture",
                                                   "nettoyage des locaux", "lot menuiserie"])]
        if p.keywords and rng.random() < 0.1:
            p.keywords = [*p.keywords, p.keywords[0]]  # the same keyword twice counts twice
        if rng.random() < 0.15:
            p.excluded_keywords = [rng.choice(["entretien", "fourniture", "lot", "travaux"])]
        if rng.random() < 0.15:  # own départements besides a radius, or more of them
            p.departements = [*p.departements, *rng.sample(deps, 2)]
        if rng.random() < 0.15:
            p.min_days = rng.choice([0, 15, 30, 60])
        if rng.random() < 0.1:
            p.value_min = rng.choice([5_000, 50_000])  # ints, as typed on the command line
        if rng.random() < 0.03:
            p.value_max = 2**60  # beyond float64's exact integers: the scalar path
        if rng.random() < 0.03:
            p.cpv = ["4", *p.cpv]  # a 1-digit prefix: the scalar path
        if rng.random() < 0.1:
            p.certifications = [*p.certifications, "ISO 9001"]
        if rng.random() < 0.03:
            p.active = False


def enrich_notices(notices: list[Notice], rng: random.Random, deps: list[str]) -> None:
    """Every option of a notice, on a share of the benchmark's notices."""
    for n in notices:
        if rng.random() < 0.5:
            n.purchase_type = rng.choice(["travaux", "fournitures", "services"])
        if rng.random() < 0.15:
            n.place = Place(departements=[*n.place.departements, rng.choice(deps)],
                            commune=n.place.commune)
        if rng.random() < 0.1:
            n.qualification_labels = [*n.qualification_labels,
                                      rng.choice(["ISO 9001", "MASE", "Qualifelec"])]
        if rng.random() < 0.1:
            n.deadline = None
        if rng.random() < 0.2:
            n.description = rng.choice(["Travaux d'entretien et de peinture",
                                        "Fourniture et pose de carrelage, lot menuiserie",
                                        "Nettoyage des locaux administratifs"])
        if n.lots and rng.random() < 0.3:
            lot = n.lots[0]
            n.lots[0] = Lot(number=lot.number, title=lot.title, cpv_main=lot.cpv_main,
                            value=Money(lot.value.amount, "EUR") if lot.value else None,
                            place=Place(departements=rng.sample(deps, 2)),
                            deadline=n.deadline - timedelta(days=60) if n.deadline else None)


@pytest.mark.parametrize("seed", [3, 4])
def test_columns_equal_scalar_reference(
    bench: ModuleType, locator: Locator, shared_data: Path, seed: int
) -> None:
    rng = random.Random(seed)
    world = bench.World(shared_data / "nomenclatures" / "cpv" / "cpv_2008_fr.csv")
    profiles = bench.make_profiles(600, rng, world)
    notices = bench.make_notices(150, rng, world)
    deps = sorted(world.by_dep)
    enrich_profiles(profiles, rng, deps)
    enrich_notices(notices, rng, deps)
    index = ProfileIndex(profiles, locator)
    got = records(index.match(notices, bench.NOW))
    expected = reference(index, notices, bench.NOW)
    assert len(expected) > 300  # the data gives matches, so the comparison means something
    assert index.table.irregular.any()  # and the scalar path is taken
    assert got == expected
    # the matched profiles are among the candidates of the notice's targets
    for notice in notices[:30]:
        found = {n for t in index.open_targets(notice, bench.NOW) for n in index.candidates(t)}
        names = {index.compiled[n].profile.name for n in found}
        assert {r[1] for r in got if r[2] == notice.id} <= names
    # one notice at a time gives the same as a batch
    one = ProfileIndex(profiles, locator)
    assert records([m for n in notices for m in one.match_notice(n, bench.NOW)]) == expected

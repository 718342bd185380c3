"""The fast path of matching (index, numbers-only score, lazy explanations) against the plain
definition: every profile × every lot scored with ``score_target``, on the benchmark's data."""

from __future__ import annotations

import random
from pathlib import Path
from types import ModuleType

from ancrage.geo.radius import Locator
from ancrage.watch.matching import ProfileIndex, quick_score, score_target, targets_of
from ancrage.watch.scoring import TargetFacts


def test_index_and_quick_score_agree_with_brute_force(
    bench: ModuleType, locator: Locator, shared_data: Path
) -> None:
    rng = random.Random(7)
    world = bench.World(shared_data / "nomenclatures" / "cpv" / "cpv_2008_fr.csv")
    profiles = bench.make_profiles(400, rng, world)
    notices = bench.make_notices(120, rng, world)
    index = ProfileIndex(profiles, locator)
    now = bench.NOW
    expected: dict[tuple[str, str], tuple[float, list[str]]] = {}
    pairs = 0
    for notice in notices:
        targets = targets_of(notice, locator)
        for c in index.compiled:
            lots = [lot for t in targets if (lot := score_target(c, t, now)) is not None]
            for t in targets:
                if t.deadline is not None and t.deadline <= now:
                    continue
                pairs += 1
                quick = quick_score(c, t, TargetFacts.of(t, now))
                full = score_target(c, t, now)
                assert (quick is None) == (full is None)
                if quick is not None and full is not None:
                    assert round(quick, 3) == full.score
            if lots:
                best = max(lot.score for lot in lots)
                expected[(c.profile.name, notice.id)] = (best, sorted(lot.title for lot in lots))
    got = {
        (m.profile_name, m.notice_id): (m.score, sorted(lot.title for lot in m.lots))
        for m in index.match(notices, now)
    }
    assert pairs > 100_000
    assert len(expected) > 300  # the data gives matches, so the comparison means something
    assert got == expected
    assert 0 < index.stats.candidates < pairs / 5  # the index spares most pairs

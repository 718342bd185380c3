"""CPU time of one notice search as the web page asks it, without HTTP (FICTITIOUS notices).

    python benchmarks/notice_search.py --home DIR [--n 2000] [--profile] [--pages 1]

Runs, on a store built by ``benchmarks/notices.py`` or ``benchmarks/serve.py`` (``--home``),
the searches of the serve benchmark's notice-search load (one word of its vocabulary, 30 % with
a département filter, page 1 unless ``--pages`` draws pages 1 to N), through
:func:`ancrage.web.notices.search_page` then the page's template, in one thread, and prints the
CPU time per search (this process, tantivy's threads included): the search alone and the search
with the page rendered. ``--profile`` prints the cProfile of the searches (cumulative time).

Searches repeat words (10 words × 6 filters), as the serve benchmark does: they run without
kept rankings (``search_memo=0``: each search ranks again; only the OS page cache is warm, as
on a running server), then, for comparison, with 512 kept (nearly every search is then
answered from them: not the figure to judge the search by).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ancrage.settings import Settings  # noqa: E402
from ancrage.web import notices as web_notices  # noqa: E402
from ancrage.web.render import environment  # noqa: E402
from serve import DEPS, WORDS  # noqa: E402


def draws(n: int, pages: int, seed: int = 1) -> list[tuple[str, str | None, int]]:
    rng = random.Random(seed)
    return [
        (
            rng.choice(WORDS),
            f"dep:{rng.choice(DEPS)}" if rng.random() < 0.3 else None,
            rng.randint(1, pages),
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings = replace(Settings.resolve(args.home), search_memo=0)
    now = datetime.now(UTC)
    template = environment().get_template("notices.html.j2")
    todo = draws(args.n, args.pages)

    def one(word: str, territory: str | None, page_no: int, render: bool) -> None:
        hits, more = web_notices.search_page(
            settings, word, territory=territory, offset=(page_no - 1) * 20, limit=20, now=now
        )
        if render:
            template.render(
                request=None,
                path="/avis",
                title="Appels d'offres",
                user=None,
                nav=[],
                csrf="x",
                params={
                    "q": word,
                    "metier": "",
                    "cpv": "",
                    "territoire": territory or "",
                    "ouverts": "",
                    "date_limite_apres": "",
                },
                hits=hits,
                more=more,
                error=None,
                searched=True,
                page_no=page_no,
            )

    for word, territory, page_no in todo[:50]:  # warm-up: caches, index opened
        one(word, territory, page_no, True)
    print(
        f"DONNÉES FICTIVES in {args.home}; {args.n} searches; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    for render, memo in ((False, 0), (True, 0), (True, 512)):
        settings = replace(settings, search_memo=memo)
        cpu: list[float] = []
        profile = cProfile.Profile() if args.profile and render and not memo else None
        started = time.process_time()
        for word, territory, page_no in todo:
            t = time.process_time()
            if profile is not None:
                profile.enable()
            one(word, territory, page_no, render)
            if profile is not None:
                profile.disable()
            cpu.append((time.process_time() - t) * 1000)
        total = (time.process_time() - started) * 1000 / len(todo)
        cpu.sort()
        print(
            f"{'search + template' if render else 'search alone'}, {memo} rankings kept: "
            f"CPU {total:.2f} ms per "
            f"search (p50 {statistics.median(cpu):.2f} ms, p99 {cpu[int(len(cpu) * 0.99)]:.2f} "
            f"ms); load average after {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        if profile is not None:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()

"""One watch run: open notices × active profiles → matches → outbox → e-mails."""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, update

from ancrage.notices.model import Notice
from ancrage.notices.store import NoticeStore, load_notice
from ancrage.settings import Settings
from ancrage.watch.db import runs, utcnow
from ancrage.watch.lock import Holder, RunLock, run_lock
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.matching import OPEN_KINDS, Locator, NoticeMatch, ProfileIndex
from ancrage.watch.outbox import SendReport, enqueue, send_due
from ancrage.watch.profiles import list_profiles
from ancrage.watch.retry import RetryPolicy


def open_notices(settings: Settings, since: date | None = None) -> list[Notice]:
    """Open calls of the notice store (published on or after ``since`` when given). Without
    ``since`` every open call is read again, so corrigenda reach the outbox as updates."""
    kinds = ", ".join(f"'{k}'" for k in OPEN_KINDS)
    sql = f"SELECT doc FROM notices WHERE status = 'open' AND kind IN ({kinds})"
    params: list[Any] = []
    if since is not None:
        sql += " AND publication_date >= ?"
        params.append(since.isoformat())
    with NoticeStore(settings).reading() as con:
        return [load_notice(r[0]) for r in con.execute(sql + " ORDER BY id", params)]


@dataclass
class RunReport:
    notices: int = 0
    profiles: int = 0
    matches: list[NoticeMatch] = field(default_factory=list)
    enqueued: int = 0
    sent: SendReport | None = None
    taken_over: Holder | None = None  # an interrupted run whose lock (and sends) were resumed
    seconds: dict[str, float] = field(default_factory=dict)  # wall clock of each step


class _Clock:
    def __init__(self, report: RunReport) -> None:
        self.report, self.last = report, time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.report.seconds[step] = now - self.last
        self.last = now


def run_watch(
    settings: Settings,
    engine: Engine,
    *,
    since: date | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
    smtp: SmtpConfig | None = None,
    locator: Locator | None = None,
    notices: Sequence[Notice] | None = None,
    policy: RetryPolicy | None = None,
) -> RunReport:
    """Match, queue and (unless ``dry_run`` or without ``smtp``) send.

    ``notices``: the calls to match (default: the open calls of the notice store, published
    since ``since``). ``RunReport.seconds`` times each step: notices, profiles, index, match,
    enqueue, send. Holds the run lock (:mod:`ancrage.watch.lock`) from the start unless
    ``dry_run``: :class:`~ancrage.watch.errors.WatchBusyError` when another run is under way."""
    guard: AbstractContextManager[RunLock | None] = (
        nullcontext(None) if dry_run else run_lock(engine)  # one run at a time, from the start
    )
    with guard as lock:
        moment = now or datetime.now(UTC)
        started = utcnow()
        report = RunReport()
        clock = _Clock(report)
        if notices is None:
            notices = open_notices(settings, since)
        clock.lap("notices")
        profiles = list_profiles(engine, active_only=True)
        clock.lap("profiles")
        located = locator or Locator.for_settings(settings)
        index = ProfileIndex(profiles, located)
        del profiles
        report.notices, report.profiles = len(notices), len(index)
        clock.lap("index")
        report.matches = index.match(notices, moment)
        clock.lap("match")
        if lock is None:
            return report
        report.taken_over = lock.taken_over
        with engine.begin() as con:
            run_id = con.execute(
                insert(runs).values(
                    started_at=started,
                    since=since.isoformat() if since else None,
                    notices=len(notices),
                    enqueued=0,
                    sent=0,
                    dry_run=False,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        report.enqueued = enqueue(engine, report.matches, {n.id: n for n in notices}, moment)
        clock.lap("enqueue")
        if smtp is not None:
            report.sent = send_due(
                engine, smtp, moment, locator=located, lock=lock, policy=policy
            )
            clock.lap("send")
        with engine.begin() as con:
            con.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=utcnow(),
                    enqueued=report.enqueued,
                    sent=report.sent.alerts if report.sent else 0,
                )
            )
        return report

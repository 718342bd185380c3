"""The worker: the scheduled jobs of a server (``ancrage worker``, or inside ``ancrage serve
--worker``): once a day the data update — the same :func:`ancrage.fetch.update.run_update` as
``ancrage update``: fetch, load, enrich, notices, then the watch (matches → alerts → e-mails)
— followed by the observatory's reports computed again for the new warehouse generation;
account e-mails every minute. A job that finds what it needs held by another process (an
``ancrage update`` run by cron, a load by hand: :class:`~ancrage.errors.BusyError`) is tried
again in a few minutes, the wait doubled each time it is still busy, rather than at its next
turn."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ancrage.errors import BusyError
from ancrage.web.config import WebConfig
from ancrage.web.logs import log

if TYPE_CHECKING:
    from ancrage.fetch.update import UpdateReport
    from ancrage.geo.territory import Territory

MAIL_EVERY_S = 60
UPDATE_EVERY_S = 24 * 3600
BUSY_RETRY_S = 5 * 60  # a busy job is tried again after 5 minutes, then 10, 20… at most
BUSY_RETRY_MAX_S = 3600  # an hour apart (never later than its own interval)


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], object]
    last: float = field(default=float("-inf"))  # never run: due at the first tick
    busy_wait_s: float | None = None  # set while it finds what it needs busy: the next try

    def due(self, now: float) -> bool:
        wait = self.every_s if self.busy_wait_s is None else self.busy_wait_s
        return now - self.last >= wait

    def postpone(self) -> float:
        """The wait before the next try of a job that found what it needs busy."""
        doubled = BUSY_RETRY_S if self.busy_wait_s is None else 2 * self.busy_wait_s
        self.busy_wait_s = min(doubled, BUSY_RETRY_MAX_S, self.every_s)
        return self.busy_wait_s


@dataclass(frozen=True)
class UpdatePlan:
    """What the daily update fetches: ``ancrage update``'s options."""

    territory: Territory | None = None
    use_api: bool = True
    send_mail: bool = True


def update_summary(report: UpdateReport) -> dict[str, Any]:
    return {
        "steps": report.steps,
        "decp_loaded": report.decp_loaded,
        "notices_loaded": report.notices_loaded,
        "alerts_queued": report.alerts_queued,
        "alerts_sent": report.alerts_sent,
        "errors": [e.one_line() for e in report.errors],
    }


def daily_update(config: WebConfig, plan: UpdatePlan) -> dict[str, Any]:
    """One update of the data home, then the observatory's reports asked for before it
    computed again for the new warehouse (so that the first visitor does not wait)."""
    from ancrage.fetch.update import run_update
    from ancrage.web.observatory import ReportCache
    from ancrage.web.reportstore import warm

    report = run_update(
        config.settings,
        territory=plan.territory,
        use_api=plan.use_api,
        send_mail=plan.send_mail,
        database_url=config.database_url,
    )
    summary = update_summary(report)
    busy = next((e for e in report.errors if isinstance(e, BusyError)), None)
    if busy is not None:  # a step found the warehouse (…) held: the next try finishes the work
        log("update incomplete", logging.WARNING, result=summary)
        raise busy
    cache = ReportCache(config.settings, size=1)
    summary["reports_computed"] = warm(config.settings, cache.get)
    return summary


def jobs(config: WebConfig, plan: UpdatePlan | None = None) -> list[Job]:
    from ancrage.watch.mail import SmtpConfig
    from ancrage.watch.retry import RetryPolicy
    from ancrage.web.db import open_app_db
    from ancrage.web.mail import send_pending

    def mails() -> int:
        policy = RetryPolicy.from_env()  # as the watch's alerts
        return send_pending(open_app_db(config), SmtpConfig.from_env(), policy=policy)

    return [
        Job("e-mails de compte", MAIL_EVERY_S, mails),
        Job("mise à jour", UPDATE_EVERY_S, lambda: daily_update(config, plan or UpdatePlan())),
    ]


def run_due(todo: list[Job], now: float) -> None:
    """Run each job whose time has come; a failing job is logged and tried at its next turn, a
    job that found what it needs busy is tried again soon (:meth:`Job.postpone`), with a
    French line saying why and when."""
    for job in todo:
        if not job.due(now):
            continue
        job.last = now
        try:
            result = job.run()
        except BusyError as exc:
            wait = job.postpone()
            log(
                "job postponed",
                logging.WARNING,
                job=job.name,
                retry_in_s=wait,
                reason=f"{exc.message} : nouvel essai de « {job.name} » dans {wait / 60:g} min",
            )
            continue
        except Exception as exc:
            job.busy_wait_s = None
            log("job failed", logging.ERROR, job=job.name, error=f"{type(exc).__name__}: {exc}")
            continue
        job.busy_wait_s = None
        log("job done", job=job.name, result=result)


def run_forever(
    config: WebConfig,
    stop: threading.Event,
    tick_s: float = 5.0,
    plan: UpdatePlan | None = None,
) -> None:
    todo = jobs(config, plan)
    while not stop.is_set():
        run_due(todo, time.monotonic())
        stop.wait(tick_s)

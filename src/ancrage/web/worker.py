"""The worker: the scheduled jobs of a server (``ancrage worker``, or inside ``ancrage serve
--worker``): once a day the data update — the same :func:`ancrage.fetch.update.run_update` as
``ancrage update``: fetch, load, enrich, notices, then the watch (matches → alerts → e-mails)
— followed by the observatory's reports computed again for the new warehouse generation;
account e-mails every minute."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ancrage.web.config import WebConfig
from ancrage.web.logs import log

if TYPE_CHECKING:
    from ancrage.fetch.update import UpdateReport
    from ancrage.geo.territory import Territory

MAIL_EVERY_S = 60
UPDATE_EVERY_S = 24 * 3600


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], object]
    last: float = field(default=float("-inf"))  # never run: due at the first tick


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
    cache = ReportCache(config.settings, size=1)
    summary = update_summary(report)
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
    """Run each job whose time has come; a failing job is logged and tried at its next turn."""
    for job in todo:
        if now - job.last < job.every_s:
            continue
        job.last = now
        try:
            result = job.run()
        except Exception as exc:
            log("job failed", logging.ERROR, job=job.name, error=f"{type(exc).__name__}: {exc}")
            continue
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

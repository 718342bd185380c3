"""The worker: the scheduled jobs of a server (``ancrage worker``, or inside ``ancrage serve
--worker``): the watch run (matches → outbox → e-mails) once a day, account e-mails every
minute. The daily data update joins here when ``ancrage update`` exists (one function)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ancrage.web.config import WebConfig
from ancrage.web.logs import log

MAIL_EVERY_S = 60
WATCH_EVERY_S = 24 * 3600


@dataclass
class Job:
    name: str
    every_s: float
    run: Callable[[], object]
    last: float = field(default=0.0)


def jobs(config: WebConfig) -> list[Job]:
    from ancrage.watch.mail import SmtpConfig
    from ancrage.watch.runner import run_watch
    from ancrage.web.db import open_app_db
    from ancrage.web.mail import send_pending

    def mails() -> int:
        return send_pending(open_app_db(config), SmtpConfig.from_env())

    def watch() -> object:
        report = run_watch(
            config.settings,
            open_app_db(config),
            now=datetime.now(UTC),
            smtp=SmtpConfig.from_env(),
        )
        return {"notices": report.notices, "profiles": report.profiles, "enqueued": report.enqueued}

    return [Job("e-mails de compte", MAIL_EVERY_S, mails), Job("veille", WATCH_EVERY_S, watch)]


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


def run_forever(config: WebConfig, stop: threading.Event, tick_s: float = 5.0) -> None:
    todo = jobs(config)
    while not stop.is_set():
        run_due(todo, time.monotonic())
        stop.wait(tick_s)

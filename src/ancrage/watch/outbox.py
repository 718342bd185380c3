"""The outbox: every alert is a row before it is a message, so nothing is lost nor sent twice.

Idempotency key: (profile, notice, version) — ``version`` changes when the deadline or the
status of the notice changes (:func:`ancrage.watch.matching.notice_version`), so a corrigendum
that moves the deadline gives one *update* alert, and re-running on the same notices gives none.

States: ``pending`` → ``sending`` → ``sent``; ``pending`` again (attempts + 1, ``next_try``
later) when the SMTP server cannot be reached or refuses before accepting; ``failed`` after
:data:`MAX_ATTEMPTS`; ``skipped`` when the profile has no e-mail (the alert still feeds Atom and
iCalendar); ``superseded`` when a newer version was queued before this one was sent.

Exactly-once strategy. Before talking to the server, the rows of a message are marked
``sending`` with the Message-ID the message will carry, in a committed transaction. After the
server accepted the message, the rows are marked ``sent``. A crash between the two leaves rows in
``sending``: the next run *reconciles* them by sending the very same message again, same
Message-ID, same content. So no alert is ever lost; a duplicate can only happen in that one
window, and then it is the same message (same Message-ID), which mail stores and clients collapse
into one. SMTP offers no way to ask a server whether it accepted a message, so this is the
strongest guarantee SMTP allows; see docs/watch.md.
"""

from __future__ import annotations

import smtplib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from ancrage.notices.model import Notice
from ancrage.notices.store import utc_text
from ancrage.watch.db import outbox, utcnow
from ancrage.watch.mail import SmtpConfig, build_message, new_message_id
from ancrage.watch.matching import NoticeMatch, notice_version
from ancrage.watch.model import Profile
from ancrage.watch.profiles import list_profiles

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=5)  # doubled at each failed attempt
AfterAccept = Callable[[EmailMessage], None]
Sender = Callable[[SmtpConfig, EmailMessage], None]


def naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def payload_of(match: NoticeMatch, notice: Notice) -> dict[str, Any]:
    return {
        "notice_id": notice.id,
        "title": notice.title or match.title,
        "buyer": notice.buyer.name,
        "url": notice.url,
        "deadline": notice.deadline.isoformat()
        if notice.deadline
        else (match.deadline.isoformat() if match.deadline else None),
        "deadline_utc": utc_text(notice.deadline or match.deadline),
        "explanation": match.explanation,
        "lots": [m.lot_number for m in match.lots if m.lot_number],
        "score": match.score,
    }


def enqueue(
    engine: Engine, matches: Iterable[NoticeMatch], notices: dict[str, Notice], now: datetime
) -> int:
    """Queue one alert per (profile, notice, version) not queued yet; returns how many."""
    added = 0
    emails = {p.id: p.email for p in list_profiles(engine)}
    for match in matches:
        notice = notices[match.notice_id]
        version = notice_version(notice)
        with engine.begin() as con:
            rows = con.execute(
                select(outbox.c.id, outbox.c.version, outbox.c.state, outbox.c.payload).where(
                    and_(outbox.c.profile_id == match.profile_id, outbox.c.notice_id == notice.id)
                )
            ).all()
            if any(r.version == version for r in rows):
                continue
            earlier = [r for r in rows if r.state not in ("superseded",)]
            payload = payload_of(match, notice)
            if earlier:
                last = max(earlier, key=lambda r: r.id)
                old = last.payload.get("deadline")
                if old != payload["deadline"]:
                    payload["old_deadline"] = old
            con.execute(
                update(outbox)
                .where(
                    and_(
                        outbox.c.profile_id == match.profile_id,
                        outbox.c.notice_id == notice.id,
                        outbox.c.state == "pending",
                    )
                )
                .values(state="superseded")
            )
            sent_before = any(r.state in ("sent", "sending") for r in rows)
            try:
                con.execute(
                    insert(outbox).values(
                        profile_id=match.profile_id,
                        notice_id=notice.id,
                        version=version,
                        kind="update" if sent_before else "new",
                        state="pending" if emails.get(match.profile_id) else "skipped",
                        attempts=0,
                        next_try=naive_utc(now),
                        score=match.score,
                        payload=payload,
                        created_at=utcnow(),
                    )
                )
            except IntegrityError:  # queued meanwhile by another run: same key, nothing to do
                continue
        added += 1
    return added


@dataclass
class SendReport:
    messages: int = 0
    alerts: int = 0
    resent: int = 0  # messages of a crashed run sent again (same Message-ID)
    failed: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "alerts": self.alerts,
            "resent": self.resent,
            "failed": self.failed,
        }


def smtp_send(config: SmtpConfig, message: EmailMessage) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username and config.password:
            smtp.login(config.username, config.password)
        smtp.send_message(message)


def _claim(engine: Engine, now: datetime, config: SmtpConfig) -> list[tuple[int, str, bool]]:
    """Groups to send: (profile id, Message-ID, resend). Crashed ``sending`` groups first."""
    groups: list[tuple[int, str, bool]] = []
    profiles = {p.id: p for p in list_profiles(engine)}
    with engine.begin() as con:
        stale = con.execute(
            select(outbox.c.profile_id, outbox.c.message_id)
            .where(outbox.c.state == "sending")
            .distinct()
        ).all()
        groups += [(r.profile_id, r.message_id, True) for r in stale]
        due = con.execute(
            select(outbox.c.id, outbox.c.profile_id)
            .where(and_(outbox.c.state == "pending", outbox.c.next_try <= now))
            .order_by(outbox.c.id)
        ).all()
        by_profile: dict[int, list[int]] = defaultdict(list)
        for r in due:
            by_profile[r.profile_id].append(r.id)
        for profile_id, ids in by_profile.items():
            profile = profiles.get(profile_id)
            if profile is None or not profile.email or not profile.active:
                con.execute(update(outbox).where(outbox.c.id.in_(ids)).values(state="skipped"))
                continue
            batches = [ids] if profile.frequency == "daily" else [[i] for i in ids]
            for batch in batches:
                message_id = new_message_id(config, profile_id)
                con.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(batch))
                    .values(state="sending", message_id=message_id)
                )
                groups.append((profile_id, message_id, False))
    return groups


def send_due(
    engine: Engine,
    config: SmtpConfig,
    now: datetime | None = None,
    *,
    sender: Sender = smtp_send,
    after_accept: AfterAccept | None = None,
) -> SendReport:
    """Reconcile crashed sends, then send every due alert (digest or one by one per profile).

    ``after_accept`` is called after the server accepted a message and before it is recorded
    (tests use it to simulate a crash there)."""
    moment = naive_utc(now) if now else utcnow()
    report = SendReport()
    profiles = {p.id: p for p in list_profiles(engine)}
    for profile_id, message_id, resend in _claim(engine, moment, config):
        profile = profiles[profile_id]
        with engine.connect() as con:
            rows = con.execute(
                select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts)
                .where(outbox.c.message_id == message_id)
                .order_by(outbox.c.id)
            ).all()
        ids = [r.id for r in rows]
        message = build_message(
            config, profile, [(r.kind, r.payload) for r in rows], message_id, moment
        )
        try:
            sender(config, message)
        except (smtplib.SMTPException, OSError) as exc:
            _failed(engine, rows, moment, f"{type(exc).__name__}: {exc}", report, resend)
            continue
        if after_accept is not None:
            after_accept(message)
        with engine.begin() as con:
            con.execute(
                update(outbox)
                .where(outbox.c.id.in_(ids))
                .values(state="sent", sent_at=moment, attempts=outbox.c.attempts + 1)
            )
        report.messages += 1
        report.alerts += len(ids)
        report.resent += int(resend)
    return report


def _failed(
    engine: Engine,
    rows: Iterable[Any],
    now: datetime,
    error: str,
    report: SendReport,
    resend: bool,
) -> None:
    """Back to ``pending`` (a later try, new Message-ID), or kept in ``sending`` when the
    message may already have been accepted by an earlier try (same Message-ID kept)."""
    with engine.begin() as con:
        for r in rows:
            attempts = r.attempts + 1
            retry = "sending" if resend else "pending"
            state = "failed" if attempts >= MAX_ATTEMPTS else retry
            con.execute(
                update(outbox)
                .where(outbox.c.id == r.id)
                .values(
                    state=state,
                    attempts=attempts,
                    last_error=error[:500],
                    message_id=None if state == "pending" else outbox.c.message_id,
                    next_try=now + BACKOFF * (2 ** (attempts - 1)),
                )
            )
            if state == "failed":
                report.failed.append(r.payload["notice_id"])


def alerts_of(engine: Engine, profile: Profile) -> list[dict[str, Any]]:
    """The latest alert of each notice for a profile (for feeds), newest first."""
    with engine.connect() as con:
        rows = con.execute(
            select(outbox)
            .where(and_(outbox.c.profile_id == profile.id, outbox.c.state != "superseded"))
            .order_by(outbox.c.id)
        ).all()
    latest: dict[str, Any] = {}
    for r in rows:
        latest[r.notice_id] = r
    return [
        {
            **r.payload,
            "kind": r.kind,
            "version": r.version,
            "state": r.state,
            "created_at": r.created_at,
        }
        for r in sorted(latest.values(), key=lambda r: r.id, reverse=True)
    ]

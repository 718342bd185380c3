"""Account e-mails (confirmation links): queued in the application database, sent by the
worker through the watch's SMTP sender and settings (``ANCRAGE_SMTP_*``), retried as the
watch's alerts are (:class:`~ancrage.watch.retry.RetryPolicy`: back-off from
``ANCRAGE_WATCH_RETRY_MINUTES``, abandoned with the reason once the first failure is older than
``ANCRAGE_WATCH_MAX_AGE_HOURS``), never lost while the server is down."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine, and_, insert, select, update

from ancrage.watch.db import utcnow
from ancrage.watch.mail import SmtpConfig
from ancrage.watch.retry import PER_MESSAGE, RetryPolicy, reason
from ancrage.web.db import outbox


def queue_mail(engine: Engine, recipient: str, subject: str, body: str) -> int:
    now = utcnow()
    with engine.begin() as con:
        result = con.execute(
            insert(outbox).values(
                recipient=recipient,
                subject=subject,
                body=body,
                state="pending",
                attempts=0,
                next_try=now,
                created_at=now,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def _message(config: SmtpConfig, row: object, message_id: str, when: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = row.recipient  # type: ignore[attr-defined]
    msg["Subject"] = row.subject  # type: ignore[attr-defined]
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(when.replace(tzinfo=None), usegmt=False)
    msg.set_content(row.body)  # type: ignore[attr-defined]
    return msg


def send_pending(
    engine: Engine,
    config: SmtpConfig,
    *,
    now: datetime | None = None,
    policy: RetryPolicy | None = None,
) -> int:
    """Send the due account e-mails; returns how many went out. A failure is retried later
    with the same Message-ID (a client collapses a duplicate), after ``policy``'s back-off
    (default: :meth:`RetryPolicy.from_env`), and abandoned with its reason (in French) once
    the first failure is older than its age limit. When the server is out of reach, the other
    e-mails are not tried: they wait for the next turn, their attempts unchanged."""
    from ancrage.watch.outbox import naive_utc, smtp_send

    rules = policy or RetryPolicy.from_env()
    moment = naive_utc(now) if now else utcnow()
    with engine.connect() as con:
        rows = con.execute(
            select(outbox)
            .where(and_(outbox.c.state == "pending", outbox.c.next_try <= moment))
            .order_by(outbox.c.id)
        ).all()
    sent = 0
    domain = config.sender.rpartition("@")[2] or "ancrage.invalid"
    for row in rows:
        message_id = row.message_id or make_msgid(idstring=f"compte-{row.id}", domain=domain)
        try:
            smtp_send(config, _message(config, row, message_id, moment))
        except (smtplib.SMTPException, OSError) as exc:
            attempts = row.attempts + 1
            first = row.first_try_at or moment
            with engine.begin() as con:
                con.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        attempts=attempts,
                        message_id=message_id,
                        first_try_at=first,
                        last_error=reason(exc)[:500],
                        state="abandoned" if moment - first >= rules.max_age else "pending",
                        next_try=moment + rules.delay(attempts),
                    )
                )
            if not isinstance(exc, PER_MESSAGE):  # the server is out of reach: stop here
                break
            continue
        with engine.begin() as con:
            con.execute(
                update(outbox)
                .where(outbox.c.id == row.id)
                .values(
                    state="sent",
                    attempts=row.attempts + 1,
                    message_id=message_id,
                    sent_at=moment,
                )
            )
        sent += 1
    return sent

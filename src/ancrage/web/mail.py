"""Account e-mails (confirmation links): queued in the application database, sent by the
worker through the watch's SMTP sender and settings (``ANCRAGE_SMTP_*``), retried with
back-off, never lost when the server is down."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Engine, and_, insert, select, update

from ancrage.watch.db import utcnow
from ancrage.watch.mail import SmtpConfig
from ancrage.web.db import outbox

MAX_ATTEMPTS = 8  # back-off 1, 2, 4 … 64 minutes, then failed for good (about 2 hours)


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


def send_pending(engine: Engine, config: SmtpConfig, *, now: datetime | None = None) -> int:
    """Send the due account e-mails; returns how many went out. A failure is retried later
    with the same Message-ID (a client collapses a duplicate)."""
    from ancrage.watch.outbox import smtp_send

    moment = now or utcnow()
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
        except OSError as exc:  # smtplib errors are OSError subclasses
            attempts = row.attempts + 1
            with engine.begin() as con:
                con.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(
                        attempts=attempts,
                        message_id=message_id,
                        last_error=f"{type(exc).__name__}: {exc}"[:500],
                        state="failed" if attempts >= MAX_ATTEMPTS else "pending",
                        next_try=moment + timedelta(minutes=2 ** (attempts - 1)),
                    )
                )
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

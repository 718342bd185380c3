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

import json
import smtplib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, and_, bindparam, select, update

from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice
from ancrage.notices.store import dump_notice
from ancrage.watch.db import notice_versions, outbox, profiles, utcnow
from ancrage.watch.mail import SmtpConfig, build_message, new_message_id
from ancrage.watch.matching import NoticeMatch, no_cycle_collection, notice_version
from ancrage.watch.model import Profile
from ancrage.watch.profiles import list_profiles
from ancrage.watch.render import Renderer, has_passed, is_rendered

MAX_ATTEMPTS = 5
BACKOFF = timedelta(minutes=5)  # doubled at each failed attempt
AfterAccept = Callable[[EmailMessage], None]
Sender = Callable[[SmtpConfig, EmailMessage], None]


def naive_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


CHUNK_NOTICES = 500  # notices whose alerts are looked up, then written, together
SQLITE_CACHE_KIB = 256 * 1024  # page cache of the connection that queues


def _deadline_of(notice: Notice) -> str | None:
    """The deadline an update compares: the call's, else its earliest lot's."""
    lots = [lot.deadline for lot in notice.lots if lot.deadline is not None]
    deadline = notice.deadline or (min(lots) if lots else None)
    return deadline.isoformat() if deadline else None


class _Bulk:
    """Set-based writes on one connection, skipping keys already there
    (``ON CONFLICT DO NOTHING``: SQLite and PostgreSQL)."""

    def __init__(self, con: Connection) -> None:
        self.con = con
        self.sqlite = con.dialect.name == "sqlite"

    def insert(self, table: Table, columns: Sequence[str], key: str, rows: list[Any]) -> int:
        """A few rows, with the driver's executemany."""
        if not rows:
            return 0
        mark = "?" if self.sqlite else "%s"
        sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join([mark] * len(columns))}) ON CONFLICT ({key}) DO NOTHING"
        )
        return max(int(self.con.exec_driver_sql(sql, rows).rowcount), 0)

    def time(self, value: datetime) -> Any:
        """A naive UTC time as the driver takes it (SQLite: SQLAlchemy's text form)."""
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else value

    def alerts(self, rows: list[tuple[Any, ...]], moment: Any, created: Any) -> int:
        """New alert rows (profile, notice, version, kind, state, score, payload JSON text) in
        one set-based statement: SQLite reads them from one JSON array (``json_each``),
        PostgreSQL from one array per column (``unnest``); no per-row work in Python."""
        if not rows:
            return 0
        names = "profile_id, notice_id, version, kind, state, score, payload, attempts, " + (
            "next_try, created_at, matched_at"
        )
        conflict = "ON CONFLICT (profile_id, notice_id, version) DO NOTHING"
        if self.sqlite:
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(7))
            sql = (
                f"INSERT INTO {outbox.name} ({names}) SELECT {picks}, 0, ?, ?, ? "
                f"FROM json_each(?) WHERE true {conflict}"
            )
            params: tuple[Any, ...] = (moment, created, moment, orjson.dumps(rows).decode())
        else:
            sql = (
                f"INSERT INTO {outbox.name} ({names}) SELECT p, n, v, k, s, sc, pl::json, 0, "
                "%s, %s, %s FROM unnest(%s::integer[], %s::text[], %s::text[], %s::text[], "
                f"%s::text[], %s::float8[], %s::text[]) AS t(p, n, v, k, s, sc, pl) {conflict}"
            )
            params = (moment, created, moment, *map(list, zip(*rows, strict=True)))
        result = self.con.exec_driver_sql(sql, params)
        return max(int(result.rowcount), 0)


def enqueue(
    engine: Engine, matches: Iterable[NoticeMatch], notices: dict[str, Notice], now: datetime
) -> int:
    """Queue one alert per (profile, notice, version) not queued yet; returns how many.

    Set-based: the alerts already queued for a chunk of notices are read in one query, the new
    rows (facts only: the explanation is built at send time, :mod:`ancrage.watch.render`)
    written with one ``INSERT … SELECT`` and each notice version's snapshot once, in one
    transaction per chunk (a crash leaves whole chunks; the next run queues the rest). A match
    whose (profile, notice) was queued with another version gives an ``update`` when the earlier
    one was sent (or is being sent), and supersedes it while it is still pending."""
    by_notice: dict[str, tuple[array[int], array[float]]] = {}  # profiles and scores
    with no_cycle_collection():  # each match is read once: its objects are cold in memory
        for match in matches:
            profile_id = match.profile_id
            if profile_id is None:
                raise ValueError(f"match of a profile not stored: {match.profile_name}")
            found = by_notice.get(match.notice_id)
            if found is None:
                found = by_notice[match.notice_id] = (array("q"), array("d"))
            found[0].append(profile_id)
            found[1].append(match.score)
    with engine.connect() as con:
        emails = set(
            con.execute(
                select(profiles.c.id).where(
                    and_(profiles.c.email.is_not(None), profiles.c.email != "")
                )
            ).scalars()
        )
    ids = list(by_notice)
    added = 0
    with no_cycle_collection():
        for start in range(0, len(ids), CHUNK_NOTICES):
            chunk = ids[start : start + CHUNK_NOTICES]
            with engine.begin() as con:
                if con.dialect.name == "sqlite":  # index pages of the outbox stay in memory
                    con.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                added += _enqueue_chunk(con, chunk, by_notice, notices, emails, now)
    return added


def _enqueue_chunk(
    con: Connection,
    chunk: list[str],
    by_notice: dict[str, tuple[array[int], array[float]]],
    notices: dict[str, Notice],
    emails: set[int],
    now: datetime,
) -> int:
    versions = {nid: notice_version(notices[nid]) for nid in chunk}
    have: dict[str, set[int]] = {nid: set() for nid in chunk}  # profiles with the version
    earlier: dict[tuple[str, int], list[tuple[int, str, str]]] = {}
    others: set[str] = set()  # notices queued with another version too
    rows = con.execute(  # from the index (notice, version, profile) alone
        select(outbox.c.notice_id, outbox.c.version, outbox.c.profile_id).where(
            outbox.c.notice_id.in_(chunk)
        )
    ).all()
    for notice_id, version, profile_id in rows:
        if version == versions[notice_id]:
            have[notice_id].add(profile_id)
        else:
            others.add(notice_id)
    del rows
    if others:
        queued = con.execute(
            select(outbox.c.notice_id, outbox.c.profile_id, outbox.c.version, outbox.c.state,
                   outbox.c.id).where(and_(outbox.c.notice_id.in_(sorted(others)),
                                           outbox.c.state != "superseded"))
        ).all()
        for notice_id, profile_id, version, state, row_id in queued:
            if version != versions[notice_id]:
                earlier.setdefault((notice_id, profile_id), []).append((row_id, version, state))
    deadlines: dict[tuple[str, str], str | None] = {}
    if earlier:  # deadlines of the versions queued before (old deadline of an update)
        changed = sorted({notice_id for notice_id, _ in earlier})
        deadlines = {
            (r.notice_id, r.version): r.deadline
            for r in con.execute(
                select(notice_versions.c.notice_id, notice_versions.c.version,
                       notice_versions.c.deadline).where(notice_versions.c.notice_id.in_(changed))
            )
        }
    bulk = _Bulk(con)
    moment = bulk.time(naive_utc(now))
    created = bulk.time(utcnow())
    new: list[tuple[Any, ...]] = []
    fresh: list[tuple[Any, ...]] = []
    pending: list[int] = []
    for notice_id in chunk:
        version = versions[notice_id]
        notice = notices[notice_id]
        deadline = _deadline_of(notice)
        count = len(new)
        seen = have[notice_id]
        for profile_id, score in zip(*by_notice[notice_id], strict=True):
            if profile_id in seen:
                continue
            seen.add(profile_id)
            state = "pending" if profile_id in emails else "skipped"
            before = earlier.get((notice_id, profile_id))
            kind, payload = "new", "{}"
            if before:
                kind, payload = _update(con, notice_id, before, deadline, deadlines)
                pending += [row_id for row_id, _, s in before if s == "pending"]
            new.append((profile_id, notice_id, version, kind, state, score, payload))
        if len(new) > count:
            fresh.append((notice_id, version, deadline, dump_notice(notice), created))
    if pending:
        con.execute(update(outbox).where(outbox.c.id.in_(pending)).values(state="superseded"))
    new.sort()  # by profile: the unique index (profile, notice, version) is filled in order
    bulk.insert(notice_versions, SNAPSHOT_COLUMNS, "notice_id, version", fresh)
    return bulk.alerts(new, moment, created)


SNAPSHOT_COLUMNS = ("notice_id", "version", "deadline", "doc", "created_at")


def _update(
    con: Connection,
    notice_id: str,
    before: list[tuple[int, str, str]],
    deadline: str | None,
    deadlines: dict[tuple[str, str], str | None],
) -> tuple[str, str]:
    """Kind and stored payload of an alert for a new version of a notice already queued."""
    kind = "update" if any(s in ("sent", "sending") for _, _, s in before) else "new"
    last_id, last_version, _ = max(before)
    if (notice_id, last_version) in deadlines:
        previous = deadlines[(notice_id, last_version)]
    else:  # queued before snapshots existed (revision 0001): the payload has it
        stored = con.execute(select(outbox.c.payload).where(outbox.c.id == last_id)).scalar_one()
        previous = stored.get("deadline")
    payload = {"old_deadline": previous} if previous != deadline else {}
    return kind, json.dumps(payload)


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
    locator: Locator | None = None,
) -> SendReport:
    """Reconcile crashed sends, then send every due alert (digest or one by one per profile).

    Alerts not rendered yet get their payload (explanation…) from :class:`Renderer`, stored
    before the message is sent, so a message sent again is the same. ``after_accept`` is called
    after the server accepted a message and before it is recorded (tests use it to simulate a
    crash there)."""
    moment = naive_utc(now) if now else utcnow()
    report = SendReport()
    profiles = {p.id: p for p in list_profiles(engine)}
    renderer = Renderer(engine, locator)
    for profile_id, message_id, resend in _claim(engine, moment, config):
        profile = profiles[profile_id]
        with engine.connect() as con:
            rows = con.execute(
                select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts,
                       outbox.c.notice_id, outbox.c.version, outbox.c.score, outbox.c.matched_at)
                .where(outbox.c.message_id == message_id)
                .order_by(outbox.c.id)
            ).all()
        payloads = renderer.payloads(profile, rows, moment)
        rendered = [
            {"row_id": r.id, "rendered": p}
            for r, p in zip(rows, payloads, strict=True)
            if not is_rendered(r.payload)
        ]
        if rendered:
            with engine.begin() as con:
                con.execute(
                    update(outbox)
                    .where(outbox.c.id == bindparam("row_id"))
                    .values(payload=bindparam("rendered")),
                    rendered,
                )
        rows, payloads = _drop_expired(engine, rows, payloads, moment)
        if not rows:
            continue
        ids = [r.id for r in rows]
        message = build_message(
            config, profile, [(r.kind, p) for r, p in zip(rows, payloads, strict=True)],
            message_id, moment,
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


def _drop_expired(
    engine: Engine, rows: Sequence[Any], payloads: list[dict[str, Any]], now: datetime
) -> tuple[list[Any], list[dict[str, Any]]]:
    """The alerts still worth sending at ``now``; those whose deadline has passed are marked
    ``expired`` and left out of the message."""
    kept = [(r, p) for r, p in zip(rows, payloads, strict=True) if not has_passed(p, now)]
    if len(kept) < len(rows):
        gone = {r.id for r in rows} - {r.id for r, _ in kept}
        with engine.begin() as con:
            con.execute(update(outbox).where(outbox.c.id.in_(gone)).values(state="expired"))
    return [r for r, _ in kept], [p for _, p in kept]


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
                report.failed.append(r.notice_id)


def alerts_of(
    engine: Engine, profile: Profile, locator: Locator | None = None
) -> list[dict[str, Any]]:
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
    chosen = sorted(latest.values(), key=lambda r: r.id, reverse=True)
    payloads = Renderer(engine, locator).payloads(profile, chosen)
    return [
        {
            **payload,
            "kind": r.kind,
            "version": r.version,
            "state": r.state,
            "created_at": r.created_at,
        }
        for r, payload in zip(chosen, payloads, strict=True)
    ]

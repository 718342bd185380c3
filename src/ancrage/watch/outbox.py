"""The outbox: every alert is a row before it is a message, so nothing is lost nor sent twice.

Idempotency key: (profile, notice, version) — ``version`` changes when the deadline or the
status of the notice changes (:func:`ancrage.watch.matching.notice_version`), so a corrigendum
that moves the deadline gives one *update* alert, and re-running on the same notices gives none.

States: ``pending`` → ``sending`` → ``sent``; ``pending`` again (attempts + 1, ``next_try``
later, the same Message-ID) when the SMTP server cannot be reached or refuses the message;
``abandoned`` when it still fails after the age limit (:mod:`ancrage.watch.retry`, the reason in
``last_error``); ``skipped`` when the profile has no e-mail (the alert still feeds Atom and
iCalendar); ``superseded`` when a newer version was queued before this one was sent.

One sender at a time: sending holds the run lock (:mod:`ancrage.watch.lock`), so rows left
``sending`` are only taken back once the run that claimed them is gone.

Exactly-once strategy. Before talking to the server, the rows of a message are marked
``sending`` with the Message-ID the message will carry, in a committed transaction. After the
server accepted the message, the rows are marked ``sent``. A crash between the two leaves rows in
``sending``: the next run *reconciles* them by sending the very same message again, same
Message-ID, same content; a failed try keeps its Message-ID too (the server may have accepted
the message before the connection broke). So no alert is ever lost; a duplicate can only happen
in those windows, and then it is the same message (same Message-ID), which mail stores and
clients collapse into one. SMTP offers no way to ask a server whether it accepted a message,
so this is the strongest guarantee SMTP allows; see docs/watch.md.
"""

from __future__ import annotations

import json
import smtplib
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, Table, and_, bindparam, func, select, update

from ancrage.fmt import count
from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice
from ancrage.notices.store import dump_notice
from ancrage.watch.db import notice_versions, outbox, profiles, utcnow
from ancrage.watch.errors import AlertsNotSentError
from ancrage.watch.lock import RunLock, run_lock
from ancrage.watch.mail import SmtpConfig, build_message, new_message_id, when
from ancrage.watch.matching import NoticeMatch, no_cycle_collection, notice_version
from ancrage.watch.model import Profile
from ancrage.watch.profiles import list_profiles
from ancrage.watch.render import Renderer, has_passed, is_rendered
from ancrage.watch.retry import PER_MESSAGE, RetryPolicy, reason

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
    resent: int = 0  # messages of an interrupted run sent again (same Message-ID)
    not_sent: int = 0  # alerts whose message failed in this run (tried again later)
    abandoned: list[str] = field(default_factory=list)  # notices given up (age limit)
    errors: list[str] = field(default_factory=list)  # why, in French, each reason once
    stopped: bool = False  # the server could not be reached: the other messages wait
    untried: int = 0  # alerts of those other messages
    waiting: int = 0  # alerts waiting for a new try after a failure, after the run
    next_try: datetime | None = None  # the earliest of those tries (naive UTC)

    @property
    def trouble(self) -> bool:
        """Whether some alert could not be sent (this run or an earlier one)."""
        return bool(self.not_sent or self.abandoned or self.waiting or self.untried)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "next_try": self.next_try.isoformat() if self.next_try else None}


def not_sent_error(report: SendReport, policy: RetryPolicy) -> AlertsNotSentError | None:
    """What a run could not send, as one French line (None when everything went out)."""
    if not report.trouble:
        return None
    parts = []
    if report.not_sent:
        parts.append(f"{count(report.not_sent, 'alerte non envoyée', 'alertes non envoyées')}")
    if report.waiting:
        retry = when(report.next_try.replace(tzinfo=UTC).isoformat()) if report.next_try else None
        parts.append(
            count(report.waiting, "alerte attend", "alertes attendent")
            + " un nouvel essai"
            + (f" (le prochain le {retry})" if retry else "")
        )
    if report.abandoned:
        parts.append(
            count(len(report.abandoned), "alerte abandonnée", "alertes abandonnées")
            + f" après {policy.age_text()} d'échecs"
        )
    if report.untried:
        parts.append(
            count(report.untried, "autre alerte reste", "autres alertes restent")
            + " en file (envoi arrêté)"
        )
    why = " ; ".join(report.errors) or "raison inconnue"
    return AlertsNotSentError(
        f"{' ; '.join(parts)} : {why}",
        hint="Vérifiez le serveur SMTP (ANCRAGE_SMTP_HOST, _PORT…) ; « ancrage watch outbox » "
        "liste les alertes en attente et pourquoi.",
    )


def smtp_send(config: SmtpConfig, message: EmailMessage) -> None:
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        if config.starttls:
            smtp.starttls()
        if config.username and config.password:
            smtp.login(config.username, config.password)
        smtp.send_message(message)


@dataclass(frozen=True)
class _Group:
    """The rows of one message: ``kept`` when its Message-ID was given by an earlier try."""

    profile_id: int
    message_id: str
    resend: bool  # left ``sending`` by a run that is gone: maybe accepted already
    kept: bool


def _sendable(con: Connection, profile: Profile | None, ids: list[int]) -> bool:
    """Whether the profile still gets e-mails; its alerts are ``skipped`` otherwise."""
    if profile is not None and profile.email and profile.active:
        return True
    con.execute(update(outbox).where(outbox.c.id.in_(ids)).values(state="skipped"))
    return False


def _claim(engine: Engine, now: datetime, config: SmtpConfig) -> list[_Group]:
    """Messages to send, marked ``sending`` with their Message-ID in one transaction: those an
    interrupted run left ``sending`` (the caller holds the run lock, so their owner is gone),
    then the retries (their first Message-ID), then the new alerts (digest or one by one)."""
    groups: list[_Group] = []
    profiles = {p.id: p for p in list_profiles(engine)}
    with engine.begin() as con:
        stale = con.execute(
            select(outbox.c.profile_id, outbox.c.message_id)
            .where(outbox.c.state == "sending")
            .distinct()
        ).all()
        groups += [_Group(r.profile_id, r.message_id, True, True) for r in stale]
        due = con.execute(
            select(outbox.c.id, outbox.c.profile_id, outbox.c.message_id)
            .where(and_(outbox.c.state == "pending", outbox.c.next_try <= now))
            .order_by(outbox.c.id)
        ).all()
        retries: dict[tuple[int, str], list[int]] = defaultdict(list)
        by_profile: dict[int, list[int]] = defaultdict(list)
        for r in due:
            if r.message_id is None:
                by_profile[r.profile_id].append(r.id)
            else:
                retries[(r.profile_id, r.message_id)].append(r.id)
        for (profile_id, message_id), ids in retries.items():
            if _sendable(con, profiles.get(profile_id), ids):
                con.execute(update(outbox).where(outbox.c.id.in_(ids)).values(state="sending"))
                groups.append(_Group(profile_id, message_id, False, True))
        for profile_id, ids in by_profile.items():
            profile = profiles.get(profile_id)
            if not _sendable(con, profile, ids):
                continue
            assert profile is not None
            batches = [ids] if profile.frequency == "daily" else [[i] for i in ids]
            for batch in batches:
                message_id = new_message_id(config, profile_id)
                con.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(batch))
                    .values(state="sending", message_id=message_id)
                )
                groups.append(_Group(profile_id, message_id, False, False))
    return groups


def send_due(
    engine: Engine,
    config: SmtpConfig,
    now: datetime | None = None,
    *,
    sender: Sender = smtp_send,
    after_accept: AfterAccept | None = None,
    locator: Locator | None = None,
    policy: RetryPolicy | None = None,
    lock: RunLock | None = None,
) -> SendReport:
    """Resume interrupted sends, then send every due alert (digest or one by one per profile).

    Holds the run lock (``lock``, else taken here: :class:`~ancrage.watch.errors.WatchBusyError`
    when another run sends). Alerts not rendered yet get their payload (explanation…) from
    :class:`Renderer`, stored before the message is sent, so a message sent again is the same.
    A failed message is tried again by a later run, with its Message-ID, until ``policy``'s age
    limit (:mod:`ancrage.watch.retry`). ``after_accept`` is called after the server accepted a
    message and before it is recorded (tests use it to simulate a crash there)."""
    if lock is None:
        with run_lock(engine) as held:
            return send_due(engine, config, now, sender=sender, after_accept=after_accept,
                            locator=locator, policy=policy, lock=held)
    rules = policy or RetryPolicy.from_env()
    moment = naive_utc(now) if now else utcnow()
    report = SendReport()
    profiles = {p.id: p for p in list_profiles(engine)}
    renderer = Renderer(engine, locator)
    groups = _claim(engine, moment, config)
    for position, group in enumerate(groups):
        lock.check()
        profile = profiles[group.profile_id]
        with engine.connect() as con:
            rows = con.execute(
                select(outbox.c.id, outbox.c.kind, outbox.c.payload, outbox.c.attempts,
                       outbox.c.notice_id, outbox.c.version, outbox.c.score, outbox.c.matched_at,
                       outbox.c.first_try_at)
                .where(outbox.c.message_id == group.message_id,
                       outbox.c.profile_id == group.profile_id)
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
            group.message_id, moment,
        )
        try:
            sender(config, message)
        except (smtplib.SMTPException, OSError) as exc:
            _failed(engine, rows, moment, exc, rules, report)
            if not isinstance(exc, PER_MESSAGE):  # the server is out of reach: stop here
                report.untried = _unclaim(engine, groups[position + 1 :])
                report.stopped = True
                break
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
        report.resent += int(group.resend)
    _waiting(engine, report)
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
    rows: Sequence[Any],
    now: datetime,
    exc: BaseException,
    policy: RetryPolicy,
    report: SendReport,
) -> None:
    """Back to ``pending`` with the same Message-ID (the server may have accepted it) and a
    later try; ``abandoned`` when the first failure is older than the policy's age limit."""
    why = reason(exc)
    attempts = max(r.attempts for r in rows) + 1
    first = min((r.first_try_at for r in rows if r.first_try_at is not None), default=now)
    state = "abandoned" if now - first >= policy.max_age else "pending"
    with engine.begin() as con:
        con.execute(
            update(outbox)
            .where(outbox.c.id.in_([r.id for r in rows]))
            .values(
                state=state,
                attempts=attempts,
                first_try_at=first,
                last_error=why[:500],
                next_try=now + policy.delay(attempts),
            )
        )
    if state == "abandoned":
        report.abandoned += [r.notice_id for r in rows]
    else:
        report.not_sent += len(rows)
    if why not in report.errors:
        report.errors.append(why)


def _unclaim(engine: Engine, groups: Sequence[_Group]) -> int:
    """Messages not tried (the server went out of reach): ``pending`` again, a retry keeping
    its Message-ID, a new message losing it (its alerts may join a later digest). Returns how
    many alerts."""
    alerts = 0
    with engine.begin() as con:
        for group in groups:
            alerts += con.execute(
                update(outbox)
                .where(outbox.c.message_id == group.message_id,
                       outbox.c.profile_id == group.profile_id)
                .values(state="pending", message_id=group.message_id if group.kept else None)
            ).rowcount
    return alerts


def _waiting(engine: Engine, report: SendReport) -> None:
    """Alerts waiting for a new try after a failure (this run's or an earlier one's)."""
    with engine.connect() as con:
        count, first = con.execute(
            select(func.count(), func.min(outbox.c.next_try)).where(
                and_(outbox.c.state == "pending", outbox.c.attempts > 0)
            )
        ).one()
        report.waiting, report.next_try = int(count), first
        if count and not report.errors:
            last = con.execute(
                select(outbox.c.last_error)
                .where(and_(outbox.c.state == "pending", outbox.c.attempts > 0))
                .order_by(outbox.c.next_try.desc())
                .limit(1)
            ).scalar_one()
            report.errors.append(last or "raison inconnue")


def alerts_of(
    engine: Engine, profile: Profile, locator: Locator | None = None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The latest alert of each notice for a profile (for feeds), newest first; those not sent
    yet are written as of ``now`` when given (« il reste N jours » of the day the feed is read,
    see :meth:`Renderer.payloads`)."""
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
    payloads = Renderer(engine, locator).payloads(profile, chosen, now)
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

"""What the outbox still holds and why (``ancrage watch outbox``): alerts not sent yet, waiting
for a new try after a failure, being sent, or abandoned with their reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, case, func, select, update

from ancrage.notices.model import display_id
from ancrage.notices.store import load_notice
from ancrage.watch.db import notice_versions, outbox, profiles
from ancrage.watch.mail import when

WAITING_STATES = ("pending", "sending", "abandoned")
STATE_LABELS = {
    "new": "à envoyer",
    "retry": "nouvel essai prévu",
    "sending": "en cours d'envoi",
    "abandoned": "abandonnée",
}


def _paris(moment: datetime | None) -> str | None:
    return when(moment.replace(tzinfo=UTC).isoformat()) if moment is not None else None


@dataclass(frozen=True)
class Waiting:
    """One alert of the outbox not sent (yet)."""

    profile: str
    notice: str  # the id users know (BOAMP avis number, TED publication number)
    title: str | None
    state: str  # new | retry | sending | abandoned (keys of STATE_LABELS)
    attempts: int
    queued_at: datetime  # naive UTC
    next_try: datetime | None
    error: str | None
    message_id: str | None

    @property
    def why(self) -> str:
        """Why it waits, in French."""
        if self.state == "new":
            return "pas encore essayée (à la prochaine exécution qui envoie)"
        if self.state == "sending":
            return "en cours d'envoi, ou exécution interrompue (reprise à la prochaine)"
        if self.state == "retry":
            return f"nouvel essai le {_paris(self.next_try)} : {self.error or 'raison inconnue'}"
        return f"abandonnée : {self.error or 'raison inconnue'}"

    def as_json(self) -> dict[str, Any]:
        times = {"queued_at": self.queued_at, "next_try": self.next_try}
        iso = {k: v.isoformat() if v is not None else None for k, v in times.items()}
        return {**asdict(self), **iso, "why": self.why}


@dataclass(frozen=True)
class Outbox:
    """The waiting alerts (the first ``limit``) and how many there are of each status."""

    items: list[Waiting]
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "alerts": [w.as_json() for w in self.items]}


def retry_now(engine: Engine, now: datetime, *, profile: str | None = None) -> int:
    """Make the alerts that wait for a new try after a failure due at ``now`` (the next run
    that sends tries them); their attempts and first Message-ID are kept, so the back-off and
    the age limit still count from their first failure. Returns how many were waiting."""
    moment = now if now.tzinfo is None else now.astimezone(UTC).replace(tzinfo=None)
    where: list[ColumnElement[bool]] = [
        outbox.c.state == "pending",
        outbox.c.attempts > 0,
        outbox.c.next_try > moment,
    ]
    if profile is not None:
        where.append(
            outbox.c.profile_id.in_(select(profiles.c.id).where(profiles.c.name == profile))
        )
    with engine.begin() as con:
        done = con.execute(update(outbox).where(and_(*where)).values(next_try=moment))
    return int(done.rowcount)


def waiting(engine: Engine, *, profile: str | None = None, limit: int = 100) -> Outbox:
    """Alerts not sent: being sent first, then retries (soonest first), new, abandoned."""
    status = case(
        (outbox.c.state == "sending", "sending"),
        (outbox.c.state == "abandoned", "abandoned"),
        (outbox.c.attempts > 0, "retry"),
        else_="new",
    )
    order = case(
        (outbox.c.state == "sending", 0),
        (outbox.c.state == "abandoned", 3),
        (outbox.c.attempts > 0, 1),
        else_=2,
    )
    where: list[ColumnElement[bool]] = [outbox.c.state.in_(WAITING_STATES)]
    if profile is not None:
        where.append(profiles.c.name == profile)
    base = outbox.join(profiles, profiles.c.id == outbox.c.profile_id)
    with engine.connect() as con:
        counts = {
            key: int(n)
            for key, n in con.execute(
                select(status, func.count()).select_from(base).where(and_(*where)).group_by(status)
            )
        }
        rows = con.execute(
            select(profiles.c.name, outbox.c.notice_id, outbox.c.payload, outbox.c.attempts,
                   outbox.c.created_at, outbox.c.next_try, outbox.c.last_error,
                   outbox.c.message_id, notice_versions.c.doc, status.label("status"))
            .select_from(
                base.outerjoin(
                    notice_versions,
                    and_(notice_versions.c.notice_id == outbox.c.notice_id,
                         notice_versions.c.version == outbox.c.version),
                )
            )
            .where(and_(*where))
            .order_by(order, outbox.c.next_try, outbox.c.id)
            .limit(limit)
        ).all()
    items = []
    for r in rows:
        notice = load_notice(r.doc) if r.doc is not None else None
        items.append(
            Waiting(
                profile=r.name,
                notice=display_id(notice) if notice else r.notice_id,
                title=notice.title if notice else (r.payload or {}).get("title"),
                state=r.status,
                attempts=r.attempts,
                queued_at=r.created_at,
                next_try=r.next_try if r.status == "retry" else None,
                error=r.last_error,
                message_id=r.message_id,
            )
        )
    return Outbox(items, {k: counts[k] for k in STATE_LABELS if k in counts})

"""What the watch pages and the advisor's desk show: matches and alerts as JSON, feeds that
show the current matches, a calendar of followed calls, a firm's digest, the buyers of an
area and what they publish."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ancrage.notices.model import Notice
from ancrage.settings import Settings
from ancrage.watch.matching import NoticeMatch
from ancrage.watch.model import Profile
from ancrage.web import accounts, desk
from ancrage.web.accounts import User
from ancrage.web.errors import NotFoundError, WebError

if TYPE_CHECKING:
    from ancrage.web.context import Context


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def match_json(m: NoticeMatch) -> dict[str, Any]:
    return {
        "notice_id": m.notice_id,
        "title": m.title,
        "deadline": _iso(m.deadline),
        "score": round(m.score, 4),
        "explanation": m.explanation,
        "reasons": m.reasons,
        "warnings": m.warnings,
        "lots": [lot.lot_number for lot in m.lots if lot.lot_number],
    }


def alert_json(alert: dict[str, Any]) -> dict[str, Any]:
    keep = ("notice_id", "title", "buyer", "url", "deadline", "explanation", "kind", "state")
    out = {k: alert.get(k) for k in keep}
    created = alert.get("created_at")
    out["created_at"] = created.isoformat() if isinstance(created, datetime) else created
    return out


def notice_brief(n: Notice) -> dict[str, Any]:
    return {
        "id": n.id,
        "title": n.title,
        "buyer": n.buyer.name,
        "deadline": _iso(n.deadline),
        "url": n.url,
    }


def feed_alerts(ctx: Context, profile: Profile) -> list[dict[str, Any]]:
    """The profile's alerts, then its current matches not alerted yet (a feed is never empty
    just because no watch run happened)."""
    from ancrage.watch.feeds import feed_alerts as alerts_and_matches

    return alerts_and_matches(ctx.engine, profile, ctx.open_notices(), ctx.locator, ctx.now())


def calendar(notices: list[Notice], now: datetime) -> bytes:
    """iCalendar of the followed calls' deadlines (reminder 7 days before)."""
    from ancrage.watch.feeds import ics_feed

    followed = Profile(name="appels-suivis")
    alerts = [
        {
            "notice_id": n.id,
            "title": n.title,
            "deadline": _iso(n.deadline),
            "url": n.url,
            "explanation": "appel suivi",
        }
        for n in notices
        if n.deadline is not None
    ]
    return ics_feed(followed, alerts, now)


@dataclass(frozen=True)
class FirmDigest:
    organisation: accounts.Organisation
    since: datetime
    profiles: list[tuple[desk.OwnedProfile, list[NoticeMatch]]] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return sorted({p.profile.email for p, _ in self.profiles if p.profile.email})

    def text(self) -> str:
        lines = [
            f"Veille Ancrage — {self.organisation.name}",
            f"Appels d'offres ouverts qui vous correspondent (semaine du {self.since:%d/%m/%Y}) :",
            "",
        ]
        count = 0
        for _, found in self.profiles:
            for m in found[:15]:
                count += 1
                deadline = f"{m.deadline:%d/%m/%Y}" if m.deadline else "non précisée"
                lines.append(f"- {m.title} ({m.notice_id}), date limite : {deadline}")
                lines.append(f"  pourquoi : {m.explanation}")
        if not count:
            lines.append("Aucun appel ouvert ne correspond cette semaine.")
        lines += ["", "Votre conseiller reste à votre disposition pour lire un appel avec vous."]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.as_json(),
            "since": self.since.isoformat(),
            "recipients": self.recipients,
            "profiles": [
                {"profile": owned.as_json(), "matches": [match_json(m) for m in found]}
                for owned, found in self.profiles
            ],
            "text": self.text(),
        }


def digest(ctx: Context, user: User, organisation_id: int) -> FirmDigest:
    """The week's matches of a firm the advisor's chamber follows."""
    engine = ctx.engine
    firms = {o.id: o for o in accounts.followed_firms(engine, user)}
    if organisation_id not in firms:
        raise NotFoundError(f"aucune entreprise suivie n° {organisation_id}")
    now = ctx.now()
    notices = ctx.open_notices()
    rows = [
        (owned, desk.matches(owned.profile, notices, ctx.locator, now))
        for owned in desk.profiles_of(engine, {organisation_id})
    ]
    return FirmDigest(firms[organisation_id], now - timedelta(days=7), rows)


def send_digest(ctx: Context, user: User, organisation_id: int) -> int:
    """Queue the digest to the firm's addresses; returns how many messages were queued."""
    from ancrage.web.mail import queue_mail

    found = digest(ctx, user, organisation_id)
    recipients = found.recipients or accounts.member_emails(ctx.engine, organisation_id)
    if not recipients:
        raise WebError(
            f"aucune adresse e-mail pour « {found.organisation.name} »",
            hint="Ajoutez une adresse au profil de l'entreprise.",
        )
    subject = f"Veille Ancrage : vos appels d'offres de la semaine ({found.organisation.name})"
    for address in recipients:
        queue_mail(ctx.engine, address, subject[:300], found.text())
    return len(recipients)


def area_buyers(settings: Settings, territory: str, now: datetime) -> list[dict[str, Any]]:
    """Buyers publishing calls in a territory (place of performance or buyer's département,
    as the search filters): how many calls, how many still open, main CPV divisions — the 50
    busiest, from the notice store's filter table (no notice document is read)."""
    from ancrage.notices.search import Filters, territory_departements
    from ancrage.notices.store import NoticeStore

    deps = tuple(territory_departements(territory))
    where, params = Filters(deps=deps).sql(now)
    moment = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sql = (
        "SELECT coalesce(n.buyer_name, 'acheteur non nommé') AS buyer, count(*) AS notices, "
        "sum(n.deadline_utc > ?) AS open, group_concat(substr(n.cpv_main, 1, 2)) AS divisions "
        "FROM notice_filter f JOIN notices n ON n.rowid = f.rowid "
        f"WHERE {' AND '.join(where)} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 50"
    )
    with NoticeStore(settings).reading() as con:
        rows = con.execute(sql, [moment, *params]).fetchall()
    return [
        {
            "buyer": buyer,
            "notices": int(count),
            "open": int(open_ or 0),
            "divisions": [d for d, _ in Counter((divisions or "").split(",")).most_common(3) if d],
        }
        for buyer, count, open_, divisions in rows
    ]

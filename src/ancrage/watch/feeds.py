"""Per-profile feeds: Atom (lxml) and iCalendar (icalendar) of what a profile follows — its
alerts, then the open calls it matches now that no alert was queued for yet, so a feed is full
from the first day, whether a watch run happened or not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree
from lxml.builder import ElementMaker  # type: ignore[import-not-found]
from sqlalchemy import Engine

from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice
from ancrage.watch.mail import when
from ancrage.watch.matching import ProfileIndex
from ancrage.watch.model import Profile
from ancrage.watch.outbox import alerts_of
from ancrage.watch.render import alert_payload

ATOM = "http://www.w3.org/2005/Atom"


def feed_alerts(
    engine: Engine, profile: Profile, notices: Sequence[Notice], locator: Locator, now: datetime
) -> list[dict[str, Any]]:
    """The profile's alerts (newest first), then the ``notices`` it matches at ``now`` that
    have no alert yet (a feed is never empty just because no watch run happened)."""
    from dataclasses import replace

    alerts = alerts_of(engine, profile, locator, now)
    seen = {a["notice_id"] for a in alerts}
    by_id = {n.id: n for n in notices}
    index = ProfileIndex([replace(profile, active=True)], locator)
    for m in index.match(notices, now):
        if m.notice_id not in seen:
            payload = alert_payload(by_id[m.notice_id], m, m.score, m.notice_id)
            alerts.append({**payload, "kind": "new", "version": None, "created_at": now})
    return alerts


def _tag(notice_id: str, profile: Profile, version: str | None = None) -> str:
    tail = f"/{version}" if version else ""
    return f"tag:ancrage,2026:veille/{profile.name}/{notice_id}{tail}"


def _utc(value: datetime) -> str:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def entry_text(alert: dict[str, Any]) -> str:
    """The French text of an alert in a feed: the notice's number, buyer, deadline, why."""
    lines = [
        f"Avis {alert.get('display_id') or alert['notice_id']}",
        f"Acheteur : {alert.get('buyer') or 'non précisé'}",
        f"Date limite : {when(alert.get('deadline')) or 'non précisée'}",
        f"Pourquoi : {alert['explanation']}",
    ]
    if alert.get("url"):
        lines.append(f"Avis : {alert['url']}")
    return "\n".join(lines)


def atom_feed(profile: Profile, alerts: list[dict[str, Any]], now: datetime) -> bytes:
    """An Atom 1.0 feed (RFC 4287) of the profile's alerts, newest first."""
    e = ElementMaker(namespace=ATOM, nsmap={None: ATOM})
    entries = []
    for a in alerts:
        deadline = when(a.get("deadline")) or "non précisée"
        prefix = "[Mise à jour] " if a["kind"] == "update" else ""
        children = [
            e.id(_tag(a["notice_id"], profile, a["version"])),
            e.title(prefix + (a.get("title") or a["notice_id"])),
            e.updated(_utc(a["created_at"])),
            e.summary(f"Date limite : {deadline}. Pourquoi : {a['explanation']}"),
            e.content(entry_text(a), type="text"),
        ]
        if a.get("url"):
            children.append(e.link(rel="alternate", href=a["url"]))
        entries.append(e.entry(*children))
    feed = e.feed(
        e.id(f"tag:ancrage,2026:veille/{profile.name}"),
        e.title(f"Veille Ancrage — {profile.name}"),
        e.updated(_utc(now)),
        e.author(e.name("Ancrage")),
        *entries,
    )
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    return bytes(etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True))


def ics_feed(profile: Profile, alerts: list[dict[str, Any]], now: datetime) -> bytes:
    """An iCalendar file with one event per followed call: its deadline, reminder 7 days before."""
    from icalendar import Alarm, Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Ancrage//Veille//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Échéances — {profile.name}")
    for a in alerts:
        if not a.get("deadline"):
            continue
        deadline = datetime.fromisoformat(a["deadline"])
        event = Event()
        event.add("uid", _tag(a["notice_id"], profile) + "@ancrage")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", deadline.astimezone(UTC))
        event.add("dtend", deadline.astimezone(UTC) + timedelta(minutes=30))
        event.add("summary", f"Date limite : {a.get('title') or a['notice_id']}")
        event.add("description", f"Pourquoi : {a['explanation']}")
        if a.get("url"):
            event.add("url", a["url"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Remise des offres dans 7 jours")
        alarm.add("trigger", timedelta(days=-7))
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())

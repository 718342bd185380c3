"""Alerts made readable when they are sent or shown: title, buyer, deadline, explanation.

A queued alert is a small row (profile, notice, version, score, the moment it matched); the
notice version it is about is kept once in ``watch_notices`` (its JSON document). The French
explanation is built when the alert is sent: the profile is matched again against that snapshot
at the moment of sending (same code path as the run, :class:`ancrage.watch.matching.ProfileIndex`),
so « il reste N jours » is true in the message — only for the few alerts sent or read, instead
of every match of every run. An alert whose deadline has passed when it would be sent is not
sent. Once rendered for sending, the payload is stored, so a message sent again after a crash
is the same message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, tuple_

from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice, display_id
from ancrage.notices.store import load_notice, utc_text
from ancrage.watch.db import notice_versions
from ancrage.watch.matching import NoticeMatch, ProfileIndex
from ancrage.watch.model import Profile

UNEXPLAINED = "correspondait à votre profil lors de la recherche"


def is_rendered(payload: dict[str, Any]) -> bool:
    return "explanation" in payload


def alert_payload(
    notice: Notice, match: NoticeMatch | None, score: float, notice_id: str
) -> dict[str, Any]:
    """What the e-mail and the feeds show of an alert (the keys of the templates)."""
    deadline = notice.deadline or (match.deadline if match else None)
    return {
        "notice_id": notice_id,
        "display_id": display_id(notice),
        "title": notice.title or (match.title if match else None) or notice_id,
        "buyer": notice.buyer.name,
        "url": notice.url or notice.documents_url,
        "deadline": deadline.isoformat() if deadline else None,
        "deadline_utc": utc_text(deadline),
        "explanation": match.explanation if match else UNEXPLAINED,
        "lots": [m.lot_number for m in match.lots if m.lot_number] if match else [],
        "score": score,
    }


def missing_payload(notice_id: str, score: float) -> dict[str, Any]:
    """An alert whose notice snapshot is gone (never expected; keeps the message sendable)."""
    return {
        "notice_id": notice_id,
        "title": notice_id,
        "buyer": None,
        "url": None,
        "deadline": None,
        "deadline_utc": None,
        "explanation": UNEXPLAINED,
        "lots": [],
        "score": score,
    }


class Renderer:
    """Renders queued alerts; notice snapshots are read once per renderer."""

    def __init__(self, engine: Engine, locator: Locator | None = None) -> None:
        self.engine = engine
        self._locator = locator
        self._notices: dict[tuple[str, str], Notice | None] = {}

    @property
    def locator(self) -> Locator:
        if self._locator is None:
            self._locator = Locator()
        return self._locator

    def _load(self, keys: Iterable[tuple[str, str]]) -> None:
        wanted = sorted({k for k in keys if k not in self._notices})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            for key in chunk:
                self._notices[key] = None
            snap = notice_versions
            with self.engine.connect() as con:
                rows = con.execute(
                    select(snap.c.notice_id, snap.c.version, snap.c.doc).where(
                        tuple_(snap.c.notice_id, snap.c.version).in_(chunk)
                    )
                ).all()
            for r in rows:
                self._notices[(r.notice_id, r.version)] = load_notice(bytes(r.doc))

    def payloads(
        self, profile: Profile, rows: Sequence[Any], now: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The full payload of each row (``notice_id``, ``version``, ``score``, ``matched_at``,
        ``payload``), in order; rows already rendered are returned as stored.

        ``now``: the moment the message is sent; the explanation (« il reste N jours ») is then
        that of ``now``, and that of the moment the row matched only when the profile no
        longer matches the call at ``now`` (its deadline passed: see :func:`has_passed`)."""
        todo = [r for r in rows if not is_rendered(r.payload)]
        if not todo:
            return [r.payload for r in rows]
        self._load((r.notice_id, r.version) for r in todo)
        index = ProfileIndex([replace(profile, active=True)], self.locator)
        rendered: dict[int, dict[str, Any]] = {}
        by_moment: dict[datetime | None, list[Any]] = {}
        if now is not None:
            at = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
            rendered = self._render(index, todo, at, matched_only=True)
        for r in todo:
            if id(r) not in rendered:
                by_moment.setdefault(r.matched_at, []).append(r)
        for moment, group in by_moment.items():
            when = (moment or datetime.now(UTC).replace(tzinfo=None)).replace(tzinfo=UTC)
            rendered.update(self._render(index, group, when, matched_only=False))
        return [rendered.get(id(r), r.payload) for r in rows]

    def _render(
        self, index: ProfileIndex, rows: Sequence[Any], when: datetime, *, matched_only: bool
    ) -> dict[int, dict[str, Any]]:
        """Payloads of the rows (by ``id`` of the row) matched again at ``when``
        (``matched_only``: only those the profile still matches)."""
        notices = [self._notices.get((r.notice_id, r.version)) for r in rows]
        found = {m.notice_id: m for m in index.match([n for n in notices if n], when)}
        out: dict[int, dict[str, Any]] = {}
        for r, notice in zip(rows, notices, strict=True):
            match = found.get(notice.id) if notice is not None else None
            if matched_only and match is None:
                continue
            if notice is None:
                payload = missing_payload(r.notice_id, r.score)
            else:
                payload = alert_payload(notice, match, r.score, r.notice_id)
            out[id(r)] = {**payload, **r.payload}
        return out


def has_passed(payload: dict[str, Any], now: datetime) -> bool:
    """The deadline of a rendered alert has passed at ``now`` (naive: UTC): it is not sent."""
    deadline = payload.get("deadline")
    if not deadline:
        return False
    moment = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return datetime.fromisoformat(deadline) <= moment

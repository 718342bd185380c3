"""An advisor's summary of a group of firms: which of them match which open calls now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from ancrage.geo.radius import Locator
from ancrage.notices.model import Notice
from ancrage.watch.matching import NoticeMatch, ProfileIndex
from ancrage.watch.model import Profile, WatchError
from ancrage.watch.profiles import list_profiles, natural_key


@dataclass(frozen=True)
class FirmMatches:
    """One firm of the group and the open calls it matches, best first."""

    profile: Profile
    matches: list[NoticeMatch]

    def as_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile.name,
            "firm": self.profile.denomination,
            "matches": [
                {
                    "notice": m.display_id,
                    "title": m.title,
                    "deadline": m.deadline.isoformat() if m.deadline else None,
                    "score": m.score,
                    "explanation": m.explanation,
                }
                for m in self.matches
            ],
        }


@dataclass(frozen=True)
class GroupDigest:
    """The active firms of a group (in natural order of their names) with their matches."""

    group: str
    now: datetime
    firms: list[FirmMatches]

    @property
    def matched(self) -> int:
        """Firms with at least one open call."""
        return sum(1 for f in self.firms if f.matches)

    @property
    def matches(self) -> int:
        return sum(len(f.matches) for f in self.firms)

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "date": self.now.isoformat(),
            "firms": [f.as_json() for f in self.firms],
        }


def group_digest(
    engine: Engine, group: str, notices: list[Notice], locator: Locator, now: datetime
) -> GroupDigest:
    """Which active firms of ``group`` match which of ``notices`` (the open calls) at ``now``."""
    members = list_profiles(engine, active_only=True, group=group)
    if not members:
        raise WatchError(
            f"aucun profil actif dans le groupe « {group} »",
            hint="Donnez --groupe à « ancrage profile add », « edit » ou « import ».",
        )
    members.sort(key=lambda p: natural_key(p.name))
    found: dict[int | None, list[NoticeMatch]] = {}
    for m in ProfileIndex(members, locator).match(notices, now):
        found.setdefault(m.profile_id, []).append(m)
    firms = [FirmMatches(p, sorted(found.get(p.id, []), key=lambda m: -m.score)) for p in members]
    return GroupDigest(group, now, firms)

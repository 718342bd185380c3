"""The watch for organisations: profiles owned by an organisation, their matches and alerts,
followed calls, and an advisor's digest per firm — over :mod:`ancrage.watch`."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, insert, select

from ancrage.geo.radius import Locator
from ancrage.notices.errors import NoticeNotFoundError
from ancrage.notices.model import Notice
from ancrage.notices.store import NoticeStore
from ancrage.settings import Settings
from ancrage.watch.db import outbox as watch_outbox
from ancrage.watch.db import profiles as watch_profiles
from ancrage.watch.db import utcnow
from ancrage.watch.matching import NoticeMatch, ProfileIndex
from ancrage.watch.model import Profile
from ancrage.watch.profiles import add_profile, complete, list_profiles, save_profile
from ancrage.web.accounts import User, visible_organisations
from ancrage.web.db import follows, profile_owners
from ancrage.web.errors import NotFoundError


@dataclass(frozen=True)
class OwnedProfile:
    profile: Profile
    organisation_id: int

    def as_json(self) -> dict[str, Any]:
        p = self.profile
        return {
            "id": p.id,
            "organisation_id": self.organisation_id,
            "name": p.denomination or p.name,
            "email": p.email,
            "siret": p.siret,
            "naf": p.naf,
            "commune": p.commune,
            "departement": p.departement,
            "size_class": p.size_class,
            "artisan": p.artisan,
            "cpv": p.cpv,
            "cpv_labels": p.cpv_labels,
            "keywords": p.keywords,
            "excluded_keywords": p.excluded_keywords,
            "departements": p.departements,
            "radius_km": p.radius_km,
            "value_min": p.value_min,
            "value_max": p.value_max,
            "certifications": p.certifications,
            "purchase_types": p.purchase_types,
            "frequency": p.frequency,
            "min_days": p.min_days,
            "active": p.active,
        }


class SireneLookup:
    """SIRENE facts for a SIRET through the Recherche d'entreprises API (with its cache), one
    client per lookup (requests run in several threads). Offline or refused: ``None``, so a
    profile is still created and completed by hand."""

    def __init__(self, settings: Settings) -> None:
        self.cache_dir = settings.cache_dir / "sirene"

    def lookup_siret(self, siret: str) -> Any:
        from ancrage.errors import AncrageError
        from ancrage.sirene.api import RechercheEntreprisesClient

        try:
            with RechercheEntreprisesClient(self.cache_dir, timeout_seconds=5.0) as client:
                return client.lookup_siret(siret)
        except AncrageError:
            return None


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:30] or "profil"


def create_profile(
    engine: Engine, organisation_id: int, profile: Profile, lookup: Any = None
) -> OwnedProfile:
    """A new profile of ``organisation_id``, pre-filled from SIRENE when a lookup is given.
    Its command-line name is made unique (``o<organisation>-<name>-<random>``)."""
    base = _slug(profile.denomination or profile.name or "profil")
    profile.name = f"o{organisation_id}-{base}-{secrets.token_hex(3)}"
    done = add_profile(engine, complete(profile, lookup))
    with engine.begin() as con:
        con.execute(
            insert(profile_owners).values(profile_id=done.id, organisation_id=organisation_id)
        )
    return OwnedProfile(done, organisation_id)


def _owned(engine: Engine, org_ids: set[int]) -> dict[int, int]:
    with engine.connect() as con:
        rows = con.execute(
            select(profile_owners.c.profile_id, profile_owners.c.organisation_id).where(
                profile_owners.c.organisation_id.in_(sorted(org_ids))
            )
        )
        return {int(r[0]): int(r[1]) for r in rows}


def profiles_of(engine: Engine, org_ids: set[int]) -> list[OwnedProfile]:
    owners = _owned(engine, org_ids)
    if not owners:
        return []
    with engine.connect() as con:
        names = {
            int(r[0])
            for r in con.execute(
                select(watch_profiles.c.id).where(watch_profiles.c.id.in_(sorted(owners)))
            )
        }
    return [
        OwnedProfile(p, owners[p.id])
        for p in list_profiles(engine)
        if p.id is not None and p.id in names
    ]


def profile_for(engine: Engine, user: User, profile_id: int) -> OwnedProfile:
    """A profile the user may see; the same « introuvable » whether it does not exist or
    belongs to another organisation (ids of others are not revealed)."""
    allowed = visible_organisations(engine, user)
    for owned in profiles_of(engine, allowed):
        if owned.profile.id == profile_id:
            return owned
    raise NotFoundError(f"aucun profil n° {profile_id}", hint="Voyez la liste de vos profils.")


def update_profile(engine: Engine, owned: OwnedProfile, changes: dict[str, Any]) -> OwnedProfile:
    p = owned.profile
    for key, value in changes.items():
        setattr(p, key, value)
    save_profile(engine, complete(p))
    return owned


def delete_profile(engine: Engine, owned: OwnedProfile) -> None:
    with engine.begin() as con:
        con.execute(delete(watch_outbox).where(watch_outbox.c.profile_id == owned.profile.id))
        con.execute(delete(watch_profiles).where(watch_profiles.c.id == owned.profile.id))


def matches(
    profile: Profile, notices: list[Notice], locator: Locator, now: datetime
) -> list[NoticeMatch]:
    """The open calls that match ``profile`` now, best first, with the explanation."""
    from dataclasses import replace

    return ProfileIndex([replace(profile, active=True)], locator).match(notices, now)


# -- followed calls -------------------------------------------------------------------------------
def follow(engine: Engine, organisation_id: int, notice_id: str) -> None:
    with engine.begin() as con:
        found = con.execute(
            select(follows.c.id).where(
                and_(follows.c.organisation_id == organisation_id, follows.c.notice_id == notice_id)
            )
        ).first()
        if found is None:
            con.execute(
                insert(follows).values(
                    organisation_id=organisation_id, notice_id=notice_id, created_at=utcnow()
                )
            )


def unfollow(engine: Engine, organisation_id: int, notice_id: str) -> None:
    with engine.begin() as con:
        con.execute(
            delete(follows).where(
                and_(follows.c.organisation_id == organisation_id, follows.c.notice_id == notice_id)
            )
        )


def followed(settings: Settings, engine: Engine, organisation_id: int) -> list[Notice]:
    """The calls an organisation follows, soonest deadline first (missing ones left out)."""
    with engine.connect() as con:
        ids = [
            str(r[0])
            for r in con.execute(
                select(follows.c.notice_id)
                .where(follows.c.organisation_id == organisation_id)
                .order_by(follows.c.id)
            )
        ]
    store = NoticeStore(settings)
    out: list[Notice] = []
    for notice_id in ids:
        try:
            out.append(store.get(notice_id))
        except NoticeNotFoundError:
            continue
    return sorted(
        out, key=lambda n: (n.deadline is None, n.deadline or datetime.max.replace(tzinfo=UTC))
    )

"""Company profiles in the application database: add, list, get, edit, remove, pre-fill.

A profile can be pre-filled from SIRENE (NAF, commune, size, artisan) through the API client
of :mod:`ancrage.sirene.api` (which keeps its own cache), and its CPV codes suggested from the
NAF code (:func:`ancrage.reference.naf_cpv.cpv_for_naf`); everything stays editable.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import fields
from typing import Any, Protocol

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ancrage.errors import AncrageError
from ancrage.geo.model import Commune
from ancrage.reference.naf import normalise_naf
from ancrage.reference.naf_cpv import cpv_for_naf, naf_cpv_rules
from ancrage.sirene.model import SireneRecord
from ancrage.sirene.profile import record_size_class
from ancrage.watch.db import profiles, utcnow
from ancrage.watch.matching import no_cycle_collection
from ancrage.watch.model import Profile, WatchError, check_profile

_COLUMNS = [f.name for f in fields(Profile) if f.name != "id"]
MIN_SUGGESTED_WEIGHT = 0.5  # CPV suggestions below this weight are left out


class SiretLookup(Protocol):
    def lookup_siret(self, siret: str) -> SireneRecord | None: ...


class ProfileNotFoundError(WatchError):
    """No profile with that name."""

    exit_code = 3


def suggest_cpv(naf: str) -> tuple[list[str], dict[str, str]]:
    """CPV prefixes suggested for a NAF code (core and frequent activities), with trade labels."""
    try:
        ranked = cpv_for_naf(naf)
    except AncrageError as exc:
        raise WatchError(f"code NAF « {naf} » invalide", hint="Ex. 43.22A.") from exc
    chosen = [prefix for prefix, weight in ranked if weight >= MIN_SUGGESTED_WEIGHT]
    labels: dict[str, str] = {}
    code = normalise_naf(naf)
    rules = sorted(naf_cpv_rules(), key=lambda r: -len(r.naf_prefix))  # most specific first
    for rule in rules:
        if not code.startswith(rule.naf_prefix):
            continue
        if rule.cpv_prefix in chosen and rule.trade and rule.cpv_prefix not in labels:
            labels[rule.cpv_prefix] = rule.trade
    return chosen, labels


def prefill(profile: Profile, record: SireneRecord) -> Profile:
    """Fill the facts SIRENE knows and the profile does not say yet."""
    size = record_size_class(record).size
    profile.siret = profile.siret or record.siret
    profile.denomination = profile.denomination or record.denomination
    profile.naf = profile.naf or record.naf
    profile.commune = profile.commune or record.commune
    profile.size_class = profile.size_class or size
    if profile.artisan is None and record.nafa is not None:
        profile.artisan = True
    return profile


def find_commune(text: str) -> Commune:
    """The commune of an INSEE code or of a name (« Poitiers », « chatellerault »,
    « Saint-Denis (93) »); a :class:`WatchError` listing the candidates when several communes
    have that name."""
    from ancrage.geo import default_geography

    geo = default_geography()
    found = geo.lookup_commune(text)
    if found is not None:
        return found[0]
    named = geo.communes_named(text)
    if len(named) == 1:
        return named[0]
    if not named:
        raise WatchError(
            f"commune « {text} » inconnue",
            hint="Donnez son nom (ex. Poitiers) ou son code INSEE (ex. 86194).",
        )
    listed = ", ".join(f"{c.nom} ({c.departement}, code {c.code})" for c in named[:12])
    more = f" et {len(named) - 12} autres" if len(named) > 12 else ""
    first = named[0]
    raise WatchError(
        f"{len(named)} communes s'appellent « {text} » : {listed}{more}",
        hint=f"Précisez le département (ex. « {first.nom} ({first.departement}) ») "
        "ou donnez le code INSEE.",
    )


def complete(profile: Profile, lookup: SiretLookup | None = None) -> Profile:
    """Pre-fill from SIRENE (when a lookup is given), département from the commune, suggested
    CPV from the NAF code when none is given; then check."""
    if lookup is not None and profile.siret:
        record = lookup.lookup_siret(profile.siret)
        if record is not None:
            prefill(profile, record)
    if profile.commune and not profile.departement:
        commune = find_commune(profile.commune)
        profile.commune = commune.code
        profile.departement = commune.departement
    if not profile.cpv and profile.naf:
        profile.cpv, labels = suggest_cpv(profile.naf)
        profile.cpv_labels = {**labels, **profile.cpv_labels}
    check_profile(profile)
    if not profile.cpv and not profile.keywords:
        hint = "ajoutez un code CPV (ex. 4533) ou un mot-clé (ex. fleuriste)."
        if profile.naf:
            hint = f"le code NAF {profile.naf} ne suggère aucun code CPV ; {hint}"
        raise WatchError(
            f"profil « {profile.name} » sans code CPV ni mot-clé : il ne recevrait aucune alerte",
            hint=hint[0].upper() + hint[1:],
        )
    return profile


def _row(profile: Profile) -> dict[str, Any]:
    return {name: getattr(profile, name) for name in _COLUMNS}


_FIELDS = [f.name for f in fields(Profile)]  # the columns read back, in the dataclass's order


def _profile(row: Any) -> Profile:
    return Profile(*row)


def add_profile(engine: Engine, profile: Profile) -> Profile:
    add_profiles(engine, [profile])
    return profile


def add_profiles(engine: Engine, new: list[Profile]) -> list[Profile]:
    """Store new profiles in one transaction: all of them, or none when a name is taken."""
    for profile in new:
        check_profile(profile)
        profile.unsubscribe_token = profile.unsubscribe_token or secrets.token_urlsafe(24)
    now = utcnow()
    current = new[0] if new else None
    try:
        with engine.begin() as con:
            for current in new:
                result = con.execute(
                    insert(profiles).values(**_row(current), created_at=now, updated_at=now)
                )
                current.id = int(result.inserted_primary_key[0])  # type: ignore[index]
    except IntegrityError as exc:
        for profile in new:
            profile.id = None
        raise WatchError(
            f"le profil « {current.name if current else ''} » existe déjà",
            hint="Choisissez un autre nom ou modifiez-le avec « ancrage profile edit ».",
        ) from exc
    return new


def natural_key(name: str) -> list[tuple[int, int | str]]:
    """Sort key of a name with its numbers in order: ``artisan-2`` before ``artisan-10``."""
    return [(0, int(part)) if part.isdigit() else (1, part)
            for part in re.split(r"(\d+)", name) if part]


def _select() -> Any:
    return select(*(profiles.c[name] for name in _FIELDS))


def list_profiles(
    engine: Engine, *, active_only: bool = False, group: str | None = None
) -> list[Profile]:
    """Profiles by name (positional rows: 100 000 profiles load in a few seconds); those of a
    ``group`` only when given."""
    query = _select().order_by(profiles.c.name)
    if active_only:
        query = query.where(profiles.c.active.is_(True))
    if group is not None:
        query = query.where(profiles.c.group_name == group)
    with engine.connect() as con, no_cycle_collection():
        return list(map(_profile, con.execute(query)))


def get_profile(engine: Engine, name: str) -> Profile:
    with engine.connect() as con:
        row = con.execute(_select().where(profiles.c.name == name)).first()
    if row is None:
        raise ProfileNotFoundError(
            f"aucun profil « {name} »", hint="Listez les profils avec « ancrage profile list »."
        )
    return _profile(row)


def save_profile(engine: Engine, profile: Profile) -> Profile:
    """Write back an edited profile (found by id)."""
    check_profile(profile)
    with engine.begin() as con:
        con.execute(
            update(profiles)
            .where(profiles.c.id == profile.id)
            .values(**_row(profile), updated_at=utcnow())
        )
    return profile


def remove_profile(engine: Engine, name: str) -> None:
    profile = get_profile(engine, name)
    from ancrage.watch.db import outbox

    with engine.begin() as con:
        con.execute(delete(outbox).where(outbox.c.profile_id == profile.id))
        con.execute(delete(profiles).where(profiles.c.id == profile.id))


def unsubscribe(engine: Engine, name: str, token: str) -> bool:
    """Stop e-mails for a profile when the token of its unsubscribe link matches."""
    profile = get_profile(engine, name)
    if profile.unsubscribe_token is None or not secrets.compare_digest(
        profile.unsubscribe_token, token
    ):
        return False
    profile.email = None
    save_profile(engine, profile)
    return True

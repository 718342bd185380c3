"""Accounts, organisations, sessions, API tokens and e-mail confirmation.

Passwords are hashed with argon2 (``argon2-cffi``); session, API and e-mail tokens are random
(``secrets``) and only their SHA-256 is stored, so a copy of the database opens no account.
Who may see what is decided here (:func:`visible_organisations`), not in the HTTP layer.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ancrage.watch.db import utcnow
from ancrage.web.db import (
    ORG_KINDS,
    ROLES,
    api_tokens,
    email_tokens,
    organisations,
    sessions,
    signin_failures,
    users,
)
from ancrage.web.errors import AuthError, ConflictError, NotFoundError, RateLimitError, WebError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
ROLE_LABELS = {
    "firm": "entreprise",
    "advisor": "conseiller",
    "buyer": "acheteur",
    "admin": "administrateur",
}
# The organisation kind each role belongs to.
ROLE_ORG_KIND = {"firm": "firm", "advisor": "chamber", "buyer": "buyer", "admin": "admin"}
CONFIRM_DAYS = 3
API_TOKEN_PREFIX = "anc_"


# argon2id with the library's defaults (RFC 9106 low-memory profile); tests lower the cost.
HASH_COST: dict[str, Any] = {}


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher(**HASH_COST)


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str | None
    role: str
    organisation_id: int
    organisation_name: str
    organisation_kind: str
    organisation_siret: str | None
    chamber_id: int | None
    confirmed: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "organisation": {
                "id": self.organisation_id,
                "name": self.organisation_name,
                "kind": self.organisation_kind,
                "siret": self.organisation_siret,
            },
            "confirmed": self.confirmed,
        }


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    kind: str
    siret: str | None
    chamber_id: int | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "siret": self.siret,
            "chamber_id": self.chamber_id,
        }


def check_email(email: str) -> str:
    text = email.strip().lower()
    if not _EMAIL.match(text) or len(text) > 320:
        raise WebError(f"adresse e-mail « {email} » invalide", hint="Ex. prenom.nom@exemple.fr.")
    return text


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise WebError(
            f"mot de passe trop court ({len(password)} caractères)",
            hint=f"Choisissez au moins {MIN_PASSWORD} caractères.",
        )
    return password


def check_siret(siret: str | None) -> str | None:
    if siret is None or not siret.strip():
        return None
    text = siret.replace(" ", "")
    if not (text.isdigit() and len(text) == 14):
        raise WebError(f"SIRET « {siret} » invalide", hint="14 chiffres attendus.")
    return text


# -- organisations ------------------------------------------------------------------------------
def create_organisation(
    engine: Engine,
    name: str,
    kind: str,
    *,
    siret: str | None = None,
    chamber_id: int | None = None,
) -> Organisation:
    if kind not in ORG_KINDS:
        raise WebError(f"type d'organisation « {kind} » inconnu", hint=", ".join(ORG_KINDS))
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise WebError("nom d'organisation manquant ou trop long", hint="1 à 200 caractères.")
    if chamber_id is not None:
        chamber = get_organisation(engine, chamber_id)
        if chamber.kind != "chamber":
            raise WebError("l'organisation de rattachement n'est pas une chambre", hint="")
    with engine.begin() as con:
        result = con.execute(
            insert(organisations).values(
                name=clean,
                kind=kind,
                siret=check_siret(siret),
                chamber_id=chamber_id,
                created_at=utcnow(),
            )
        )
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return get_organisation(engine, new_id)


def get_organisation(engine: Engine, organisation_id: int) -> Organisation:
    with engine.connect() as con:
        row = con.execute(
            select(organisations).where(organisations.c.id == organisation_id)
        ).first()
    if row is None:
        raise NotFoundError(f"aucune organisation n° {organisation_id}")
    return Organisation(row.id, row.name, row.kind, row.siret, row.chamber_id)


def list_organisations(engine: Engine, ids: set[int] | None = None) -> list[Organisation]:
    query = select(organisations).order_by(organisations.c.name, organisations.c.id)
    if ids is not None:
        query = query.where(organisations.c.id.in_(sorted(ids)))
    with engine.connect() as con:
        return [
            Organisation(r.id, r.name, r.kind, r.siret, r.chamber_id) for r in con.execute(query)
        ]


def visible_organisations(engine: Engine, user: User) -> set[int]:
    """Organisations whose data ``user`` may read and change: their own, and for an advisor
    the firms their chamber follows. Never another organisation's (administrators manage
    accounts, not the firms' watch data)."""
    own = {user.organisation_id}
    if user.role != "advisor":
        return own
    with engine.connect() as con:
        rows = con.execute(
            select(organisations.c.id).where(organisations.c.chamber_id == user.organisation_id)
        )
        return own | {int(r[0]) for r in rows}


def followed_firms(engine: Engine, user: User) -> list[Organisation]:
    """The firms an advisor's chamber follows (empty for other roles)."""
    if user.role != "advisor":
        return []
    with engine.connect() as con:
        rows = con.execute(
            select(organisations)
            .where(organisations.c.chamber_id == user.organisation_id)
            .order_by(organisations.c.name, organisations.c.id)
        )
        return [Organisation(r.id, r.name, r.kind, r.siret, r.chamber_id) for r in rows]


# -- users --------------------------------------------------------------------------------------
def _user_query() -> Any:
    return select(
        users.c.id,
        users.c.email,
        users.c.name,
        users.c.role,
        users.c.organisation_id,
        organisations.c.name.label("org_name"),
        organisations.c.kind.label("org_kind"),
        organisations.c.siret.label("org_siret"),
        organisations.c.chamber_id,
        users.c.confirmed_at,
    ).join(organisations, organisations.c.id == users.c.organisation_id)


def _user(row: object) -> User:
    r = row
    return User(
        id=r.id,  # type: ignore[attr-defined]
        email=r.email,  # type: ignore[attr-defined]
        name=r.name,  # type: ignore[attr-defined]
        role=r.role,  # type: ignore[attr-defined]
        organisation_id=r.organisation_id,  # type: ignore[attr-defined]
        organisation_name=r.org_name,  # type: ignore[attr-defined]
        organisation_kind=r.org_kind,  # type: ignore[attr-defined]
        organisation_siret=r.org_siret,  # type: ignore[attr-defined]
        chamber_id=r.chamber_id,  # type: ignore[attr-defined]
        confirmed=r.confirmed_at is not None,  # type: ignore[attr-defined]
    )


def create_user(
    engine: Engine,
    email: str,
    password: str,
    *,
    role: str,
    organisation_id: int,
    name: str | None = None,
    confirmed: bool = False,
) -> User:
    if role not in ROLES:
        raise WebError(f"rôle « {role} » inconnu", hint="firm, advisor, buyer ou admin.")
    org = get_organisation(engine, organisation_id)
    if ROLE_ORG_KIND[role] != org.kind:
        raise WebError(
            f"un compte {ROLE_LABELS[role]} ne peut pas appartenir à « {org.name} »",
            hint="Rattachez-le à une organisation du bon type.",
        )
    address = check_email(email)
    now = utcnow()
    try:
        with engine.begin() as con:
            result = con.execute(
                insert(users).values(
                    email=address,
                    password_hash=hash_password(check_password(password)),
                    name=(name or "").strip() or None,
                    role=role,
                    organisation_id=organisation_id,
                    confirmed_at=now if confirmed else None,
                    active=True,
                    created_at=now,
                )
            )
            new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    except IntegrityError as exc:
        raise ConflictError(
            f"un compte existe déjà pour {address}",
            hint="Connectez-vous, ou choisissez une autre adresse.",
        ) from exc
    return get_user(engine, new_id)


def get_user(engine: Engine, user_id: int) -> User:
    with engine.connect() as con:
        row = con.execute(
            _user_query().where(and_(users.c.id == user_id, users.c.active.is_(True)))
        ).first()
    if row is None:
        raise NotFoundError(f"aucun compte n° {user_id}")
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as con:
        rows = con.execute(_user_query().where(users.c.active.is_(True)).order_by(users.c.email))
        return [_user(r) for r in rows]


def _failures(engine: Engine, email: str, ip: str, since: datetime) -> tuple[int, int]:
    with engine.connect() as con:
        by_email = con.execute(
            select(func.count())
            .select_from(signin_failures)
            .where(and_(signin_failures.c.email == email, signin_failures.c.at > since))
        ).scalar_one()
        by_ip = con.execute(
            select(func.count())
            .select_from(signin_failures)
            .where(and_(signin_failures.c.ip == ip, signin_failures.c.at > since))
        ).scalar_one()
    return int(by_email), int(by_ip)


def authenticate(
    engine: Engine,
    email: str,
    password: str,
    *,
    ip: str,
    max_failures: int = 5,
    max_failures_ip: int = 20,
    window_s: int = 900,
    now: datetime | None = None,
) -> User:
    """The user with these credentials; a :class:`RateLimitError` after too many failures for
    this address or from this client within the window (counted in the database, so every
    process of the server shares the count)."""
    moment = now or utcnow()
    address = email.strip().lower()
    since = moment - timedelta(seconds=window_s)
    by_email, by_ip = _failures(engine, address, ip, since)
    if by_email >= max_failures or by_ip >= max_failures_ip:
        raise RateLimitError(
            "trop de tentatives de connexion échouées",
            retry_after=window_s,
            hint=f"Réessayez dans {window_s // 60} minutes.",
        )
    with engine.connect() as con:
        row = con.execute(
            select(users.c.id, users.c.password_hash, users.c.confirmed_at).where(
                and_(users.c.email == address, users.c.active.is_(True))
            )
        ).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    if not verify_password(stored, password) or row is None:
        with engine.begin() as con:
            con.execute(insert(signin_failures).values(email=address, ip=ip, at=moment))
        raise AuthError(
            "adresse e-mail ou mot de passe incorrect",
            hint="Vérifiez-les ; après 5 échecs, la connexion est suspendue 15 minutes.",
        )
    if row.confirmed_at is None:
        raise AuthError(
            "adresse e-mail pas encore confirmée",
            hint="Ouvrez le lien reçu par e-mail (valable 3 jours).",
        )
    with engine.begin() as con:
        con.execute(delete(signin_failures).where(signin_failures.c.email == address))
    return get_user(engine, int(row.id))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the address is unknown, so timing does not reveal accounts."""
    return hash_password(secrets.token_urlsafe(16))


# -- sessions -----------------------------------------------------------------------------------
def open_session(engine: Engine, user: User, *, days: int = 14) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as con:
        con.execute(delete(sessions).where(sessions.c.expires_at < now))
        con.execute(
            insert(sessions).values(
                token_hash=digest(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
    return token


def session_user(engine: Engine, token: str) -> User | None:
    with engine.connect() as con:
        row = con.execute(
            _user_query()
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(
                and_(
                    sessions.c.token_hash == digest(token),
                    sessions.c.expires_at > utcnow(),
                    users.c.active.is_(True),
                )
            )
        ).first()
    return None if row is None else _user(row)


def close_session(engine: Engine, token: str) -> None:
    with engine.begin() as con:
        con.execute(delete(sessions).where(sessions.c.token_hash == digest(token)))


# -- API tokens ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat() + "Z",
            "last_used_at": None
            if self.last_used_at is None
            else self.last_used_at.isoformat() + "Z",
        }


def create_api_token(engine: Engine, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for scripts (shown once) and its record."""
    clean = name.strip()
    if not clean or len(clean) > 100:
        raise WebError("nom de jeton manquant ou trop long", hint="Ex. « script export ».")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as con:
        result = con.execute(
            insert(api_tokens).values(
                user_id=user.id, name=clean, token_hash=digest(secret), created_at=now
            )
        )
        new_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return ApiToken(new_id, user.id, clean, now, None), secret


def list_api_tokens(engine: Engine, user: User) -> list[ApiToken]:
    with engine.connect() as con:
        rows = con.execute(
            select(api_tokens)
            .where(and_(api_tokens.c.user_id == user.id, api_tokens.c.revoked_at.is_(None)))
            .order_by(api_tokens.c.id)
        )
        return [ApiToken(r.id, r.user_id, r.name, r.created_at, r.last_used_at) for r in rows]


def revoke_api_token(engine: Engine, user: User, token_id: int) -> None:
    with engine.begin() as con:
        done = con.execute(
            update(api_tokens)
            .where(
                and_(
                    api_tokens.c.id == token_id,
                    api_tokens.c.user_id == user.id,
                    api_tokens.c.revoked_at.is_(None),
                )
            )
            .values(revoked_at=utcnow())
        ).rowcount
    if not done:
        raise NotFoundError(f"aucun jeton n° {token_id}")


def token_user(engine: Engine, secret: str) -> User | None:
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    hashed = digest(secret)
    with engine.begin() as con:
        row = con.execute(
            _user_query()
            .join(api_tokens, api_tokens.c.user_id == users.c.id)
            .where(
                and_(
                    api_tokens.c.token_hash == hashed,
                    api_tokens.c.revoked_at.is_(None),
                    users.c.active.is_(True),
                )
            )
        ).first()
        if row is not None:
            con.execute(
                update(api_tokens)
                .where(api_tokens.c.token_hash == hashed)
                .values(last_used_at=utcnow())
            )
    return None if row is None else _user(row)


# -- e-mail confirmation ------------------------------------------------------------------------
def confirmation_token(engine: Engine, user: User) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as con:
        con.execute(
            insert(email_tokens).values(
                token_hash=digest(token),
                user_id=user.id,
                purpose="confirm",
                created_at=now,
                expires_at=now + timedelta(days=CONFIRM_DAYS),
            )
        )
    return token


def confirm_email(engine: Engine, token: str) -> User:
    now = utcnow()
    with engine.begin() as con:
        row = con.execute(
            select(email_tokens.c.user_id).where(
                and_(
                    email_tokens.c.token_hash == digest(token),
                    email_tokens.c.purpose == "confirm",
                    email_tokens.c.used_at.is_(None),
                    email_tokens.c.expires_at > now,
                )
            )
        ).first()
        if row is None:
            raise NotFoundError(
                "lien de confirmation inconnu, déjà utilisé ou expiré",
                hint="Connectez-vous pour en recevoir un nouveau.",
            )
        con.execute(
            update(email_tokens)
            .where(email_tokens.c.token_hash == digest(token))
            .values(used_at=now)
        )
        con.execute(
            update(users)
            .where(and_(users.c.id == row.user_id, users.c.confirmed_at.is_(None)))
            .values(confirmed_at=now)
        )
    return get_user(engine, int(row.user_id))


def unconfirmed_user(engine: Engine, email: str) -> User | None:
    """The account of this address if it exists and is not confirmed yet."""
    with engine.connect() as con:
        row = con.execute(
            _user_query().where(
                and_(users.c.email == email.strip().lower(), users.c.confirmed_at.is_(None))
            )
        ).first()
    return None if row is None else _user(row)


def member_emails(engine: Engine, organisation_id: int) -> list[str]:
    with engine.connect() as con:
        rows = con.execute(
            select(users.c.email).where(
                and_(
                    users.c.organisation_id == organisation_id,
                    users.c.active.is_(True),
                    or_(users.c.role == "firm", users.c.role == "advisor"),
                )
            )
        )
        return [str(r[0]) for r in rows]

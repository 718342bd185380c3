"""The web application's tables (accounts, sessions, tokens, ownership), beside the watch's.

Same database as the watch (SQLite ``<home>/app.sqlite`` by default, PostgreSQL with
``ANCRAGE_DATABASE_URL``); the schema is created and upgraded by the Alembic migrations of
``ancrage/web/migrations`` (own version table) right after the watch's, on first use.
"""

from __future__ import annotations

import threading

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.exc import SQLAlchemyError

from ancrage.watch.db import migrate, open_db
from ancrage.web.config import WebConfig
from ancrage.web.errors import WebError

VERSION_TABLE = "ancrage_web_version"
ORG_KINDS = ("firm", "chamber", "buyer", "admin")
ROLES = ("firm", "advisor", "buyer", "admin")

metadata = MetaData()

organisations = Table(
    "web_organisations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # firm | chamber | buyer | admin
    Column("siret", String(14)),
    # the chamber whose advisors follow this firm
    Column("chamber_id", Integer, ForeignKey("web_organisations.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "web_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("name", String(200)),
    Column("role", String(16), nullable=False),  # firm | advisor | buyer | admin
    Column(
        "organisation_id",
        Integer,
        ForeignKey("web_organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("confirmed_at", DateTime),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

api_tokens = Table(
    "web_api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)

email_tokens = Table(
    "web_email_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("web_users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),  # confirm
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
)

signin_failures = Table(
    "web_signin_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(320), nullable=False, index=True),
    Column("ip", String(64), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
)

profile_owners = Table(
    "web_profile_owners",
    metadata,
    Column(
        "profile_id",
        Integer,
        ForeignKey("watch_profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "organisation_id",
        Integer,
        ForeignKey("web_organisations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
)

follows = Table(
    "web_follows",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "organisation_id",
        Integer,
        ForeignKey("web_organisations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("notice_id", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("organisation_id", "notice_id", name="uq_web_follows"),
)

outbox = Table(
    "web_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("recipient", String(320), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | sent | abandoned
    Column("attempts", Integer, nullable=False),
    Column("next_try", DateTime, nullable=False),
    Column("message_id", String(200)),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("first_try_at", DateTime),  # the first failure: the retry policy's age counts from it
)

_migrated: set[str] = set()
_lock = threading.Lock()


def open_app_db(config: WebConfig) -> Engine:
    """The application database, with the watch's and the web's schemas up to date."""
    engine = open_db(config.settings, config.database_url)
    with _lock:
        if config.database_url not in _migrated:
            try:
                migrate(engine, "ancrage.web")
            except SQLAlchemyError as exc:
                raise WebError(
                    f"base de données inaccessible ({type(exc).__name__})",
                    hint="Vérifiez ANCRAGE_DATABASE_URL et que le serveur répond.",
                ) from exc
            _migrated.add(config.database_url)
    return engine

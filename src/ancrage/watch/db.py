"""The application database (profiles, outbox, runs), through SQLAlchemy 2 and Alembic.

SQLite by default at ``<home>/app.sqlite``; PostgreSQL with a URL
(``postgresql+psycopg://user@host/db``) given by ``--db`` or ``$ANCRAGE_DB_URL``. The schema is
created and upgraded by the Alembic migrations of ``ancrage/watch/migrations`` on first use, in
the process (no ``alembic`` command to run). Times are stored as naive UTC.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from importlib import resources

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.exc import SQLAlchemyError

from ancrage.settings import Settings
from ancrage.watch.model import WatchError

DB_URL_ENV = "ANCRAGE_DB_URL"
VERSION_TABLE = "ancrage_watch_version"

metadata = MetaData()

profiles = Table(
    "watch_profiles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("email", String(320)),
    Column("siret", String(14)),
    Column("denomination", String(200)),
    Column("naf", String(8)),
    Column("commune", String(5)),
    Column("departement", String(3)),
    Column("size_class", String(8)),
    Column("artisan", Boolean),
    Column("cpv", JSON, nullable=False),
    Column("cpv_labels", JSON, nullable=False),
    Column("keywords", JSON, nullable=False),
    Column("excluded_keywords", JSON, nullable=False),
    Column("departements", JSON, nullable=False),
    Column("radius_km", Float),
    Column("value_min", Float),
    Column("value_max", Float),
    Column("certifications", JSON, nullable=False),
    Column("reserved", String(8), nullable=False),
    Column("lots_only", Boolean, nullable=False),
    Column("purchase_types", JSON, nullable=False),
    Column("frequency", String(10), nullable=False),
    Column("min_days", Integer, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("unsubscribe_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

outbox = Table(
    "watch_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "profile_id", Integer, ForeignKey("watch_profiles.id", ondelete="CASCADE"), nullable=False
    ),
    Column("notice_id", String(200), nullable=False),
    Column("version", String(16), nullable=False),
    Column("kind", String(8), nullable=False),  # new | update
    # pending | sending | sent | abandoned | skipped | superseded (ancrage.watch.outbox)
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_try", DateTime, nullable=False),
    Column("message_id", String(200)),
    Column("last_error", Text),
    Column("score", Float, nullable=False),
    # {} when queued ({"old_deadline": …} for an update); the full alert (title, buyer, url,
    # deadline, explanation…) once rendered for sending (see ancrage.watch.render)
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
    Column("matched_at", DateTime),  # the moment of the match (days left in the explanation)
    Column("first_try_at", DateTime),  # the first failed try (age limit of the retries)
    UniqueConstraint("profile_id", "notice_id", "version", name="uq_watch_outbox_key"),
)

notice_versions = Table(
    "watch_notices",
    metadata,
    Column("notice_id", String(200), primary_key=True),
    Column("version", String(16), primary_key=True),
    Column("deadline", String(40)),  # ISO text as the notice gives it (old deadline of updates)
    Column("doc", LargeBinary, nullable=False),  # ancrage.notices.store.dump_notice
    Column("created_at", DateTime, nullable=False),
)

runs = Table(
    "watch_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("since", String(10)),
    Column("notices", Integer, nullable=False),
    Column("enqueued", Integer, nullable=False),
    Column("sent", Integer, nullable=False),
    Column("dry_run", Boolean, nullable=False),
)

locks = Table(
    "watch_locks",
    metadata,
    Column("name", String(32), primary_key=True),  # watch-run
    Column("token", String(64)),  # the owner's, None when free
    Column("pid", Integer),
    Column("host", String(255)),
    Column("started_at", DateTime),
    Column("heartbeat_at", DateTime),
)

_migrated: set[str] = set()
_lock = threading.Lock()


def utcnow() -> datetime:
    """Now, as the naive UTC datetime the database stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def db_url(settings: Settings, url: str | None = None) -> str:
    """``url``, else ``$ANCRAGE_DB_URL``, else SQLite at ``<home>/app.sqlite``."""
    return url or os.environ.get(DB_URL_ENV) or f"sqlite:///{settings.home / 'app.sqlite'}"


def _sqlite_pragmas(dbapi_con: object, _record: object) -> None:
    cur = dbapi_con.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA busy_timeout = 10000")
    cur.close()


def migrate(engine: Engine, package: str = "ancrage.watch") -> None:
    """Upgrade the schema of ``package`` (its ``migrations`` folder) to the latest Alembic
    revision (idempotent)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    location = resources.files(package).joinpath("migrations")
    config.set_main_option("script_location", str(location))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_db(settings: Settings, url: str | None = None) -> Engine:
    """An engine on the application database, migrated to the latest schema."""
    target = db_url(settings, url)
    if target.startswith("sqlite:///") and url is None and DB_URL_ENV not in os.environ:
        settings.ensure()
    try:
        engine = create_engine(target, json_deserializer=orjson.loads)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise WatchError(
            f"adresse de base de données invalide ({type(exc).__name__}: {exc})",
            hint="Ex. --db postgresql+psycopg://utilisateur@hôte/base ou sqlite:///app.sqlite.",
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    with _lock:
        if target not in _migrated:
            try:
                migrate(engine)
            except SQLAlchemyError as exc:
                raise WatchError(
                    f"base de données inaccessible ({type(exc).__name__})",
                    hint="Vérifiez l'adresse (--db / ANCRAGE_DB_URL) et que le serveur répond.",
                ) from exc
            _migrated.add(target)
    return engine

"""Alembic environment: run by :func:`ancrage.web.db.migrate` with an open connection."""

from __future__ import annotations

from alembic import context

from ancrage.web.db import VERSION_TABLE, metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()

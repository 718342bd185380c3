"""One sender at a time, alerts never lost: the run lock, failed alerts retried.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

``watch_locks`` holds one row per lock (``watch-run``): the owner's token, process id, host,
start and last heartbeat (:mod:`ancrage.watch.lock`). Alerts left ``failed`` by the former
policy (five attempts, then given up) are queued again with their Message-ID: they are sent, or
abandoned with their reason once older than the age limit (:mod:`ancrage.watch.outbox`);
``first_try_at`` is when that age is counted from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    locks = op.create_table(
        "watch_locks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("token", sa.String(64)),
        sa.Column("pid", sa.Integer),
        sa.Column("host", sa.String(255)),
        sa.Column("started_at", sa.DateTime),
        sa.Column("heartbeat_at", sa.DateTime),
    )
    op.bulk_insert(locks, [{"name": "watch-run"}])
    op.add_column("watch_outbox", sa.Column("first_try_at", sa.DateTime))
    op.execute("UPDATE watch_outbox SET state = 'pending' WHERE state = 'failed'")


def downgrade() -> None:
    with op.batch_alter_table("watch_outbox") as batch:
        batch.drop_column("first_try_at")
    op.drop_table("watch_locks")

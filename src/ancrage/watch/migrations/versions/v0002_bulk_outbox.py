"""Bulk outbox: one snapshot per notice version, alerts rendered at send time.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

``watch_notices`` keeps each queued notice version once (its JSON document), so an alert row
only holds the facts it needs (profile, notice, version, score, the moment it matched); its
French explanation is built from the snapshot when the message is sent. The index on
(profile, notice) is replaced by one on (notice, version, profile): the unique key already
serves look-ups by profile, and the run looks up which profiles have a notice's version from
that index alone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_notices",
        sa.Column("notice_id", sa.String(200), primary_key=True),
        sa.Column("version", sa.String(16), primary_key=True),
        sa.Column("deadline", sa.String(40)),
        sa.Column("doc", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.add_column("watch_outbox", sa.Column("matched_at", sa.DateTime))
    op.drop_index("ix_watch_outbox_profile", "watch_outbox")
    op.create_index(
        "ix_watch_outbox_notice", "watch_outbox", ["notice_id", "version", "profile_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_watch_outbox_notice", "watch_outbox")
    op.create_index("ix_watch_outbox_profile", "watch_outbox", ["profile_id", "notice_id"])
    with op.batch_alter_table("watch_outbox") as batch:
        batch.drop_column("matched_at")
    op.drop_table("watch_notices")

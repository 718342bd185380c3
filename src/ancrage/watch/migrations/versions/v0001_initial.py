"""Watch profiles, outbox and runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_profiles",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320)),
        sa.Column("siret", sa.String(14)),
        sa.Column("denomination", sa.String(200)),
        sa.Column("naf", sa.String(8)),
        sa.Column("commune", sa.String(5)),
        sa.Column("departement", sa.String(3)),
        sa.Column("size_class", sa.String(8)),
        sa.Column("artisan", sa.Boolean),
        sa.Column("cpv", sa.JSON, nullable=False),
        sa.Column("cpv_labels", sa.JSON, nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("excluded_keywords", sa.JSON, nullable=False),
        sa.Column("departements", sa.JSON, nullable=False),
        sa.Column("radius_km", sa.Float),
        sa.Column("value_min", sa.Float),
        sa.Column("value_max", sa.Float),
        sa.Column("certifications", sa.JSON, nullable=False),
        sa.Column("reserved", sa.String(8), nullable=False),
        sa.Column("lots_only", sa.Boolean, nullable=False),
        sa.Column("purchase_types", sa.JSON, nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("min_days", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("unsubscribe_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "watch_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("watch_profiles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("notice_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try", sa.DateTime, nullable=False),
        sa.Column("message_id", sa.String(200)),
        sa.Column("last_error", sa.Text),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.UniqueConstraint("profile_id", "notice_id", "version", name="uq_watch_outbox_key"),
    )
    op.create_index("ix_watch_outbox_state", "watch_outbox", ["state", "next_try"])
    op.create_index("ix_watch_outbox_profile", "watch_outbox", ["profile_id", "notice_id"])
    op.create_table(
        "watch_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("since", sa.String(10)),
        sa.Column("notices", sa.Integer, nullable=False),
        sa.Column("enqueued", sa.Integer, nullable=False),
        sa.Column("sent", sa.Integer, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watch_runs")
    op.drop_index("ix_watch_outbox_profile", "watch_outbox")
    op.drop_index("ix_watch_outbox_state", "watch_outbox")
    op.drop_table("watch_outbox")
    op.drop_table("watch_profiles")

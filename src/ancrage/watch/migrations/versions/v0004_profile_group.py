"""Profile groups: an advisor tags the firms they follow (``--group``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("watch_profiles", sa.Column("group_name", sa.String(64)))
    op.create_index("ix_watch_profiles_group", "watch_profiles", ["group_name"])


def downgrade() -> None:
    op.drop_index("ix_watch_profiles_group", "watch_profiles")
    with op.batch_alter_table("watch_profiles") as batch:
        batch.drop_column("group_name")

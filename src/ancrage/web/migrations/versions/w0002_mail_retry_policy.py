"""Account e-mails follow the watch's retry policy: back-off, then abandoned after the age limit.

Revision ID: w0002
Revises: w0001
Create Date: 2026-12-07

``first_try_at`` is when the age of a failing e-mail is counted from (its first failure). The
state the former policy left after eight attempts, ``failed``, is named as the watch names it:
``abandoned`` (the reason stays in ``last_error``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "w0002"
down_revision = "w0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("web_outbox", sa.Column("first_try_at", sa.DateTime))
    op.execute("UPDATE web_outbox SET state = 'abandoned' WHERE state = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE web_outbox SET state = 'failed' WHERE state = 'abandoned'")
    with op.batch_alter_table("web_outbox") as batch:
        batch.drop_column("first_try_at")

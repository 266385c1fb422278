"""demand indexes: events by feed and time, for the people and place analyses

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Frequent callers and repeats read one feed's events in a time window (calls in the
    # last 12 months); without this index every analysis scans the whole events table.
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_feed_time", ["feed", "occurred_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_feed_time")

"""search indexes: person mentions by surname and by phone, for the workspace's search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Without them a name or phone search scans every mention (tens of ms at a year of
    # Wirral data, under 20 users at once); with them it is a lookup of about 1 ms.
    op.create_index("ix_mentions_last_name", "person_mentions", ["last_name"])
    op.create_index("ix_mentions_phone", "person_mentions", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_mentions_phone", table_name="person_mentions")
    op.drop_index("ix_mentions_last_name", table_name="person_mentions")

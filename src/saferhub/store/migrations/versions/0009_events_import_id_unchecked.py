"""events.import_id without a foreign-key check on PostgreSQL (decision 0007)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # PostgreSQL checks a foreign key with a query per inserted row: a quarter of the time
    # of every import, for a reference the import's own transaction always writes right.
    # SQLite checks it in-process for next to nothing, and dropping it there would mean
    # rebuilding the events table, so SQLite keeps it.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("events_import_id_fkey", "events", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key("events_import_id_fkey", "events", "imports", ["import_id"], ["id"])

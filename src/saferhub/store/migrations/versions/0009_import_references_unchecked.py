"""the import's own references without row-by-row foreign-key checks on PostgreSQL (decision 0007)

events.import_id → imports.id and person_mentions.event_id → events.id.

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

# (constraint, table, column, referred table): references that only an import writes, in
# the same transaction as the row they point to.
_UNCHECKED = (
    ("events_import_id_fkey", "events", "import_id", "imports"),
    ("person_mentions_event_id_fkey", "person_mentions", "event_id", "events"),
)


def upgrade() -> None:
    # PostgreSQL checks a foreign key with a query per inserted row: a quarter of the
    # server's time on every police.uk import, for references the import's own
    # transaction always writes right. SQLite checks them in-process for next to nothing,
    # and dropping one there would mean rebuilding the table, so SQLite keeps them.
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _column, _referred in _UNCHECKED:
            op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, column, referred in _UNCHECKED:
            ondelete = "CASCADE" if table == "person_mentions" else None
            op.create_foreign_key(name, table, referred, [column], ["id"], ondelete=ondelete)

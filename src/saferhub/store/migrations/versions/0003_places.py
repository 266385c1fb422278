"""places: places, their keys and buildings, and the places of events and homes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "places",
        sa.Column("place_id", sa.String(length=16), nullable=False),
        sa.Column("building_id", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("lsoa_code", sa.String(length=12), nullable=True),
        sa.Column("ward_code", sa.String(length=12), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("place_id"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_places_building_id"), ["building_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_places_postcode"), ["postcode"], unique=False)

    op.create_table(
        "place_keys",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("place_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("place_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_place_keys_place_id"), ["place_id"], unique=False)

    op.create_table(
        "building_keys",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("building_id", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("key"),
        sqlite_with_rowid=False,
    )

    op.create_table(
        "event_places",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(length=16), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("event_places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_places_place_id"), ["place_id"], unique=False)

    op.create_table(
        "mention_places",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.String(length=16), nullable=True),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("basis", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("mention_places", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mention_places_place_id"), ["place_id"], unique=False)


def downgrade() -> None:
    for table in ("mention_places", "event_places", "place_keys"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_place_id"))
        op.drop_table(table)
    op.drop_table("building_keys")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_places_postcode"))
        batch_op.drop_index(batch_op.f("ix_places_building_id"))
    op.drop_table("places")

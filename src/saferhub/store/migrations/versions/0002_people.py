"""people: linked person ids, the linkage model, review queue and decisions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "person_link_models",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("model_format", sa.Integer(), nullable=False),
        sa.Column("splink_version", sa.String(length=20), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("merged_into", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "person_links",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=False),
        sa.Column("fingerprint", sa.String(length=24), nullable=False),
        sa.Column("linkable", sa.Boolean(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.create_index("ix_person_links_person", ["person_id"], unique=False)

    op.create_table(
        "person_link_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=True),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("new_mentions", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("merges", sa.Integer(), nullable=False),
        sa.Column("splits", sa.Integer(), nullable=False),
        sa.Column("review_pairs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "person_id_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=16), nullable=False),
        sa.Column("other_person_id", sa.String(length=16), nullable=False),
        sa.Column("mentions", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_id_events", schema=None) as batch_op:
        batch_op.create_index("ix_person_id_events_person", ["person_id"], unique=False)

    op.create_table(
        "person_review_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_l", sa.Integer(), nullable=False),
        sa.Column("mention_r", sa.Integer(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("model_version", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mention_l"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_r"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mention_l", "mention_r", name="uq_person_review_pair"),
    )
    op.create_table(
        "person_link_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mention_l", sa.Integer(), nullable=False),
        sa.Column("mention_r", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("applied_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["mention_l"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mention_r"], ["person_mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mention_l", "mention_r", name="uq_person_decision"),
    )


def downgrade() -> None:
    op.drop_table("person_link_decisions")
    op.drop_table("person_review_pairs")
    with op.batch_alter_table("person_id_events", schema=None) as batch_op:
        batch_op.drop_index("ix_person_id_events_person")
    op.drop_table("person_id_events")
    op.drop_table("person_link_runs")
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.drop_index("ix_person_links_person")
    op.drop_table("person_links")
    op.drop_table("people")
    op.drop_table("person_link_models")

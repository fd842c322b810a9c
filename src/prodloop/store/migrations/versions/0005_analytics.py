"""analytics: which events mean a feature was used

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import prodloop.store.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feature_usage_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("property_filter", sa.JSON(), nullable=False),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_feature_usage_event_feature_id_feature"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feature_usage_event")),
        sa.UniqueConstraint("feature_id", "event", name=op.f("uq_feature_usage_event_feature_id")),
    )
    with op.batch_alter_table("feature_usage_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feature_usage_event_feature_id"), ["feature_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("feature_usage_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feature_usage_event_feature_id"))
    op.drop_table("feature_usage_event")

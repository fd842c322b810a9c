"""dashboards: saved insights and dashboards

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import prodloop.store.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "saved_insight",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_saved_insight_feature_id_feature"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_insight")),
    )
    with op.batch_alter_table("saved_insight", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_insight_feature_id"), ["feature_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_saved_insight_kind"), ["kind"], unique=False)
    op.create_table(
        "dashboard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("tiles", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=320), nullable=False),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard")),
        sa.UniqueConstraint("name", name=op.f("uq_dashboard_name")),
    )


def downgrade() -> None:
    op.drop_table("dashboard")
    with op.batch_alter_table("saved_insight", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_insight_kind"))
        batch_op.drop_index(batch_op.f("ix_saved_insight_feature_id"))
    op.drop_table("saved_insight")

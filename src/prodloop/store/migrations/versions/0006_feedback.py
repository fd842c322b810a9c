"""feedback: feedback hub

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import prodloop.store.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_form")),
        sa.UniqueConstraint("key", name=op.f("uq_feedback_form_key")),
    )
    op.create_table(
        "feedback_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("renamed", sa.Boolean(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("centroid", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["feedback_theme.id"],
            name=op.f("fk_feedback_theme_merged_into_id_feedback_theme"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_theme")),
        sa.UniqueConstraint("key", name=op.f("uq_feedback_theme_key")),
    )
    op.create_table(
        "feedback_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("author_email", sa.String(length=320), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("received_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Float(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=64), nullable=True),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_feedback_item_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"],
            ["feedback_item.id"],
            name=op.f("fk_feedback_item_duplicate_of_id_feedback_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["feedback_theme.id"],
            name=op.f("fk_feedback_item_theme_id_feedback_theme"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_item")),
        sa.UniqueConstraint("source", "external_id", name="uq_feedback_item_source_external_id"),
    )
    op.create_index(
        op.f("ix_feedback_item_account_id"), "feedback_item", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_feedback_item_channel"), "feedback_item", ["channel"], unique=False)
    op.create_index(
        op.f("ix_feedback_item_duplicate_of_id"), "feedback_item", ["duplicate_of_id"], unique=False
    )
    op.create_index(op.f("ix_feedback_item_kind"), "feedback_item", ["kind"], unique=False)
    op.create_index("ix_feedback_item_received_at", "feedback_item", ["received_at"], unique=False)
    op.create_index(
        op.f("ix_feedback_item_sentiment"), "feedback_item", ["sentiment"], unique=False
    )
    op.create_index(op.f("ix_feedback_item_status"), "feedback_item", ["status"], unique=False)
    op.create_index(op.f("ix_feedback_item_theme_id"), "feedback_item", ["theme_id"], unique=False)
    op.create_table(
        "feedback_feature_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=320), nullable=True),
        sa.Column("decided_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_feedback_feature_link_feature_id_feature"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["feedback_item.id"],
            name=op.f("fk_feedback_feature_link_item_id_feedback_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["feedback_theme.id"],
            name=op.f("fk_feedback_feature_link_theme_id_feedback_theme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_feature_link")),
        sa.UniqueConstraint("item_id", "feature_id", name="uq_feedback_feature_link_item_feature"),
        sa.UniqueConstraint(
            "theme_id", "feature_id", name="uq_feedback_feature_link_theme_feature"
        ),
    )
    op.create_index(
        op.f("ix_feedback_feature_link_feature_id"),
        "feedback_feature_link",
        ["feature_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_feedback_feature_link_item_id"), "feedback_feature_link", ["item_id"], unique=False
    )
    op.create_index(
        op.f("ix_feedback_feature_link_theme_id"),
        "feedback_feature_link",
        ["theme_id"],
        unique=False,
    )
    op.create_table(
        "ops_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("requested_by", sa.String(length=320), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("feature_id", sa.Integer(), nullable=True),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_ops_request_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_ops_request_feature_id_feature"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["person.id"],
            name=op.f("fk_ops_request_owner_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_request")),
    )
    op.create_index(op.f("ix_ops_request_owner_id"), "ops_request", ["owner_id"], unique=False)
    op.create_index(op.f("ix_ops_request_status"), "ops_request", ["status"], unique=False)
    op.create_index(op.f("ix_ops_request_team"), "ops_request", ["team"], unique=False)
    op.create_table(
        "feedback_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feature_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("item_ids", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", prodloop.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_feedback_notification_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feature_id"],
            ["feature.id"],
            name=op.f("fk_feedback_notification_feature_id_feature"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_notification")),
        sa.UniqueConstraint("feature_id", "recipient", name="uq_feedback_notification_recipient"),
    )
    op.create_index(
        op.f("ix_feedback_notification_feature_id"),
        "feedback_notification",
        ["feature_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_feedback_notification_status"), "feedback_notification", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_table("feedback_notification")
    op.drop_table("ops_request")
    op.drop_table("feedback_feature_link")
    op.drop_table("feedback_item")
    op.drop_table("feedback_theme")
    op.drop_table("feedback_form")

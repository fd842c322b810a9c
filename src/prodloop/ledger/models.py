"""Tables of the ledger domain."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.ledger.stages import Stage
from prodloop.store.base import Base, utcnow


class Workspace(Base):
    """The organisation prodloop describes: one per installation."""

    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    """A team that owns and builds features."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    members: Mapped[list[Person]] = relationship(back_populates="team")


class Person(Base):
    """Someone in the product organisation; may own features."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(120), default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members")


class Account(Base):
    """A customer account, with the revenue it carries."""

    __tablename__ = "account"
    __table_args__ = (Index("ix_account_segment_arr", "segment", "arr"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253), unique=True)
    segment: Mapped[str] = mapped_column(String(32))
    plan: Mapped[str] = mapped_column(String(64), default="")
    arr: Mapped[int] = mapped_column(BigInteger, default=0)
    external_ids: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProductArea(Base):
    """A part of the product that groups features."""

    __tablename__ = "product_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Feature(Base):
    """One row of the ledger: a capability of the product, from idea to retirement."""

    __tablename__ = "feature"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    product_area_id: Mapped[int | None] = mapped_column(
        ForeignKey("product_area.id", ondelete="SET NULL"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("team.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16), default=Stage.IDEA.value, index=True)
    stage_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    target_date: Mapped[date | None] = mapped_column(Date)
    launch_date: Mapped[date | None] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    links: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    product_area: Mapped[ProductArea | None] = relationship()
    owner: Mapped[Person | None] = relationship()
    team: Mapped[Team | None] = relationship()
    stage_history: Mapped[list[StageChange]] = relationship(
        back_populates="feature",
        order_by="StageChange.changed_at, StageChange.id",
        cascade="all, delete-orphan",
    )


class StageChange(Base):
    """One move of a feature from one stage to another: when, by whom and why."""

    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    feature_id: Mapped[int] = mapped_column(
        ForeignKey("feature.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str | None] = mapped_column(Text)

    feature: Mapped[Feature] = relationship(back_populates="stage_history")


class AuditEntry(Base):
    """A create, update or delete of a ledger record, with the state before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column()
    entity_label: Mapped[str] = mapped_column(String(300))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)

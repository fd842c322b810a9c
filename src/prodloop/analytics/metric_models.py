"""The table of named metric definitions that experiments, OKRs and insights reuse."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from prodloop.store.base import Base, utcnow


class MetricDefinition(Base):
    """A named metric: what counts, per unit, and which direction is good."""

    __tablename__ = "metric_definition"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(200))
    property: Mapped[str | None] = mapped_column(String(200))
    denominator_event: Mapped[str | None] = mapped_column(String(200))
    retention_days: Mapped[int | None] = mapped_column(Integer)
    higher_is_better: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

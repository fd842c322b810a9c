"""The experiment registry's table: one row per experiment, from design to decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.ledger.models import Feature
from prodloop.store.base import Base, utcnow


class Experiment(Base):
    """An experiment on a feature's flag: its design, its rules, its run and its decision.

    ``rules`` is the decision rules and variant split frozen when the experiment starts, so
    the readout applies what was declared before any data came in.
    """

    __tablename__ = "experiment"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    feature_id: Mapped[int] = mapped_column(
        ForeignKey("feature.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="draft")
    primary_metric: Mapped[str] = mapped_column(String(64))
    secondary_metrics: Mapped[list[str]] = mapped_column(JSON, default=list)
    guardrails: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    minimum_detectable_effect: Mapped[float] = mapped_column(Float)
    alpha: Mapped[float] = mapped_column(Float)
    power: Mapped[float] = mapped_column(Float)
    sequential: Mapped[bool] = mapped_column(default=False)
    minimum_units_per_variant: Mapped[int] = mapped_column(Integer)
    baseline_mean: Mapped[float | None] = mapped_column(Float)
    baseline_variance: Mapped[float | None] = mapped_column(Float)
    expected_daily_units: Mapped[float | None] = mapped_column(Float)
    planned_units_per_variant: Mapped[int | None] = mapped_column(Integer)
    planned_days: Mapped[int | None] = mapped_column(Integer)
    rules: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[datetime | None] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    feature: Mapped[Feature] = relationship(lazy="joined", innerjoin=True)

    @property
    def flag_key(self) -> str:
        """The key of the flag that assigns units: its feature's."""
        return self.feature.key

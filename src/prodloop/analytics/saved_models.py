"""Tables of saved insights and the dashboards that arrange them.

A saved insight is a named query of one insight kind (stored as the JSON its query model
accepts, so relative date ranges stay relative). A dashboard keeps its tiles as an ordered
JSON list of ``{"insight_id", "width"}``, so reordering a dashboard is one audited change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.ledger.models import Feature
from prodloop.store.base import Base, utcnow


class SavedInsight(Base):
    """A named insight query someone chose to keep (and may pin to dashboards)."""

    __tablename__ = "saved_insight"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    query: Mapped[dict[str, Any]] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(320))
    feature_id: Mapped[int | None] = mapped_column(
        ForeignKey("feature.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    feature: Mapped[Feature | None] = relationship(lazy="joined")

    @property
    def feature_key(self) -> str | None:
        """The key of the ledger feature this insight is about, if any."""
        return self.feature.key if self.feature is not None else None


class Dashboard(Base):
    """Saved insights arranged on a page, in order, each half or full width."""

    __tablename__ = "dashboard"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    tiles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

"""Tables the analytics domain keeps in the app store: which events mean a feature was used.

A ledger feature maps to one or more event names, each optionally narrowed by property
values (``{"format": "csv"}``); an event matching any mapping counts as a use of the feature.
Deleting the feature deletes its mappings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.ledger.models import Feature
from prodloop.store.base import Base, utcnow


class FeatureUsageEvent(Base):
    """One event (with optional property filter) that means its feature was used."""

    __tablename__ = "feature_usage_event"
    __table_args__ = (UniqueConstraint("feature_id", "event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feature_id: Mapped[int] = mapped_column(
        ForeignKey("feature.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(200))
    property_filter: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    feature: Mapped[Feature] = relationship()

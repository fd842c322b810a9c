"""Tables of feature flags and the namespaces their experiments share.

A flag belongs to one ledger feature and takes its key from it; deleting the feature deletes
its flag. Variants and rules are stored as JSON in the shape of their schemas
(:class:`~.schemas.Variant`, :class:`~.schemas.Rule`), validated on the way in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prodloop.ledger.models import Feature
from prodloop.store.base import Base, utcnow


class FlagNamespace(Base):
    """A hash space that mutually exclusive experiments divide into slices."""

    __tablename__ = "flag_namespace"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FeatureFlag(Base):
    """A feature's flag: whether it is on, for whom, and in which variants."""

    __tablename__ = "feature_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    feature_id: Mapped[int] = mapped_column(
        ForeignKey("feature.id", ondelete="CASCADE"), unique=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=False)
    unit_type: Mapped[str] = mapped_column(String(16))
    salt: Mapped[str] = mapped_column(String(64))
    coverage: Mapped[float] = mapped_column(Float)
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    namespace_id: Mapped[int | None] = mapped_column(
        ForeignKey("flag_namespace.id", ondelete="RESTRICT"), index=True
    )
    namespace_start: Mapped[float | None] = mapped_column(Float)
    namespace_end: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    feature: Mapped[Feature] = relationship(lazy="joined", innerjoin=True)
    namespace: Mapped[FlagNamespace | None] = relationship(lazy="joined")

    @property
    def key(self) -> str:
        """The flag's key: its feature's."""
        return self.feature.key

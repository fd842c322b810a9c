"""Closing the loop: when a feature launches, everyone who asked hears about it.

The ledger calls :func:`on_feature_launched` when a feature moves to ``launched``. Each
requester gets one outbox message per feature (sent once the launches capability adds
channels), and the items they sent are marked resolved.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.feedback.demand import demand_items, requester_key
from prodloop.feedback.models import FeedbackItem, LaunchNotification
from prodloop.ledger.models import Feature
from prodloop.store.base import utcnow

RESOLVED = "resolved"


class NotificationOut(BaseModel):
    """One outbox message."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    feature_id: int
    recipient: str
    recipient_name: str
    account_id: int | None
    item_ids: list[int]
    subject: str
    body: str
    status: str
    created_at: datetime


def on_feature_launched(
    session: Session, feature: Feature, *, at: datetime | None = None
) -> list[LaunchNotification]:
    """Queue a message for each requester not told yet and resolve their items."""
    when = at or utcnow()
    items = demand_items(session, feature.id)
    asked: dict[str, list[FeedbackItem]] = {}
    for item in items:
        asked.setdefault(requester_key(item), []).append(item)
    told = set(
        session.scalars(
            select(LaunchNotification.recipient).where(LaunchNotification.feature_id == feature.id)
        )
    )
    queued = []
    for recipient, theirs in asked.items():
        for item in theirs:
            if item.status != RESOLVED:
                item.status = RESOLVED
                item.resolved_at = when
        if recipient in told:
            continue
        first = theirs[0]
        name = first.author_name or first.author_email or "there"
        message = LaunchNotification(
            feature_id=feature.id,
            recipient=recipient,
            recipient_name=first.author_name,
            account_id=next((i.account_id for i in theirs if i.account_id), None),
            item_ids=[i.id for i in theirs],
            subject=f"{feature.title} is live",
            body=(
                f"Hi {name},\n\nYou asked us about this ({_quote(first.text)}). "
                f"{feature.title} has launched today. Thank you for telling us what you "
                f"needed.\n"
            ),
            status="pending",
            created_at=when,
        )
        session.add(message)
        queued.append(message)
    session.flush()
    return queued


def outbox(session: Session, *, feature_id: int | None = None) -> list[LaunchNotification]:
    """Queued messages, newest first."""
    query = select(LaunchNotification).order_by(
        LaunchNotification.created_at.desc(), LaunchNotification.id
    )
    if feature_id is not None:
        query = query.where(LaunchNotification.feature_id == feature_id)
    return list(session.scalars(query))


def _quote(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return f"“{flat[:limit]}…”" if len(flat) > limit else f"“{flat}”"

"""Ledger features as the delivery signals see them, with their target-date history.

A feature's target date lives on the ledger row; how it moved lives in the audit log (every
create and update keeps the fields before and after). Reading the log back gives the
re-datings the slip statistics count, so a feature re-dated three times says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.delivery.facts import DueDateChange
from prodloop.delivery.signals import FeatureFacts
from prodloop.ledger.models import AuditEntry, Feature, Person, Team

TARGET_DATE = "target_date"


def _as_date(value: Any) -> date | None:
    """A date the audit log kept as ISO text (None when empty or unreadable)."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def target_date_changes(
    session: Session, feature_ids: Iterable[int]
) -> dict[int, tuple[DueDateChange, ...]]:
    """Per feature id, every time its target date was set, moved or cleared (oldest first)."""
    ids = list(feature_ids)
    changes: dict[int, list[DueDateChange]] = defaultdict(list)
    if not ids:
        return {}
    query = (
        select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.entity_type == "feature", AuditEntry.entity_id.in_(ids))
        .order_by(AuditEntry.entity_id, AuditEntry.at, AuditEntry.id)
    )
    for feature_id, at, before, after in session.execute(query):
        if not after or TARGET_DATE not in after:
            continue
        previous = _as_date((before or {}).get(TARGET_DATE))
        current = _as_date(after.get(TARGET_DATE))
        if previous != current:
            changes[feature_id].append(DueDateChange(at=at, from_date=previous, to_date=current))
    return {feature_id: tuple(moves) for feature_id, moves in changes.items()}


def load_features(session: Session, *, keys: Iterable[str] | None = None) -> list[FeatureFacts]:
    """Ledger features (all, or those with ``keys``) as :class:`FeatureFacts`, by key."""
    query = (
        select(
            Feature.id,
            Feature.key,
            Feature.title,
            Feature.stage,
            Feature.target_date,
            Person.email,
            Team.key,
        )
        .outerjoin(Person, Feature.owner_id == Person.id)
        .outerjoin(Team, Feature.team_id == Team.id)
        .order_by(Feature.key)
    )
    if keys is not None:
        query = query.where(Feature.key.in_(list(keys)))
    rows = session.execute(query).all()
    history = target_date_changes(session, (row[0] for row in rows))
    return [
        FeatureFacts(
            key=key,
            title=title,
            stage=stage,
            target_date=target,
            owner=owner,
            team=team,
            target_changes=history.get(feature_id, ()),
        )
        for feature_id, key, title, stage, target, owner, team in rows
    ]

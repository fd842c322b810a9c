"""Read-only ledger queries the pages need and ``ledger.service`` does not offer (yet).

Each is a candidate for the service layer: the pages keep them here, typed and small, so
that moving them later is a cut-and-paste.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prodloop.ledger.models import Account, AuditEntry, Feature, Person


def feature_tags(db: Session) -> list[str]:
    """Every tag used on any feature, alphabetically."""
    tags: set[str] = set()
    for row in db.execute(select(Feature.tags)).scalars():
        tags.update(row or [])
    return sorted(tags)


def account_plans(db: Session) -> list[str]:
    """The distinct plan names accounts are on."""
    query = select(Account.plan).where(Account.plan != "").distinct().order_by(Account.plan)
    return list(db.execute(query).scalars())


def arr_by_segment(db: Session) -> dict[str, tuple[int, int]]:
    """Total ARR and number of accounts per segment value."""
    rows = db.execute(
        select(Account.segment, func.coalesce(func.sum(Account.arr), 0), func.count()).group_by(
            Account.segment
        )
    ).all()
    return {str(segment): (int(arr), int(count)) for segment, arr, count in rows}


def count_by(db: Session, column: Any) -> dict[int, int]:
    """How many rows share each non-null value of a foreign-key ``column``."""
    rows = db.execute(select(column, func.count()).where(column.is_not(None)).group_by(column))
    return {int(key): int(count) for key, count in rows.all()}


def team_member_counts(db: Session) -> dict[int, int]:
    """Members per team id."""
    return count_by(db, Person.team_id)


def feature_counts(db: Session, column: Any) -> dict[int, int]:
    """Features per owner, team or product area id (pass the Feature column)."""
    return count_by(db, column)


def audit_actors(db: Session) -> list[str]:
    """Everyone who has changed something, alphabetically."""
    query = select(AuditEntry.actor).distinct().order_by(AuditEntry.actor)
    return list(db.execute(query).scalars())


def audit_entity_types(db: Session) -> list[str]:
    """The record types the audit log mentions."""
    query = select(AuditEntry.entity_type).distinct().order_by(AuditEntry.entity_type)
    return list(db.execute(query).scalars())


def names_by_id(db: Session, model: Any, ids: Iterable[int]) -> dict[int, str]:
    """``model.name`` of each existing id in ``ids`` (deleted records are simply absent)."""
    wanted = {i for i in ids if isinstance(i, int)}
    if not wanted:
        return {}
    rows = db.execute(select(model.id, model.name).where(model.id.in_(wanted))).all()
    return {int(i): str(name) for i, name in rows}


def keys_by_id(db: Session, model: Any, ids: Iterable[int]) -> dict[int, str]:
    """``model.key`` of each existing id in ``ids`` (features, teams, product areas)."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = db.execute(select(model.id, model.key).where(model.id.in_(wanted))).all()
    return {int(i): str(key) for i, key in rows}


def existing_ids(db: Session, model: Any, ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` still exist for ``model``."""
    wanted = set(ids)
    if not wanted:
        return set()
    return {int(i) for i in db.execute(select(model.id).where(model.id.in_(wanted))).scalars()}

"""Audited create / update / delete and paged listing, shared by every ledger record type."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, inspect, select
from sqlalchemy.orm import Session

from prodloop.ledger.errors import ConflictError, LedgerError, NotFoundError
from prodloop.ledger.models import AuditEntry
from prodloop.store.base import Base, utcnow

M = TypeVar("M", bound=Base)
T = TypeVar("T")

MAX_PER_PAGE = 500


def snapshot(record: Base) -> dict[str, Any]:
    """The record's column values as JSON-ready data (what the audit log keeps)."""
    values: dict[str, Any] = {}
    for column in inspect(record).mapper.column_attrs:
        value = getattr(record, column.key)
        if isinstance(value, datetime | date):
            value = value.isoformat()
        values[column.key] = value
    for noisy in ("created_at", "updated_at"):
        values.pop(noisy, None)
    return values


def entity_type(record: Base) -> str:
    """The record type's name as the audit log and the API spell it."""
    return str(record.__tablename__)


def _audit(
    session: Session,
    record: Base,
    *,
    action: str,
    actor: str,
    label: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    reason: str | None,
    at: datetime | None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at or utcnow(),
        actor=actor,
        action=action,
        entity_type=entity_type(record),
        entity_id=record.id,  # type: ignore[attr-defined]
        entity_label=label[:300],
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    return entry


def add_record(
    session: Session,
    record: M,
    *,
    actor: str,
    label: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> M:
    """Insert ``record`` and log its creation."""
    if at is not None:
        record.created_at = at  # type: ignore[attr-defined]
        record.updated_at = at  # type: ignore[attr-defined]
    session.add(record)
    session.flush()
    _audit(
        session,
        record,
        action="create",
        actor=actor,
        label=label,
        before=None,
        after=snapshot(record),
        reason=reason,
        at=at,
    )
    return record


def change_record(
    session: Session,
    record: M,
    changes: dict[str, Any],
    *,
    actor: str,
    label: str,
    reason: str | None = None,
    at: datetime | None = None,
) -> M:
    """Apply ``changes`` to ``record`` and log the before and after, if anything changed."""
    before = snapshot(record)
    for name, value in changes.items():
        setattr(record, name, value)
    if at is not None:
        record.updated_at = at  # type: ignore[attr-defined]
    session.flush()
    after = snapshot(record)
    if after != before:
        changed = {k for k in after if after[k] != before.get(k)}
        _audit(
            session,
            record,
            action="update",
            actor=actor,
            label=label,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason=reason,
            at=at,
        )
    return record


def remove_record(
    session: Session, record: Base, *, actor: str, label: str, reason: str | None = None
) -> None:
    """Delete ``record`` and log what it was."""
    before = snapshot(record)
    _audit(
        session,
        record,
        action="delete",
        actor=actor,
        label=label,
        before=before,
        after=None,
        reason=reason,
        at=None,
    )
    session.delete(record)
    session.flush()


def ensure_unique(
    session: Session, column: Any, value: object, *, field: str, exclude_id: int | None = None
) -> None:
    """Raise ConflictError when another record already has ``value`` in ``column``."""
    query = select(column.class_.id).where(column == value)
    if exclude_id is not None:
        query = query.where(column.class_.id != exclude_id)
    if session.execute(query.limit(1)).first() is not None:
        raise ConflictError(f"{field} {value!r} is already taken", field=field)


def get_one(session: Session, model: type[M], column: Any, value: object, *, what: str) -> M:
    """The record of ``model`` whose ``column`` equals ``value``, or NotFoundError."""
    record = session.execute(select(model).where(column == value)).scalar_one_or_none()
    if record is None:
        raise NotFoundError(f"no {what} {value!r}", field=what)
    return record


@dataclass(frozen=True)
class Listing:
    """How a listing is ordered and paged: ``sort`` is a column name, ``-`` for descending."""

    sort: str | None = None
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of records and the total across all pages."""

    items: list[T]
    total: int
    page: int
    per_page: int


def paginate(
    session: Session,
    query: Select[M],
    listing: Listing,
    sortable: Mapping[str, ColumnElement[Any] | Any],
    default_sort: str,
) -> Paged[M]:
    """Sort and page ``query``; unknown sort keys and bad paging are errors naming the field."""
    if listing.page < 1:
        raise LedgerError("page must be 1 or more", field="page")
    if not 1 <= listing.per_page <= MAX_PER_PAGE:
        raise LedgerError(f"per_page must be between 1 and {MAX_PER_PAGE}", field="per_page")
    sort = listing.sort or default_sort
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in sortable:
        raise LedgerError(
            f"cannot sort by {name!r}; choose one of: {', '.join(sorted(sortable))}",
            field="sort",
        )
    column = sortable[name]
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
    ordered = query.order_by(column.desc() if descending else column.asc())
    tiebreak = query.column_descriptions[0]["entity"].id
    ordered = ordered.order_by(tiebreak)
    items = (
        session.execute(
            ordered.offset((listing.page - 1) * listing.per_page).limit(listing.per_page)
        )
        .scalars()
        .all()
    )
    return Paged(
        items=list(items),
        total=int(total.scalar_one()),
        page=listing.page,
        per_page=listing.per_page,
    )

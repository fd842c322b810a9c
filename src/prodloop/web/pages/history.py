"""Audit entries made readable: field names in words, ids as names, links to the record."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.orm import Session

from prodloop.ledger import service
from prodloop.ledger.models import Account, AuditEntry, Feature, Person, ProductArea, Team
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import AuditEntryOut
from prodloop.web.pages import lookups

# Columns that hold a reference, and the table they point at.
REFERENCES: dict[str, type[Person] | type[Team] | type[ProductArea]] = {
    "owner_id": Person,
    "team_id": Team,
    "product_area_id": ProductArea,
}
LABELS = {
    "owner_id": "Owner",
    "team_id": "Team",
    "product_area_id": "Product area",
    "arr": "ARR",
    "stage_changed_at": "In stage since",
    "external_ids": "External ids",
}
HIDDEN = {"id"}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(T|$)")


class FieldChange(BaseModel):
    """One field of an audit entry: its value before and after, as people read them."""

    field: str
    label: str
    before: str | None
    after: str | None


class AuditItem(AuditEntryOut):
    """An audit entry with its changes spelled out and a link to the record, if it exists."""

    changes: list[FieldChange]
    entity_url: str | None


def _text(value: object, names: dict[int, str] | None, tz: str) -> str | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    if names is not None and isinstance(value, int):
        return names.get(value, f"#{value} (deleted)")
    if isinstance(value, list):
        parts = [v.get("label", str(v)) if isinstance(v, dict) else str(v) for v in value]
        return ", ".join(parts)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str) and ISO_DAY.match(value):
        return _moment(value, tz)
    return str(value)


def _moment(value: str, tz: str) -> str:
    """An ISO date or timestamp from a snapshot, as the pages show dates and times."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value).strftime("%d %b %Y")
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(ZoneInfo(tz)).strftime("%d %b %Y %H:%M")


def _changes(entry: AuditEntry, names: dict[str, dict[int, str]], tz: str) -> list[FieldChange]:
    before = entry.before or {}
    after = entry.after or {}
    changes = []
    fields = [*after, *(k for k in before if k not in after)]
    for field in fields:
        if field in HIDDEN or (field == "stage_changed_at" and "stage" in fields):
            continue  # a stage move already says when, through the entry's own time
        lookup = names.get(field)
        old, new = _text(before.get(field), lookup, tz), _text(after.get(field), lookup, tz)
        if old is None and new is None:
            continue
        label = LABELS.get(field, field.replace("_", " ").capitalize())
        changes.append(FieldChange(field=field, label=label, before=old, after=new))
    return changes


def _entity_urls(db: Session, entries: Sequence[AuditEntry]) -> dict[tuple[str, int], str]:
    ids: dict[str, set[int]] = {}
    for entry in entries:
        ids.setdefault(entry.entity_type, set()).add(entry.entity_id)
    urls: dict[tuple[str, int], str] = {}
    for i, key in lookups.keys_by_id(db, Feature, ids.get("feature", ())).items():
        urls["feature", i] = f"/features/{key}"
    for i, key in lookups.keys_by_id(db, Team, ids.get("team", ())).items():
        urls["team", i] = f"/teams/{key}"
    for i, key in lookups.keys_by_id(db, ProductArea, ids.get("product_area", ())).items():
        urls["product_area", i] = f"/features?product_area={key}"
    for i in lookups.existing_ids(db, Person, ids.get("person", ())):
        urls["person", i] = f"/people/{i}"
    for i in lookups.existing_ids(db, Account, ids.get("account", ())):
        urls["account", i] = f"/accounts/{i}"
    return urls


def describe(db: Session, entries: Sequence[AuditEntry], *, tz: str) -> list[AuditItem]:
    """``entries`` as the pages show them, times and references resolved."""
    referenced: dict[str, set[int]] = {field: set() for field in REFERENCES}
    for entry in entries:
        for snapshot in (entry.before or {}, entry.after or {}):
            for field in REFERENCES:
                value = snapshot.get(field)
                if isinstance(value, int):
                    referenced[field].add(value)
    names = {
        field: lookups.names_by_id(db, model, referenced[field])
        for field, model in REFERENCES.items()
    }
    urls = _entity_urls(db, entries)
    return [
        AuditItem(
            **AuditEntryOut.model_validate(entry).model_dump(),
            changes=_changes(entry, names, tz),
            entity_url=urls.get((entry.entity_type, entry.entity_id)),
        )
        for entry in entries
    ]


class Trail(BaseModel):
    """The latest audit entries of one record, and how many there are in all."""

    items: list[AuditItem]
    total: int


def trail_of(db: Session, entity_type: str, entity_id: int, *, tz: str, limit: int = 50) -> Trail:
    """The newest ``limit`` audit entries of one record."""
    paged = service.audit_trail(
        db,
        entity_type=entity_type,
        entity_id=entity_id,
        listing=Listing(sort="-at", per_page=limit),
    )
    return Trail(items=describe(db, paged.items, tz=tz), total=paged.total)

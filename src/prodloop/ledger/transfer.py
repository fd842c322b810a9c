"""The ledger in and out as files: feature CSV import (all or nothing), CSV/JSON export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError, NotFoundError
from prodloop.ledger.models import Feature
from prodloop.ledger.schemas import FeatureIn, FeatureUpdate

FEATURE_COLUMNS = (
    "key",
    "title",
    "description",
    "stage",
    "product_area",
    "owner",
    "team",
    "target_date",
    "launch_date",
    "tags",
    "links",
)
REQUIRED_COLUMNS = ("key", "title")
LIST_SEPARATOR = ";"
LINK_SEPARATOR = "|"


class ImportFileError(LedgerError):
    """A file that cannot be imported; names the row (1 = header) and column at fault."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        where = ", ".join(
            part
            for part in (
                f"row {row}" if row is not None else "",
                f"column {column}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, field=column)
        self.row = row
        self.column = column


@dataclass
class ImportResult:
    """What an import did, by feature key."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _links(cell: str) -> list[dict[str, str]]:
    links = []
    for part in _split(cell):
        label, sep, url = part.partition(LINK_SEPARATOR)
        if not sep:
            label, url = "Link", part
        links.append({"label": label.strip(), "url": url.strip()})
    return links


def parse_features_csv(text: str) -> list[tuple[int, FeatureIn]]:
    """Every row of a feature CSV, validated; the first bad cell raises ImportFileError."""
    text = text.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    if not header:
        raise ImportFileError("the file is empty; expected a header row", row=1)
    unknown = [name for name in header if name not in FEATURE_COLUMNS]
    if unknown:
        raise ImportFileError(
            f"unknown column {unknown[0]!r}; expected some of: {', '.join(FEATURE_COLUMNS)}",
            row=1,
            column=unknown[0],
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(f"missing required column {missing[0]!r}", row=1, column=missing[0])
    rows: list[tuple[int, FeatureIn]] = []
    seen: dict[str, int] = {}
    for row_number, raw in enumerate(reader, start=2):
        if None in raw:
            raise ImportFileError("more cells than header columns", row=row_number)
        cells = {name: (value or "").strip() for name, value in raw.items()}
        if not any(cells.values()):
            continue
        values: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
        if "tags" in values:
            values["tags"] = _split(values["tags"])
        if "links" in values:
            values["links"] = _links(values["links"])
        try:
            feature = FeatureIn.model_validate(values)
        except ValidationError as invalid:
            error = invalid.errors()[0]
            column = str(error["loc"][0]) if error["loc"] else None
            cell = cells.get(column or "", "")
            raise ImportFileError(
                f"{error['msg']} (got {cell!r})", row=row_number, column=column
            ) from None
        if feature.key in seen:
            raise ImportFileError(
                f"key {feature.key!r} already appears in row {seen[feature.key]}",
                row=row_number,
                column="key",
            )
        seen[feature.key] = row_number
        rows.append((row_number, feature))
    return rows


def import_features(session: Session, text: str, *, actor: str) -> ImportResult:
    """Create or update the features in a CSV; any bad row raises before the caller commits.

    Re-importing the same file changes nothing: existing keys are updated in place.
    """
    result = ImportResult()
    for row_number, data in parse_features_csv(text):
        try:
            _upsert(session, data, actor=actor, result=result)
        except ImportFileError:
            raise
        except LedgerError as refused:
            raise ImportFileError(refused.message, row=row_number, column=refused.field) from None
    return result


def _upsert(session: Session, data: FeatureIn, *, actor: str, result: ImportResult) -> None:
    try:
        feature = service.get_feature(session, data.key)
    except NotFoundError:
        service.create_feature(session, data, actor=actor)
        result.created.append(data.key)
        return
    given = data.model_dump(exclude_unset=True, exclude={"key"})
    update = FeatureUpdate.model_validate(given)
    before = export_row(feature)
    service.update_feature(session, feature, update, actor=actor)
    (result.updated if export_row(feature) != before else result.unchanged).append(data.key)


def export_row(feature: Feature) -> dict[str, str]:
    """One feature as a CSV row (the same columns the importer reads)."""
    return {
        "key": feature.key,
        "title": feature.title,
        "description": feature.description,
        "stage": feature.stage,
        "product_area": feature.product_area.key if feature.product_area else "",
        "owner": feature.owner.email if feature.owner else "",
        "team": feature.team.key if feature.team else "",
        "target_date": feature.target_date.isoformat() if feature.target_date else "",
        "launch_date": feature.launch_date.isoformat() if feature.launch_date else "",
        "tags": f"{LIST_SEPARATOR} ".join(feature.tags),
        "links": f"{LIST_SEPARATOR} ".join(
            f"{link['label']}{LINK_SEPARATOR}{link['url']}" for link in feature.links
        ),
    }


def _all_features(session: Session) -> list[Feature]:
    query = (
        select(Feature)
        .options(
            selectinload(Feature.owner),
            selectinload(Feature.team),
            selectinload(Feature.product_area),
            selectinload(Feature.stage_history),
        )
        .order_by(Feature.key)
    )
    return list(session.execute(query).scalars())


def export_features_csv(session: Session) -> str:
    """The whole ledger as CSV, ordered by key."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=FEATURE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for feature in _all_features(session):
        writer.writerow(export_row(feature))
    return out.getvalue()


def export_features_json(session: Session) -> str:
    """The whole ledger as JSON, with each feature's stage history, ordered by key."""
    features = []
    for feature in _all_features(session):
        row: dict[str, Any] = dict(export_row(feature))
        row["tags"] = list(feature.tags)
        row["links"] = list(feature.links)
        row["stage_history"] = [
            {
                "from": change.from_stage,
                "to": change.to_stage,
                "at": change.changed_at.isoformat(),
                "by": change.changed_by,
                "reason": change.reason,
            }
            for change in feature.stage_history
        ]
        features.append(row)
    return json.dumps({"features": features}, indent=2, ensure_ascii=False) + "\n"

"""Idempotent bulk writes: insert rows whose (source, key) is new, update those that differ,
leave the rest alone — in a handful of statements, whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from prodloop.delivery.importers.bulk import bulk_insert, insert_tuples
from prodloop.delivery.schemas import RecordCounts
from prodloop.store.base import Base

CHUNK = 900


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    """``values`` in slices of at most ``size`` (bound-parameter limits differ by backend)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def table_of(model: type[Base]) -> Table:
    """The Core table behind a mapped class."""
    return cast(Table, model.__table__)


@dataclass
class UpsertResult:
    """Counts, the id of every row given (by key), and the ids that were written."""

    counts: RecordCounts
    ids: dict[str, int] = field(default_factory=dict)
    written: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Upsert:
    """How to upsert one table.

    ``key`` names the column unique within a source; rows are compared on ``compare``;
    ``keep`` columns keep their stored value when the new row has None (facts an export
    without history cannot repeat); a row whose ``stale`` column is older than the stored
    one is left alone (an older export never overwrites a newer one).
    """

    model: type[Base]
    key: str
    compare: Sequence[str]
    keep: Sequence[str] = ()
    stale: str | None = None

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        """The mapped attribute called ``name``."""
        attribute: InstrumentedAttribute[Any] = getattr(self.model, name)
        return attribute

    def run(self, session: Session, source_id: int, rows: Sequence[dict[str, Any]]) -> UpsertResult:
        """Write ``rows`` (dicts of column values, without ``id`` / ``source_id``); when a key
        repeats (overlapping pages), the last row wins."""
        rows = list({row[self.key]: row for row in rows}.values())
        stored = self._stored(session, source_id)
        result = UpsertResult(RecordCounts())
        new_rows: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for row in rows:
            old = stored.get(row[self.key])
            if old is None:
                new_rows.append({**row, "source_id": source_id})
                continue
            result.ids[row[self.key]] = old["id"]
            if self._is_stale(row, old) or all(row[c] == old[c] for c in self.compare):
                result.counts.unchanged += 1
                continue
            merged = {**row, "id": old["id"]}
            for name in self.keep:
                if merged.get(name) is None:
                    merged[name] = old[name]
            changed.append(merged)
        self._write(session, new_rows, changed)
        result.counts.created, result.counts.updated = len(new_rows), len(changed)
        result.written = [row["id"] for row in changed]
        if new_rows:
            keys = {row[self.key] for row in new_rows}
            for key, row_id in self._ids(session, source_id):
                if key in keys:
                    result.ids[key] = row_id
                    result.written.append(row_id)
        return result

    def _is_stale(self, row: dict[str, Any], old: dict[str, Any]) -> bool:
        if self.stale is None:
            return False
        new_at, old_at = row.get(self.stale), old.get(self.stale)
        return new_at is not None and old_at is not None and new_at < old_at

    def _stored(self, session: Session, source_id: int) -> dict[Any, dict[str, Any]]:
        names = ["id", self.key, *self.compare, *self.keep]
        if self.stale:
            names.append(self.stale)
        names = list(dict.fromkeys(names))
        query = select(*(self.column(n) for n in names)).where(
            self.column("source_id") == source_id
        )
        return {row[1]: dict(zip(names, row, strict=True)) for row in session.execute(query)}

    def _ids(self, session: Session, source_id: int) -> list[tuple[Any, int]]:
        query = select(self.column(self.key), self.column("id")).where(
            self.column("source_id") == source_id
        )
        return list(session.execute(query))

    def _write(
        self, session: Session, new_rows: list[dict[str, Any]], changed: list[dict[str, Any]]
    ) -> None:
        # Core statements: one executemany per chunk (the ORM bulk path may go row by row).
        table = table_of(self.model)
        for part in chunks(new_rows, 20000):
            bulk_insert(session, table, part)
        if not changed:
            return
        names = [name for name in changed[0] if name != "id"]
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(name) for name in names})
        )
        for part in chunks(changed, 5000):
            params = [{**{n: row[n] for n in names}, "row_id": row["id"]} for row in part]
            session.execute(statement, params)


def replace_children(
    session: Session,
    model: type[Base],
    parent_column: str,
    parent_ids: Sequence[int],
    names: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Delete the children of ``parent_ids`` and insert ``rows`` (tuples of ``names``)."""
    column: InstrumentedAttribute[int] = getattr(model, parent_column)
    for part in chunks(parent_ids):
        session.execute(delete(table_of(model)).where(column.in_(part)))
    for part in chunks(rows, 20000):
        insert_tuples(session, table_of(model), names, part)

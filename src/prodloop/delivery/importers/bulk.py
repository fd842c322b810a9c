"""Fast bulk INSERT for large imports.

SQLAlchemy converts every value of every row through its type machinery, which dominates an
import of 100,000 work items. Here each column's conversion is chosen once and rows go to the
driver in one ``executemany``, in exactly the representation SQLAlchemy itself stores: on
SQLite naive-UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` text for ``UTCDateTime``, ISO dates and JSON
text; on PostgreSQL aware datetimes and JSON cast from text. Other backends use a Core insert.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Table, insert
from sqlalchemy.orm import Session

from prodloop.store.base import UTCDateTime

Convert = Callable[[Any], Any]
FAST_DIALECTS = ("sqlite", "postgresql")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not stored; attach a time zone")
    return value.astimezone(UTC)


def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = _aware(value)
    return value.isoformat(" ", "microseconds")[:26]  # drops the "+00:00"


def _postgres_datetime(value: datetime | None) -> datetime | None:
    return None if value is None else _aware(value)


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _json(value: Any) -> str:
    return json.dumps(value)


def _converter(column_type: Any, dialect: str) -> Convert | None:
    if isinstance(column_type, UTCDateTime):
        return _sqlite_datetime if dialect == "sqlite" else _postgres_datetime
    if isinstance(column_type, JSON):
        return _json
    if isinstance(column_type, Date) and dialect == "sqlite":
        return _sqlite_date
    return None


def _defaults(table: Table, present: Sequence[str], count: int) -> dict[str, list[Any]]:
    """Columns of Python-side defaults for the columns ``present`` leaves out."""
    filled: dict[str, list[Any]] = {}
    for column in table.columns:
        if column.name in present or column.default is None or column.primary_key:
            continue
        default: Any = column.default
        if default.is_callable:
            filled[column.name] = [default.arg(None) for _ in range(count)]
        else:
            filled[column.name] = [default.arg] * count
    return filled


def insert_columns(session: Session, table: Table, columns: dict[str, list[Any]]) -> None:
    """Insert rows given column by column (equal-length lists) in one executemany."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = {**columns, **_defaults(table, list(columns), count)}
    if dialect.name not in FAST_DIALECTS:
        names = list(columns)
        rows = [
            dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
        ]
        connection.execute(insert(table), rows)
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    marks, values = [], []
    for name, column_values in columns.items():
        column_type = table.c[name].type
        json_cast = dialect.name == "postgresql" and isinstance(column_type, JSON)
        marks.append(f"CAST({mark} AS JSON)" if json_cast else mark)
        convert = _converter(column_type, dialect.name)
        values.append(column_values if convert is None else list(map(convert, column_values)))
    quote = dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in columns)}) VALUES ({', '.join(marks)})"
    )
    connection.exec_driver_sql(sql, list(zip(*values, strict=True)))


def insert_tuples(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert rows given as tuples of the columns ``names``."""
    if rows:
        transposed = zip(*rows, strict=True)
        insert_columns(session, table, {n: list(v) for n, v in zip(names, transposed, strict=True)})


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) in one executemany."""
    if rows:
        insert_columns(session, table, {name: [row[name] for row in rows] for name in rows[0]})

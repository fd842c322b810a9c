"""Where insight SQL runs: an engine exposes ``person_events``, ``persons`` and ``accounts``.

:class:`DuckDBEngine` wraps a DuckDB connection that already has the three relations (the
event lake provides them for real data; :func:`memory_engine` builds them from Python rows
for tests and notebooks). The Spark engine offers the same two members.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import duckdb

from prodloop.analytics.query.dialect import DUCKDB, Dialect

#: ``person_events`` columns and their DuckDB types, in order.
PERSON_EVENT_COLUMNS: dict[str, str] = {
    "uuid": "VARCHAR",
    "event": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "distinct_id": "VARCHAR",
    "person_id": "VARCHAR",
    "account_id": "VARCHAR",
    "properties": "JSON",
    "current_url": "VARCHAR",
    "browser": "VARCHAR",
    "os": "VARCHAR",
    "lib": "VARCHAR",
}
PERSON_COLUMNS: dict[str, str] = {"person_id": "VARCHAR", "properties": "JSON"}
ACCOUNT_COLUMNS: dict[str, str] = {
    "account_id": "VARCHAR",
    "name": "VARCHAR",
    "segment": "VARCHAR",
    "arr": "DOUBLE",
    "arr_band": "VARCHAR",
}


class Engine(Protocol):
    """Runs insight SQL written in its dialect."""

    @property
    def dialect(self) -> Dialect:
        """How this engine spells the functions engines disagree on."""

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows ``sql`` returns."""


@dataclass
class DuckDBEngine:
    """An engine over a DuckDB connection holding the three relations."""

    connection: duckdb.DuckDBPyConnection
    dialect: Dialect = DUCKDB

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows ``sql`` returns."""
        return self.connection.execute(sql).fetchall()


def _create(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: Mapping[str, str],
    rows: Iterable[Mapping[str, Any]],
) -> None:
    con.execute(
        f"CREATE TABLE {name} (" + ", ".join(f'"{c}" {t}' for c, t in columns.items()) + ")"
    )
    values = [
        tuple(
            json.dumps(row.get(column) or {}) if kind == "JSON" else row.get(column)
            for column, kind in columns.items()
        )
        for row in rows
    ]
    if values:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {name} VALUES ({marks})", values)


def memory_engine(
    events: Sequence[Mapping[str, Any]],
    persons: Sequence[Mapping[str, Any]] = (),
    accounts: Sequence[Mapping[str, Any]] = (),
) -> DuckDBEngine:
    """An in-memory engine whose relations hold exactly the given rows.

    Event rows need ``event``, ``timestamp`` (aware datetime) and ``person_id``; the other
    columns default to NULL (``distinct_id`` to the person, ``uuid`` to a running number).
    """
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    filled = []
    for number, row in enumerate(events):
        timestamp = row["timestamp"]
        if not isinstance(timestamp, datetime) or timestamp.tzinfo is None:
            raise ValueError(f"events[{number}].timestamp must be an aware datetime")
        filled.append(
            {
                "uuid": str(number),
                "distinct_id": row["person_id"],
                **row,
            }
        )
    _create(con, "person_events", PERSON_EVENT_COLUMNS, filled)
    _create(con, "persons", PERSON_COLUMNS, persons)
    _create(con, "accounts", ACCOUNT_COLUMNS, accounts)
    return DuckDBEngine(con)

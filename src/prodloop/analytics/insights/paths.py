"""Paths: what people do right after, and right before, an event.

Definitions (the brute-force reference in the tests follows them):

* A person's events in the local date range (passing ``filters``, without ``exclude_events``)
  are ordered by timestamp, then ``uuid``, and cut into **sessions** wherever two consecutive
  events are more than ``inactivity_minutes`` apart.
* Around every occurrence of ``event`` in a session, the events ``1 … steps`` positions later
  (``next``) and earlier (``previous``) are counted, each occurrence separately (an event
  repeated in a session is walked from each time).
* ``next`` / ``previous`` list, for each distance, the ``limit`` most frequent events there.
  ``edges`` are sankey links between consecutive positions: for ``next``, distance ``d``
  links the event at ``d-1`` (the event itself at 0) to the one at ``d``; for ``previous``
  it links the event at ``-d`` to the one at ``-d+1``. Events outside a distance's top
  ``limit`` are grouped as ``$other`` in the edges.

One SQL statement numbers each person's events, marks session starts with ``LAG``, and reads
the neighbours with ``LEAD`` / ``LAG`` — no self-joins (``result.sql``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodloop.analytics.insights.filters import PropertyFilter, filters_sql, joins_sql
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import local_range
from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.analytics.query.engine import Engine

Direction = Literal["next", "previous"]
OTHER = "$other"
MAX_STEPS = 10


def _event_name(value: str) -> str:
    value = value.strip()
    if not value or any(ord(char) < 32 for char in value):
        raise ValueError("event must be a non-empty printable name")
    return value


class PathsQuery(BaseModel):
    """The paths into and out of ``event`` over local dates ``date_from`` … ``date_to``."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(min_length=1, max_length=200)
    date_from: date
    date_to: date
    #: How many positions away from the event to look, each way.
    steps: int = Field(default=3, ge=1, le=MAX_STEPS)
    #: Events kept per distance (the rest are ``$other`` in the edges).
    limit: int = Field(default=10, ge=1, le=100)
    #: A gap longer than this starts a new session.
    inactivity_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    filters: list[PropertyFilter] = Field(default_factory=list)
    #: Event names left out of the paths altogether (noise such as ``$pageleave``).
    exclude_events: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("event")
    @classmethod
    def _name(cls, value: str) -> str:
        return _event_name(value)

    @model_validator(mode="after")
    def _check(self) -> PathsQuery:
        if self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        if self.event in self.exclude_events:
            raise ValueError("exclude_events must not hold the event itself")
        return self


class PathEvent(BaseModel):
    """``count`` occurrences had ``event`` at ``distance`` positions away."""

    distance: int
    event: str
    count: int


class PathEdge(BaseModel):
    """A sankey link: ``source`` then ``target`` at ``distance`` (see the module notes)."""

    direction: Direction
    distance: int
    source: str
    target: str
    count: int


class PathsResult(BaseModel):
    """Top events after and before ``event``, sankey edges, and the SQL."""

    event: str
    occurrences: int
    sessions: int
    next: list[PathEvent]
    previous: list[PathEvent]
    edges: list[PathEdge]
    sql: str


def paths_sql(query: PathsQuery, dialect: Dialect, tz: str) -> str:
    """One statement: occurrences, sessions, and every (direction, distance, source, target)."""
    start, end = local_range(query.date_from, query.date_to, tz)
    order = "PARTITION BY unit ORDER BY ts, uuid"
    in_session = "PARTITION BY unit, session ORDER BY ts, uuid"
    gap = f"INTERVAL {query.inactivity_minutes * 60} SECOND"
    where = [
        f"e.timestamp >= {dialect.timestamp(start.isoformat())}",
        f"e.timestamp < {dialect.timestamp(end.isoformat())}",
        "e.person_id IS NOT NULL",
        filters_sql(query.filters, dialect),
    ]
    if query.exclude_events:
        names = ", ".join(quote_literal(name) for name in query.exclude_events)
        where.append(f"e.event NOT IN ({names})")
    neighbours = [
        f"LEAD(event, {d}) OVER ({in_session}) AS n{d}" for d in range(1, query.steps + 1)
    ] + [f"LAG(event, {d}) OVER ({in_session}) AS p{d}" for d in range(1, query.steps + 1)]
    parts = [
        "SELECT 'occurrences' AS direction, 0 AS distance, CAST(NULL AS VARCHAR) AS source,"
        " CAST(NULL AS VARCHAR) AS target, COUNT(*) AS n FROM focal",
        "SELECT 'sessions', 0, NULL, NULL, COUNT(*) FROM"
        " (SELECT DISTINCT unit, session FROM focal) s",
    ]
    for d in range(1, query.steps + 1):
        source = "event" if d == 1 else f"n{d - 1}"
        parts.append(
            f"SELECT 'next', {d}, {source}, n{d}, COUNT(*) FROM focal"
            f" WHERE n{d} IS NOT NULL GROUP BY {source}, n{d}"
        )
        target = "event" if d == 1 else f"p{d - 1}"
        parts.append(
            f"SELECT 'previous', {d}, p{d}, {target}, COUNT(*) FROM focal"
            f" WHERE p{d} IS NOT NULL GROUP BY p{d}, {target}"
        )
    return (
        "WITH ev AS (\n"
        "  SELECT e.person_id AS unit, e.timestamp AS ts, e.uuid AS uuid, e.event AS event\n"
        f"  FROM person_events e {joins_sql(query.filters)}\n"
        "  WHERE " + "\n    AND ".join(where) + "\n),\n"
        "marked AS (\n"
        f"  SELECT *, CASE WHEN LAG(ts) OVER ({order}) IS NULL\n"
        f"    OR ts > LAG(ts) OVER ({order}) + {gap} THEN 1 ELSE 0 END AS new_session\n"
        "  FROM ev\n),\n"
        "sessioned AS (\n"
        f"  SELECT *, SUM(new_session) OVER ({order} ROWS UNBOUNDED PRECEDING) AS session\n"
        "  FROM marked\n),\n"
        "around AS (\n"
        "  SELECT unit, session, event,\n    " + ",\n    ".join(neighbours) + "\n"
        "  FROM sessioned\n),\n"
        f"focal AS (SELECT * FROM around WHERE event = {quote_literal(query.event)})\n"
        + "\nUNION ALL\n".join(parts)
    )


def run_paths(engine: Engine, query: PathsQuery, *, tz: str) -> PathsResult:
    """The paths around ``query.event`` over ``engine``'s events, dates in the time zone ``tz``."""
    sql = paths_sql(query, engine.dialect, tz)
    occurrences = sessions = 0
    raw: dict[tuple[Direction, int, str, str], int] = {}
    for direction, distance, source, target, count in engine.fetch(sql):
        if direction == "occurrences":
            occurrences = int(count)
        elif direction == "sessions":
            sessions = int(count)
        else:
            raw[direction, int(distance), str(source), str(target)] = int(count)
    # How many times each event sits at each signed position (next: +d, previous: -d).
    at: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (direction, distance, source, target), count in raw.items():
        if direction == "next":
            at[distance][target] += count
        else:
            at[-distance][source] += count
    top: dict[int, set[str]] = {0: {query.event}}
    lists: dict[int, list[PathEvent]] = {}
    for position, counts in at.items():
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: query.limit]
        top[position] = {name for name, _ in ranked}
        lists[position] = [
            PathEvent(distance=abs(position), event=name, count=count) for name, count in ranked
        ]

    def node(position: int, name: str) -> str:
        return name if name in top.get(position, set()) else OTHER

    edges: dict[tuple[Direction, int, str, str], int] = defaultdict(int)
    for (direction, distance, source, target), count in raw.items():
        key: tuple[Direction, int, str, str] = (
            (direction, distance, node(distance - 1, source), node(distance, target))
            if direction == "next"
            else (direction, distance, node(-distance, source), node(-distance + 1, target))
        )
        edges[key] += count
    return PathsResult(
        event=query.event,
        occurrences=occurrences,
        sessions=sessions,
        next=[item for d in range(1, query.steps + 1) for item in lists.get(d, [])],
        previous=[item for d in range(1, query.steps + 1) for item in lists.get(-d, [])],
        edges=[
            PathEdge(direction=k[0], distance=k[1], source=k[2], target=k[3], count=count)
            for k, count in sorted(
                edges.items(), key=lambda item: (*item[0][:2], -item[1], *item[0][2:])
            )
        ],
        sql=sql,
    )


KIND = register(
    InsightKind(
        kind="paths",
        title="Paths",
        description="The most common events after and before an event, within sessions split "
        "on inactivity, as top lists and sankey edges.",
        query_model=PathsQuery,
        run=run_paths,
        chart="paths",
        result_model=PathsResult,
    )
)

"""Stickiness: of the actors who did an event in the range, in how many intervals they did it.

For each series, ``values[n - 1]`` is the number of actors (persons, or accounts with
``count_by="account"``) who did the event in exactly ``n`` of the range's buckets (local
hours / days / weeks / months in the workspace zone), ``n`` from 1 to the number of buckets.
Partial weeks or months at the range's ends count as buckets, as PostHog counts them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from prodloop.analytics.insights.filters import PropertyFilter, joins_sql
from prodloop.analytics.insights.ranges import (
    Actor,
    EventSeries,
    InsightRange,
    actor_sql,
    check_time_zone,
    instant_sql,
    match_sql,
    series_name,
)
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import Interval, bucket_labels, local_range
from prodloop.analytics.query.dialect import Dialect
from prodloop.analytics.query.engine import Engine

MAX_SERIES = 10


class StickinessQuery(InsightRange):
    """A stickiness insight: event series over a range, bucketed by ``interval``."""

    model_config = ConfigDict(extra="forbid")

    series: list[EventSeries] = Field(min_length=1, max_length=MAX_SERIES)
    filters: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    count_by: Actor = "person"


class StickinessLine(BaseModel):
    """One series: how many actors were active in exactly 1, 2, … intervals."""

    label: str
    series: int
    event: str | None
    values: list[int]
    total: int


class StickinessResult(BaseModel):
    """Lines over ``intervals`` (1 … the number of buckets in the range)."""

    date_from: date
    date_to: date
    interval: Interval
    tz: str
    count_by: Literal["person", "account"]
    intervals: list[int]
    lines: list[StickinessLine]
    sql: str


def stickiness_sql(query: StickinessQuery, index: int, dialect: Dialect, tz: str) -> str:
    """SQL returning ``(intervals, actors)`` for series ``index``."""
    series = query.series[index]
    begin, finish = local_range(query.date_from, query.date_to, tz)
    actor = actor_sql(query.count_by)
    return (
        "WITH active AS (SELECT actor, count(DISTINCT bucket) AS intervals FROM ("
        f"SELECT {actor} AS actor, {dialect.bucket('e.timestamp', query.interval, tz)} AS bucket "
        f"FROM person_events e {joins_sql([*query.filters, *series.filters])} "
        f"WHERE e.timestamp >= {instant_sql(begin, dialect)} "
        f"AND e.timestamp < {instant_sql(finish, dialect)} AND {actor} IS NOT NULL "
        f"AND {match_sql(series, query.filters, dialect)}) AS events GROUP BY actor) "
        "SELECT intervals, count(*) AS actors FROM active GROUP BY intervals ORDER BY intervals"
    )


def run_stickiness(engine: Engine, query: StickinessQuery, *, tz: str) -> StickinessResult:
    """Compute a stickiness insight over ``engine`` in time zone ``tz``."""
    check_time_zone(tz)
    width = len(bucket_labels(query.date_from, query.date_to, query.interval, tz))
    lines, statements = [], []
    for index, series in enumerate(query.series):
        sql = stickiness_sql(query, index, engine.dialect, tz)
        statements.append(sql)
        values = [0] * width
        for intervals, actors in engine.fetch(sql):
            values[int(intervals) - 1] = int(actors)
        lines.append(
            StickinessLine(
                label=series_name(series),
                series=index,
                event=series.event,
                values=values,
                total=sum(values),
            )
        )
    return StickinessResult(
        date_from=query.date_from,
        date_to=query.date_to,
        interval=query.interval,
        tz=tz,
        count_by=query.count_by,
        intervals=list(range(1, width + 1)),
        lines=lines,
        sql=";\n\n".join(statements),
    )


KIND = register(
    InsightKind(
        kind="stickiness",
        title="Stickiness",
        description="How many days (weeks, months) in the range each active person or "
        "account did the event.",
        query_model=StickinessQuery,
        run=run_stickiness,
        chart="stickiness",
        result_model=StickinessResult,
    )
)

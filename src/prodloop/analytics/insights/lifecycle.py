"""Lifecycle: each bucket's active actors split into new, returning and resurrecting, plus dormant.

For an event (with filters) and each bucket ``b`` of the range, with ``b'`` the bucket just
before it (local hours / days / weeks / months in the workspace zone), an actor is:

* ``new`` — active in ``b`` and never before (their first matching event ever is in ``b``);
* ``returning`` — active in ``b`` and in ``b'``;
* ``resurrecting`` — active in ``b``, not in ``b'``, but active in some bucket before ``b'``;
* ``dormant`` — active in ``b'`` but not in ``b``; shown as a negative count, as PostHog does.

History before ``date_from`` counts (to tell new from resurrecting, and for the first
bucket's ``b'``); events after ``date_to`` do not. Buckets are whole: when ``date_from`` falls
mid-week (mid-month), the first week's (month's) activity includes its days before
``date_from``.
"""

from __future__ import annotations

from datetime import date, datetime
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
    local_sql,
    match_sql,
    previous_label,
)
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import Interval, bucket_labels, local_range
from prodloop.analytics.query.dialect import Dialect
from prodloop.analytics.query.engine import Engine

Status = Literal["new", "returning", "resurrecting", "dormant"]
STATUSES: tuple[Status, ...] = ("new", "returning", "resurrecting", "dormant")


class LifecycleQuery(InsightRange):
    """A lifecycle insight for one event (``None`` = any event) and its filters."""

    model_config = ConfigDict(extra="forbid")

    event: str | None = Field(default=None, max_length=400)
    filters: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    count_by: Actor = "person"


class LifecycleLine(BaseModel):
    """One status over the buckets (dormant values are zero or negative)."""

    status: Status
    label: str
    values: list[int]
    total: int


class LifecycleResult(BaseModel):
    """The four status lines over bucket labels (naive local times)."""

    date_from: date
    date_to: date
    interval: Interval
    tz: str
    count_by: Literal["person", "account"]
    labels: list[datetime]
    lines: list[LifecycleLine]
    sql: str


def lifecycle_sql(query: LifecycleQuery, dialect: Dialect, tz: str) -> str:
    """SQL returning ``(bucket, status, actors)`` rows."""
    _begin, finish = local_range(query.date_from, query.date_to, tz)
    labels = bucket_labels(query.date_from, query.date_to, query.interval, tz)
    periods = ", ".join(
        f"({local_sql(label)}, {local_sql(previous_label(label, query.interval, tz))})"
        for label in labels
    )
    actor = actor_sql(query.count_by)
    series = EventSeries(event=query.event)
    return (
        "WITH activity AS (SELECT DISTINCT "
        f"{actor} AS actor, {dialect.bucket('e.timestamp', query.interval, tz)} AS bucket "
        f"FROM person_events e {joins_sql(query.filters)} "
        f"WHERE e.timestamp < {instant_sql(finish, dialect)} AND {actor} IS NOT NULL "
        f"AND {match_sql(series, query.filters, dialect)}), "
        "firsts AS (SELECT actor, min(bucket) AS first_bucket FROM activity GROUP BY actor), "
        f"periods AS (SELECT * FROM (VALUES {periods}) AS v(bucket, previous)), "
        "statuses AS (SELECT p.bucket, CASE WHEN f.first_bucket = p.bucket THEN 'new' "
        "WHEN prev.actor IS NOT NULL THEN 'returning' ELSE 'resurrecting' END AS status "
        "FROM periods p JOIN activity cur ON cur.bucket = p.bucket "
        "JOIN firsts f ON f.actor = cur.actor "
        "LEFT JOIN activity prev ON prev.actor = cur.actor AND prev.bucket = p.previous "
        "UNION ALL "
        "SELECT p.bucket, 'dormant' AS status FROM periods p "
        "JOIN activity prev ON prev.bucket = p.previous "
        "LEFT JOIN activity cur ON cur.actor = prev.actor AND cur.bucket = p.bucket "
        "WHERE cur.actor IS NULL) "
        "SELECT bucket, status, count(*) AS actors FROM statuses GROUP BY bucket, status"
    )


def run_lifecycle(engine: Engine, query: LifecycleQuery, *, tz: str) -> LifecycleResult:
    """Compute a lifecycle insight over ``engine`` in time zone ``tz``."""
    check_time_zone(tz)
    labels = bucket_labels(query.date_from, query.date_to, query.interval, tz)
    position = {label: i for i, label in enumerate(labels)}
    sql = lifecycle_sql(query, engine.dialect, tz)
    values: dict[str, list[int]] = {status: [0] * len(labels) for status in STATUSES}
    for bucket, status, actors in engine.fetch(sql):
        sign = -1 if status == "dormant" else 1
        values[str(status)][position[bucket]] = sign * int(actors)
    lines = [
        LifecycleLine(
            status=status,
            label=status.capitalize(),
            values=values[status],
            total=sum(values[status]),
        )
        for status in STATUSES
    ]
    return LifecycleResult(
        date_from=query.date_from,
        date_to=query.date_to,
        interval=query.interval,
        tz=tz,
        count_by=query.count_by,
        labels=labels,
        lines=lines,
        sql=sql,
    )


KIND = register(
    InsightKind(
        kind="lifecycle",
        title="Lifecycle",
        description="New, returning, resurrecting and dormant persons or accounts per interval.",
        query_model=LifecycleQuery,
        run=run_lifecycle,
        chart="lifecycle",
        result_model=LifecycleResult,
    )
)

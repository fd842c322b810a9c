"""Retention: of the units that did a start event in a period, how many come back later.

Definitions (PostHog's; the brute-force reference in the tests follows them):

* Periods are local ``day`` / ``week`` (Monday) / ``month`` buckets in the workspace time
  zone; the cohorts are the buckets of ``date_from`` … ``date_to``.
* ``first_time``: a unit belongs to the cohort of the first start event it *ever* did (all
  history counts, so a unit that did it before ``date_from`` is in no cohort).
  ``recurring``: a unit belongs to the cohort of every bucket in the range in which it did
  the start event.
* Period ``k`` of a cohort is the bucket ``k`` intervals after it; period 0 is the cohort's
  size. A cohort member is retained in period ``k`` ≥ 1 when it did the return event in that
  very bucket (``on``) or in that bucket or any later one up to the end of the range
  (``on_or_after``, "rolling" retention). Only buckets inside the range are counted, so a
  cohort has periods up to the end of the range only.
* The average curve at period ``k`` is the retained units over the cohort sizes, summed over
  the cohorts that had the chance to reach period ``k`` (weighted by size).
* Breakdown: the value at the unit's first start event in its cohort bucket.

The SQL filters to the start and return events, picks cohort members with one window
function and joins them to the distinct (unit, bucket) returns; see ``result.sql``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodloop.analytics.insights.filters import (
    Breakdown,
    PropertyFilter,
    breakdown_sql,
    filters_sql,
    joins_sql,
)
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import bucket_labels, local_range
from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.analytics.query.engine import Engine

Unit = Literal["person", "account"]
RetentionKind = Literal["first_time", "recurring"]
RetentionMode = Literal["on", "on_or_after"]
RetentionInterval = Literal["day", "week", "month"]

MAX_PERIODS = 60
BREAKDOWN_LIMIT = 25
OTHER = "$other"


class RetentionEvent(BaseModel):
    """An event name, optionally narrowed by property filters."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(min_length=1, max_length=200)
    properties: list[PropertyFilter] = Field(default_factory=list)

    @field_validator("event")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value or any(ord(char) < 32 for char in value):
            raise ValueError("event must be a non-empty printable name")
        return value


class RetentionQuery(BaseModel):
    """Retention of units doing ``start_event`` and coming back with ``return_event``."""

    model_config = ConfigDict(extra="forbid")

    start_event: RetentionEvent
    return_event: RetentionEvent
    date_from: date
    date_to: date
    kind: RetentionKind = "first_time"
    mode: RetentionMode = "on"
    interval: RetentionInterval = "week"
    #: Periods shown, period 0 (the cohort itself) included.
    periods: int = Field(default=8, ge=2, le=MAX_PERIODS)
    unit: Unit = "person"
    filters: list[PropertyFilter] = Field(default_factory=list)
    breakdown: Breakdown | None = None
    breakdown_limit: int = Field(default=BREAKDOWN_LIMIT, ge=1, le=500)

    @model_validator(mode="after")
    def _check(self) -> RetentionQuery:
        if self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        return self


class RetentionCohort(BaseModel):
    """One cohort row: its bucket, size and the retained units of periods 0, 1, …

    ``counts`` stops at the last period inside the range (period 0 is the size).
    """

    cohort: datetime
    size: int
    counts: list[int]
    rates: list[float | None]


class RetentionPoint(BaseModel):
    """The size-weighted average retention at ``period`` over the cohorts that reached it."""

    period: int
    retained: int
    cohort_size: int
    cohorts: int
    rate: float | None


class RetentionSeries(BaseModel):
    """Cohorts and average curve for one breakdown value (``None``: property absent)."""

    breakdown_value: str | None
    cohorts: list[RetentionCohort]
    average: list[RetentionPoint]


class RetentionResult(BaseModel):
    """The cohort table and average curve (overall and per breakdown value), with its SQL."""

    kind: RetentionKind
    mode: RetentionMode
    interval: RetentionInterval
    unit: Unit
    date_from: date
    date_to: date
    periods: int
    cohorts: list[RetentionCohort]
    average: list[RetentionPoint]
    breakdown: list[RetentionSeries]
    sql: str


# --- SQL -------------------------------------------------------------------------------------


def _condition(item: RetentionEvent, dialect: Dialect) -> str:
    return f"(e.event = {quote_literal(item.event)} AND {filters_sql(item.properties, dialect)})"


def retention_sql(query: RetentionQuery, dialect: Dialect, tz: str) -> str:
    """One statement: cohort sizes (``part = 'size'``) and retained counts (``'ret'``)."""
    start, end = local_range(query.date_from, query.date_to, tz)
    unit = "e.person_id" if query.unit == "person" else "e.account_id"
    start_sql, end_sql = dialect.timestamp(start.isoformat()), dialect.timestamp(end.isoformat())
    begin, back = _condition(query.start_event, dialect), _condition(query.return_event, dialect)
    everything = [*query.filters, *query.start_event.properties, *query.return_event.properties]
    bd = (
        f"CAST({breakdown_sql(query.breakdown, dialect)} AS VARCHAR)"
        if query.breakdown is not None
        else "CAST(NULL AS VARCHAR)"
    )
    bucket = dialect.bucket("ts", query.interval, tz)
    if query.kind == "first_time":
        members = (
            "  SELECT unit, ts, bd FROM (\n"
            "    SELECT unit, ts, bd,"
            " ROW_NUMBER() OVER (PARTITION BY unit ORDER BY ts, uuid) AS rn\n"
            "    FROM ev WHERE is_start = 1\n"
            f"  ) firsts WHERE rn = 1 AND ts >= {start_sql}"
        )
    else:
        members = (
            "  SELECT unit, ts, bd FROM (\n"
            "    SELECT unit, ts, bd,"
            f" ROW_NUMBER() OVER (PARTITION BY unit, {bucket} ORDER BY ts, uuid) AS rn\n"
            f"    FROM ev WHERE is_start = 1 AND ts >= {start_sql}\n"
            "  ) firsts WHERE rn = 1"
        )
    if query.interval == "month":
        distance = "DATE_DIFF('month', c.cohort, r.bucket)"
    elif query.interval == "week":
        distance = "CAST(DATE_DIFF('day', c.cohort, r.bucket) / 7 AS BIGINT)"
    else:
        distance = "DATE_DIFF('day', c.cohort, r.bucket)"
    return (
        "WITH ev AS (\n"
        f"  SELECT {unit} AS unit, e.timestamp AS ts, e.uuid AS uuid, {bd} AS bd,\n"
        f"    CASE WHEN {begin} THEN 1 ELSE 0 END AS is_start,\n"
        f"    CASE WHEN {back} THEN 1 ELSE 0 END AS is_return\n"
        f"  FROM person_events e {joins_sql(everything, query.breakdown)}\n"
        f"  WHERE e.timestamp < {end_sql} AND {unit} IS NOT NULL\n"
        f"    AND {filters_sql(query.filters, dialect)} AND ({begin} OR {back})\n"
        "),\n"
        "members AS (\n" + members + "\n),\n"
        f"cohorts AS (SELECT unit, {bucket} AS cohort, bd FROM members),\n"
        "returns AS (\n"
        f"  SELECT DISTINCT unit, {bucket} AS bucket FROM ev\n"
        f"  WHERE is_return = 1 AND ts >= {start_sql}\n"
        "),\n"
        "periods AS (\n"
        f"  SELECT c.unit, c.cohort, c.bd, {distance} AS k\n"
        "  FROM cohorts c JOIN returns r ON r.unit = c.unit AND r.bucket > c.cohort\n"
        "),\n"
        # on: every period with a return; on or after: the furthest one (cumulated later).
        "counted AS (\n"
        + (
            "  SELECT cohort, bd, k FROM periods\n"
            if query.mode == "on"
            else "  SELECT cohort, bd, MAX(k) AS k FROM periods GROUP BY unit, cohort, bd\n"
        )
        + ")\n"
        "SELECT 'size' AS part, bd, CAST(cohort AS VARCHAR) AS cohort, 0 AS k, COUNT(*) AS n\n"
        "FROM cohorts GROUP BY bd, cohort\n"
        "UNION ALL\n"
        "SELECT 'ret', bd, CAST(cohort AS VARCHAR), k, COUNT(*)\n"
        + (f"FROM counted WHERE k < {query.periods}\n" if query.mode == "on" else "FROM counted\n")
        + "GROUP BY bd, cohort, k"
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _table(
    query: RetentionQuery,
    labels: Sequence[datetime],
    sizes: dict[datetime, int],
    hits: dict[datetime, dict[int, int]],
) -> tuple[list[RetentionCohort], list[RetentionPoint]]:
    """Cohort rows and the average curve from sizes and per-period hits."""
    cohorts = []
    for index, label in enumerate(labels):
        size = sizes.get(label, 0)
        reach = min(query.periods, len(labels) - index)
        found = hits.get(label, {})
        if query.mode == "on":
            counts = [size] + [found.get(k, 0) for k in range(1, reach)]
        else:
            counts = [size] + [
                sum(c for furthest, c in found.items() if furthest >= k) for k in range(1, reach)
            ]
        cohorts.append(
            RetentionCohort(
                cohort=label, size=size, counts=counts, rates=[_rate(c, size) for c in counts]
            )
        )
    average = []
    for k in range(query.periods):
        having = [c for c in cohorts if len(c.counts) > k and c.size]
        retained = sum(c.counts[k] for c in having)
        size = sum(c.size for c in having)
        average.append(
            RetentionPoint(
                period=k,
                retained=retained,
                cohort_size=size,
                cohorts=len(having),
                rate=_rate(retained, size),
            )
        )
    return cohorts, average


def run_retention(engine: Engine, query: RetentionQuery, *, tz: str) -> RetentionResult:
    """Retention ``query`` over ``engine``'s events, bucketed in the time zone ``tz``."""
    sql = retention_sql(query, engine.dialect, tz)
    labels = bucket_labels(query.date_from, query.date_to, query.interval, tz)
    sizes: dict[str | None, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    hits: dict[str | None, dict[datetime, dict[int, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for part, value, cohort, k, count in engine.fetch(sql):
        label = _as_datetime(cohort)
        if part == "size":
            sizes[value][label] += int(count)
        else:
            hits[value][label][int(k)] += int(count)
    total_sizes: dict[datetime, int] = defaultdict(int)
    total_hits: dict[datetime, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for per in sizes.values():
        for label, count in per.items():
            total_sizes[label] += count
    for per_hits in hits.values():
        for label, ks in per_hits.items():
            for k, count in ks.items():
                total_hits[label][k] += count
    cohorts, average = _table(query, labels, total_sizes, total_hits)
    series: list[RetentionSeries] = []
    if query.breakdown is not None:
        ranked = sorted(sizes, key=lambda v: (-sum(sizes[v].values()), v or ""))
        kept, rest = ranked[: query.breakdown_limit], ranked[query.breakdown_limit :]
        groups: list[tuple[str | None, list[str | None]]] = [(v, [v]) for v in kept]
        if rest:
            groups.append((OTHER, rest))
        for name, members in groups:
            group_sizes: dict[datetime, int] = defaultdict(int)
            group_hits: dict[datetime, dict[int, int]] = defaultdict(lambda: defaultdict(int))
            for member in members:
                for label, count in sizes[member].items():
                    group_sizes[label] += count
                for label, ks in hits[member].items():
                    for k, count in ks.items():
                        group_hits[label][k] += count
            rows, curve = _table(query, labels, group_sizes, group_hits)
            series.append(RetentionSeries(breakdown_value=name, cohorts=rows, average=curve))
    return RetentionResult(
        kind=query.kind,
        mode=query.mode,
        interval=query.interval,
        unit=query.unit,
        date_from=query.date_from,
        date_to=query.date_to,
        periods=query.periods,
        cohorts=cohorts,
        average=average,
        breakdown=series,
        sql=sql,
    )


KIND = register(
    InsightKind(
        kind="retention",
        title="Retention",
        description="Cohorts by first-time or recurring start event; return on or on-or-after "
        "each day, week or month; cohort table, average curve and breakdowns.",
        query_model=RetentionQuery,
        run=run_retention,
        chart="retention",
        result_model=RetentionResult,
    )
)

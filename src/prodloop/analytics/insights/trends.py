"""Trends: how often something happens, per hour / day / week / month, in the workspace zone.

Each series is an event (or any event) with filters and a *math*:

* ``total`` — events; ``unique_persons`` / ``unique_accounts`` — distinct persons / accounts;
* ``dau`` — distinct actors (persons, or accounts with ``count_by="account"``) in the bucket;
* ``wau`` / ``mau`` — distinct actors over the trailing 7 / 30 local days ending where the
  bucket ends (wall-clock days, like PostHog's weekly / monthly active), so events before
  ``date_from`` count towards the first buckets;
* ``sum`` / ``avg`` / ``min`` / ``max`` / ``p50`` / ``p90`` / ``p95`` / ``p99`` of a numeric
  event property (events whose property is absent or not a number are ignored;
  percentiles interpolate linearly; a bucket with no values shows 0).

A line's ``total`` is the same math over the whole range (distinct actors over the range for
the distinct-counting maths). A breakdown splits each series into its ``breakdown_limit``
busiest values (by event count in the range, ties by value, no value last) plus ``other``
(the rest, and values seen only before the range by a rolling math); ``compare``
adds the same series over the equally long period just before; ``formula`` combines series
by letter (``A / B * 100``) bucket by bucket and breakdown value by breakdown value.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prodloop.analytics.insights.filters import Breakdown, PropertyFilter, breakdown_sql, joins_sql
from prodloop.analytics.insights.formula import evaluate, parse_formula, series_letter
from prodloop.analytics.insights.ranges import (
    Actor,
    EventSeries,
    InsightRange,
    actor_sql,
    check_time_zone,
    instant_sql,
    local_sql,
    match_sql,
    next_label,
    series_name,
)
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import Interval, bucket_labels, local_range
from prodloop.analytics.query.dialect import Dialect
from prodloop.analytics.query.engine import Engine

Math = Literal[
    "total",
    "unique_persons",
    "unique_accounts",
    "dau",
    "wau",
    "mau",
    "sum",
    "avg",
    "min",
    "max",
    "p50",
    "p90",
    "p95",
    "p99",
]
PROPERTY_MATHS: frozenset[str] = frozenset({"sum", "avg", "min", "max", "p50", "p90", "p95", "p99"})
#: Trailing window of the rolling maths, in local days.
ROLLING_DAYS: dict[str, int] = {"wau": 7, "mau": 30}
#: Quantile of each percentile math.
QUANTILES: dict[str, float] = {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}
MAX_SERIES = 10
NO_VALUE = "(none)"
OTHER = "(other)"


class TrendSeries(EventSeries):
    """One line of a trend: an event, its filters and what to compute."""

    math: Math = "total"
    property: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _check_property(self) -> TrendSeries:
        if self.math in PROPERTY_MATHS and self.property is None:
            raise ValueError(f"math {self.math} needs a property")
        if self.math not in PROPERTY_MATHS and self.property is not None:
            raise ValueError(f"math {self.math} takes no property")
        return self


class TrendsQuery(InsightRange):
    """A trends insight: series over a range, filters, breakdown, comparison, formula."""

    model_config = ConfigDict(extra="forbid")

    series: list[TrendSeries] = Field(min_length=1, max_length=MAX_SERIES)
    filters: list[PropertyFilter] = Field(default_factory=list, max_length=20)
    breakdown: Breakdown | None = None
    breakdown_limit: int = Field(default=10, ge=1, le=50)
    compare: bool = False
    formula: str | None = Field(default=None, max_length=200)
    count_by: Actor = "person"

    @model_validator(mode="after")
    def _check_formula(self) -> TrendsQuery:
        if self.formula is not None:
            parse_formula(self.formula, len(self.series))
        return self


class TrendLine(BaseModel):
    """One line of the chart: a series (or the formula), maybe one breakdown value."""

    label: str
    kind: Literal["series", "formula"] = "series"
    series: int | None = None
    event: str | None = None
    math: str | None = None
    breakdown_value: str | None = None
    is_other: bool = False
    period: Literal["current", "previous"] = "current"
    values: list[float | None]
    total: float | None


class TrendsResult(BaseModel):
    """Lines over bucket labels (naive local times); ``previous`` lines use previous_labels."""

    date_from: date
    date_to: date
    interval: Interval
    tz: str
    labels: list[datetime]
    previous_labels: list[datetime] = Field(default_factory=list)
    lines: list[TrendLine]
    sql: str


def _aggregate(series: TrendSeries, actor: Actor) -> str:
    """The aggregate over ``matched`` rows (columns actor, person, account, value)."""
    math = series.math
    if math == "total":
        return "count(*)"
    if math == "unique_persons":
        return "count(DISTINCT person)"
    if math == "unique_accounts":
        return "count(DISTINCT account)"
    if math in ("dau", "wau", "mau"):
        return "count(DISTINCT actor)"
    if math in QUANTILES:
        return f"quantile_cont(value, {QUANTILES[math]})"
    return f"{math}(value)"


def _matched_cte(
    query: TrendsQuery, series: TrendSeries, dialect: Dialect, start: str, end: str, tz: str
) -> str:
    """``matched``: one row per event of the series, with its bucket and breakdown value."""
    value = dialect.json_number("e.properties", series.property) if series.property else "NULL"
    breakdown = breakdown_sql(query.breakdown, dialect) if query.breakdown else "NULL"
    filters = [*query.filters, *series.filters]
    return (
        "matched AS (SELECT "
        f"{dialect.bucket('e.timestamp', query.interval, tz)} AS bucket, "
        f"{dialect.local_time('e.timestamp', tz)} AS local_ts, "
        f"e.timestamp >= {start} AS in_range, "
        f"CAST({breakdown} AS VARCHAR) AS breakdown_value, "
        f"{actor_sql(query.count_by)} AS actor, e.person_id AS person, "
        f"e.account_id AS account, {value} AS value "
        f"FROM person_events e {joins_sql(filters, query.breakdown)} "
        f"WHERE e.timestamp >= {{scan_from}} AND e.timestamp < {end} "
        f"AND {match_sql(series, query.filters, dialect)})"
    )


def _labelled_cte(query: TrendsQuery) -> str:
    """``labelled``: matched rows with top-N breakdown values kept and the rest as other."""
    if query.breakdown is None:
        return "labelled AS (SELECT *, 0 AS is_other FROM matched)"
    return (
        "ranked AS (SELECT breakdown_value, row_number() OVER (ORDER BY "
        "sum(CASE WHEN in_range THEN 1 ELSE 0 END) DESC, breakdown_value ASC NULLS LAST) "
        "AS position FROM matched WHERE in_range GROUP BY breakdown_value), "
        "labelled AS (SELECT m.bucket, m.local_ts, m.in_range, m.actor, m.person, m.account, "
        f"m.value, CASE WHEN r.position <= {query.breakdown_limit} THEN m.breakdown_value "
        "END AS breakdown_value, "
        f"CASE WHEN r.position <= {query.breakdown_limit} THEN 0 ELSE 1 END AS is_other "
        "FROM matched m LEFT JOIN ranked r "
        "ON r.breakdown_value IS NOT DISTINCT FROM m.breakdown_value)"
    )


def series_sql(
    query: TrendsQuery,
    index: int,
    dialect: Dialect,
    tz: str,
    first_day: date,
    last_day: date,
) -> str:
    """SQL for one series over local dates ``first_day``…``last_day``.

    Rows: ``(level, bucket, breakdown_value, is_other, value)`` where level ``bucket`` rows
    are per bucket and level ``total`` rows cover the range.
    """
    series = query.series[index]
    begin, finish = local_range(first_day, last_day, tz)
    start, end = instant_sql(begin, dialect), instant_sql(finish, dialect)
    aggregate = _aggregate(series, query.count_by)
    days = ROLLING_DAYS.get(series.math)
    scan_from = instant_sql(begin - timedelta(days=days + 2), dialect) if days else start
    ctes = [
        _matched_cte(query, series, dialect, start, end, tz).replace("{scan_from}", scan_from),
        _labelled_cte(query),
    ]
    keys = "breakdown_value, is_other"
    total = (
        f"SELECT 'total' AS level, NULL AS bucket, {keys}, {aggregate} AS value "
        f"FROM labelled WHERE in_range GROUP BY {keys}"
    )
    if days is None:
        per_bucket = (
            f"SELECT 'bucket' AS level, bucket, {keys}, {aggregate} AS value "
            f"FROM labelled GROUP BY bucket, {keys}"
        )
    else:
        ends = [
            (label, next_label(label, query.interval))
            for label in bucket_labels(first_day, last_day, query.interval, tz)
        ]
        windows = ", ".join(
            f"({local_sql(label)}, {local_sql(end - timedelta(days=days))}, {local_sql(end)})"
            for label, end in ends
        )
        ctes.append(
            f"windows AS (SELECT * FROM (VALUES {windows}) AS w(bucket, window_from, window_to))"
        )
        per_bucket = (
            f"SELECT 'bucket' AS level, w.bucket, {keys}, {aggregate} AS value "
            "FROM windows w JOIN labelled l "
            "ON l.local_ts >= w.window_from AND l.local_ts < w.window_to "
            f"GROUP BY w.bucket, {keys}"
        )
    return f"WITH {', '.join(ctes)} {per_bucket} UNION ALL {total}"


LineKey = tuple[str | None, bool]


def _collect(
    rows: list[tuple[Any, ...]], labels: list[datetime]
) -> dict[LineKey, tuple[list[float | None], float | None]]:
    """Per breakdown key: values aligned on ``labels`` (zero-filled) and the range total."""
    position = {label: i for i, label in enumerate(labels)}
    values: dict[LineKey, list[float | None]] = defaultdict(lambda: [0.0] * len(labels))
    totals: dict[LineKey, float | None] = {}
    for level, bucket, breakdown_value, is_other, value in rows:
        key = (breakdown_value, bool(is_other))
        number = 0.0 if value is None else float(value)
        if level == "total":
            totals[key] = number
        elif bucket in position:
            values[key][position[bucket]] = number
    return {key: (values[key], totals.get(key, 0.0)) for key in {*values, *totals}}


def _order(keys: set[LineKey]) -> list[LineKey]:
    return sorted(keys, key=lambda k: (k[1], k[0] is None, k[0] or ""))


def _line_label(query: TrendsQuery, index: int | None, key: LineKey, period: str) -> str:
    if index is None:
        label = query.formula or ""
    else:
        series = query.series[index]
        label = f"{series_letter(index)}: {series_name(series)}"
        if series.math != "total":
            label += f" ({series.math}{' of ' + series.property if series.property else ''})"
    if query.breakdown is not None:
        label += " · " + (OTHER if key[1] else key[0] if key[0] is not None else NO_VALUE)
    return label + (" (previous period)" if period == "previous" else "")


def _formula_lines(
    query: TrendsQuery,
    tree: ast.expr,
    per_series: list[dict[LineKey, tuple[list[float | None], float | None]]],
    width: int,
    period: Literal["current", "previous"],
) -> list[TrendLine]:
    keys = _order({key for collected in per_series for key in collected})
    lines = []
    empty: tuple[list[float | None], float | None] = ([0.0] * width, 0.0)
    for key in keys:
        found = [collected.get(key, empty) for collected in per_series]
        values = [
            evaluate(tree, {series_letter(i): f[0][b] for i, f in enumerate(found)})
            for b in range(width)
        ]
        total = evaluate(tree, {series_letter(i): f[1] for i, f in enumerate(found)})
        lines.append(
            TrendLine(
                label=_line_label(query, None, key, period),
                kind="formula",
                breakdown_value=key[0],
                is_other=key[1],
                period=period,
                values=values,
                total=total,
            )
        )
    return lines


def _period(
    engine: Engine,
    query: TrendsQuery,
    tz: str,
    first_day: date,
    last_day: date,
    period: Literal["current", "previous"],
) -> tuple[list[datetime], list[TrendLine], list[str]]:
    labels = bucket_labels(first_day, last_day, query.interval, tz)
    statements, lines, per_series = [], [], []
    for index, series in enumerate(query.series):
        sql = series_sql(query, index, engine.dialect, tz, first_day, last_day)
        statements.append(sql)
        collected = _collect(engine.fetch(sql), labels)
        if query.breakdown is None and not collected:
            collected = {(None, False): ([0.0] * len(labels), 0.0)}
        per_series.append(collected)
        for key in _order(set(collected)):
            values, total = collected[key]
            lines.append(
                TrendLine(
                    label=_line_label(query, index, key, period),
                    series=index,
                    event=series.event,
                    math=series.math,
                    breakdown_value=key[0],
                    is_other=key[1],
                    period=period,
                    values=values,
                    total=total,
                )
            )
    if query.formula is not None:
        tree = parse_formula(query.formula, len(query.series))
        lines.extend(_formula_lines(query, tree, per_series, len(labels), period))
    return labels, lines, statements


def run_trends(engine: Engine, query: TrendsQuery, *, tz: str) -> TrendsResult:
    """Compute a trends insight over ``engine`` in time zone ``tz``."""
    check_time_zone(tz)
    labels, lines, statements = _period(
        engine, query, tz, query.date_from, query.date_to, "current"
    )
    previous_labels: list[datetime] = []
    if query.compare:
        span = (query.date_to - query.date_from).days + 1
        previous_labels, previous, more = _period(
            engine,
            query,
            tz,
            query.date_from - timedelta(days=span),
            query.date_from - timedelta(days=1),
            "previous",
        )
        lines.extend(previous)
        statements.extend(more)
    return TrendsResult(
        date_from=query.date_from,
        date_to=query.date_to,
        interval=query.interval,
        tz=tz,
        labels=labels,
        previous_labels=previous_labels,
        lines=lines,
        sql=";\n\n".join(statements),
    )


KIND = register(
    InsightKind(
        kind="trends",
        title="Trends",
        description="Events, unique persons or accounts, active users and property maths "
        "over time, with breakdowns, comparison to the previous period and formulas.",
        query_model=TrendsQuery,
        run=run_trends,
        chart="line",
        result_model=TrendsResult,
    )
)

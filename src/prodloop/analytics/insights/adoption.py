"""Feature adoption: who uses a ledger feature, how fast after launch, and whether they stay.

A feature is "used" when an event matches one of its usage events (an event name, optionally
narrowed by property values). Over a window of local dates and for a unit (person or
account), the insight reports:

* ``active`` units (any event in the window), ``adopters`` (a use in the window) and the
  adoption rate ``adopters / active``;
* an adoption curve aligned on the feature's launch date (or its first use when the ledger
  has none): for each day or week since launch, the active units whose first use ever fell
  in that period (uses before launch count in period 0), cumulated, as a share of ``active``;
* time to first use: days from the later of launch and the unit's first event to its first
  use, for active units that first used the feature on or after launch;
* weekly retention of adopters (anchored on their first use in the window) against
  non-adopters (anchored on their first event in the window): week ``n`` covers local days
  ``anchor + 7n`` … ``anchor + 7n + 6`` and counts only units whose week ``n`` starts in the
  window;
* adoption by the account's segment and ARR band, and the ARR of adopting accounts.

The SQL scans ``person_events`` once per feature and once for activity days; the small
per-unit rows it returns are summarised here. Every SQL text run is in ``result.sql``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from prodloop.analytics.insights.adoption_models import (
    FIRST_USE_BINS,
    NO_VALUE,
    AdoptionBreakdown,
    AdoptionQuery,
    AdoptionResult,
    CurveInterval,
    CurvePoint,
    FeatureAdoption,
    FeatureUsage,
    FirstUseBin,
    RetentionWeek,
    TimeToFirstUse,
    Unit,
    UnitRow,
    UsageEvent,
)
from prodloop.analytics.insights.filters import filters_sql, joins_sql
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import local_midnight, local_range
from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.analytics.query.engine import Engine

__all__ = [
    "AdoptionBreakdown",
    "AdoptionQuery",
    "AdoptionResult",
    "CurveInterval",
    "CurvePoint",
    "FeatureAdoption",
    "FeatureUsage",
    "FirstUseBin",
    "RetentionWeek",
    "TimeToFirstUse",
    "Unit",
    "UsageEvent",
    "percentile",
    "run_adoption",
]

# --- SQL -------------------------------------------------------------------------------------


def _unit_column(unit: Unit) -> str:
    return "e.person_id" if unit == "person" else "e.account_id"


def usage_predicate(events: Sequence[UsageEvent], dialect: Dialect) -> str:
    """A boolean SQL expression over ``e`` that is true for a use of the feature."""
    terms = []
    for usage in events:
        parts = [f"e.event = {quote_literal(usage.event)}"]
        for key, value in sorted(usage.properties.items()):
            parts.append(f"{dialect.json_text('e.properties', key)} = {quote_literal(value)}")
        terms.append("(" + " AND ".join(parts) + ")")
    return "(" + " OR ".join(terms) + ")"


def feature_sql(
    query: AdoptionQuery,
    feature: FeatureUsage,
    dialect: Dialect,
    window: tuple[datetime, datetime],
    tz: str,
) -> str:
    """Per active unit: first event, first use (ever, before the window ends), account."""
    unit = _unit_column(query.unit)
    start, end = window
    local_day = f"CAST({dialect.local_time('e.timestamp', tz)} AS DATE)"
    start_sql, end_sql = dialect.timestamp(start.isoformat()), dialect.timestamp(end.isoformat())
    joins = joins_sql(query.filters)
    return (
        "WITH scoped AS (\n"
        f"  SELECT {unit} AS unit, e.account_id AS account_id, e.timestamp AS ts,\n"
        f"    {local_day} AS day,\n"
        f"    CASE WHEN {usage_predicate(feature.events, dialect)} THEN 1 ELSE 0 END AS used\n"
        f"  FROM person_events e {joins}\n"
        f"  WHERE e.timestamp < {end_sql} AND {unit} IS NOT NULL\n"
        f"    AND {filters_sql(query.filters, dialect)}\n"
        "), units AS (\n"
        "  SELECT unit, MAX(account_id) AS account_id, MIN(ts) AS first_seen,\n"
        "    MIN(CASE WHEN used = 1 THEN ts END) AS first_use,\n"
        "    MIN(CASE WHEN used = 1 THEN day END) AS first_use_day,\n"
        f"    MIN(CASE WHEN ts >= {start_sql} THEN day END) AS first_active_day,\n"
        f"    MIN(CASE WHEN used = 1 AND ts >= {start_sql} THEN day END) AS first_use_in_window\n"
        "  FROM scoped GROUP BY unit\n"
        ")\n"
        "SELECT u.unit, u.first_seen, u.first_use, u.first_use_day, u.first_active_day,\n"
        "  u.first_use_in_window, u.account_id, a.segment, a.arr, a.arr_band\n"
        "FROM units u LEFT JOIN accounts a ON a.account_id = u.account_id\n"
        "WHERE u.first_active_day IS NOT NULL\n"
        "ORDER BY u.unit"
    )


def activity_sql(
    query: AdoptionQuery, dialect: Dialect, window: tuple[datetime, datetime], tz: str
) -> str:
    """The distinct local days on which each unit did anything in the window."""
    unit = _unit_column(query.unit)
    start, end = window
    local_day = f"CAST({dialect.local_time('e.timestamp', tz)} AS DATE)"
    return (
        f"SELECT DISTINCT {unit} AS unit, {local_day} AS day\n"
        f"FROM person_events e {joins_sql(query.filters)}\n"
        f"WHERE e.timestamp >= {dialect.timestamp(start.isoformat())}\n"
        f"  AND e.timestamp < {dialect.timestamp(end.isoformat())}\n"
        f"  AND {unit} IS NOT NULL AND {filters_sql(query.filters, dialect)}"
    )


# --- running ---------------------------------------------------------------------------------


def run_adoption(engine: Engine, query: AdoptionQuery, *, tz: str) -> AdoptionResult:
    """Adoption of each feature in ``query`` over its window, in the time zone ``tz``."""
    dialect = engine.dialect
    window = local_range(query.date_from, query.date_to, tz)
    texts: list[str] = []
    activity_text = activity_sql(query, dialect, window, tz)
    texts.append(f"-- activity days (retention)\n{activity_text};")
    days: dict[str, set[date]] = defaultdict(set)
    for unit, day in engine.fetch(activity_text):
        days[str(unit)].add(_as_date(day))
    features = []
    for feature in query.features:
        text = feature_sql(query, feature, dialect, window, tz)
        texts.append(f"-- feature {feature.key}\n{text};")
        rows = [_unit_row(row) for row in engine.fetch(text)]
        features.append(_summarise(query, feature, rows, days, tz))
    return AdoptionResult(
        unit=query.unit,
        date_from=query.date_from,
        date_to=query.date_to,
        curve_interval=query.curve_interval,
        active=len(days),
        features=features,
        sql="\n\n".join(texts),
    )


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _unit_row(row: Sequence[Any]) -> UnitRow:
    unit, first_seen, first_use, first_use_day, first_active, first_in_window = row[:6]
    account_id, segment, arr, arr_band = row[6:10]
    return UnitRow(
        unit=str(unit),
        first_seen=_as_utc(first_seen),
        first_use=None if first_use is None else _as_utc(first_use),
        first_use_day=None if first_use_day is None else _as_date(first_use_day),
        first_active_day=_as_date(first_active),
        first_use_day_in_window=None if first_in_window is None else _as_date(first_in_window),
        account_id=None if account_id is None else str(account_id),
        segment=None if segment is None else str(segment),
        arr=None if arr is None else float(arr),
        arr_band=None if arr_band is None else str(arr_band),
    )


def _summarise(
    query: AdoptionQuery,
    feature: FeatureUsage,
    rows: list[UnitRow],
    days: dict[str, set[date]],
    tz: str,
) -> FeatureAdoption:
    adopters = [row for row in rows if row.first_use_day_in_window is not None]
    first_days = [row.first_use_day for row in rows if row.first_use_day is not None]
    if feature.launch_date is not None:
        anchor: date | None = feature.launch_date
        anchored_on: Literal["launch", "first_use", "none"] = "launch"
    elif first_days:
        anchor, anchored_on = min(first_days), "first_use"
    else:
        anchor, anchored_on = None, "none"
    return FeatureAdoption(
        key=feature.key,
        title=feature.title,
        events=feature.events,
        launch_date=feature.launch_date,
        anchor_date=anchor,
        anchored_on=anchored_on,
        active=len(rows),
        adopters=len(adopters),
        adoption_rate=_rate(len(adopters), len(rows)),
        active_arr=_arr_of(rows),
        adopting_arr=_arr_of(adopters),
        curve=[] if anchor is None else _curve(query, rows, anchor),
        time_to_first_use=_time_to_first_use(rows, anchor, tz),
        retention=_retention(query, rows, days),
        by_segment=_breakdown(rows, lambda row: row.segment),
        by_arr_band=_breakdown(rows, lambda row: row.arr_band),
    )


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _arr_of(rows: Iterable[UnitRow]) -> float:
    """Total ARR of the distinct accounts of ``rows`` (accounts without ARR count 0)."""
    by_account = {row.account_id: row.arr or 0.0 for row in rows if row.account_id is not None}
    return float(sum(by_account.values()))


def _curve(query: AdoptionQuery, rows: list[UnitRow], anchor: date) -> list[CurvePoint]:
    step = 1 if query.curve_interval == "day" else 7
    if query.date_to < anchor:
        return []
    last = (query.date_to - anchor).days // step
    new = [0] * (last + 1)
    for row in rows:
        if row.first_use_day is not None:
            new[max(0, (row.first_use_day - anchor).days) // step] += 1
    points, total = [], 0
    for period, count in enumerate(new):
        total += count
        points.append(
            CurvePoint(
                period=period,
                new_adopters=count,
                cumulative_adopters=total,
                rate=_rate(total, len(rows)),
            )
        )
    return points


def _time_to_first_use(rows: list[UnitRow], anchor: date | None, tz: str) -> TimeToFirstUse:
    durations: list[float] = []
    if anchor is not None:
        launch = local_midnight(anchor, tz)
        for row in rows:
            if row.first_use is not None and row.first_use >= launch:
                since = max(launch, row.first_seen)
                durations.append((row.first_use - since).total_seconds() / 86400)
    durations.sort()
    histogram = [
        FirstUseBin(
            label=label,
            min_days=low,
            max_days=high,
            count=sum(1 for d in durations if d >= low and (high is None or d < high)),
        )
        for label, low, high in FIRST_USE_BINS
    ]
    return TimeToFirstUse(
        count=len(durations),
        mean_days=sum(durations) / len(durations) if durations else None,
        p25_days=percentile(durations, 0.25),
        median_days=percentile(durations, 0.5),
        p75_days=percentile(durations, 0.75),
        p90_days=percentile(durations, 0.9),
        histogram=histogram,
    )


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile of sorted ``ordered``, interpolating linearly between ranks."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _retention(
    query: AdoptionQuery, rows: list[UnitRow], days: dict[str, set[date]]
) -> list[RetentionWeek]:
    groups: dict[bool, list[tuple[date, set[date]]]] = {True: [], False: []}
    for row in rows:
        adopted = row.first_use_day_in_window is not None
        anchor = row.first_use_day_in_window if adopted else row.first_active_day
        assert anchor is not None
        groups[adopted].append((anchor, days.get(row.unit, set())))
    weeks = []
    for week in range(query.retention_weeks + 1):
        counts = {}
        for adopted, members in groups.items():
            cohort = retained = 0
            for anchor, active_days in members:
                first = anchor + timedelta(days=7 * week)
                if first > query.date_to:
                    continue
                cohort += 1
                if any(first + timedelta(days=k) in active_days for k in range(7)):
                    retained += 1
            counts[adopted] = (cohort, retained)
        weeks.append(
            RetentionWeek(
                week=week,
                adopters_cohort=counts[True][0],
                adopters_retained=counts[True][1],
                adopters_rate=_rate(counts[True][1], counts[True][0]),
                non_adopters_cohort=counts[False][0],
                non_adopters_retained=counts[False][1],
                non_adopters_rate=_rate(counts[False][1], counts[False][0]),
            )
        )
    return weeks


def _breakdown(rows: list[UnitRow], value_of: Any) -> list[AdoptionBreakdown]:
    active: dict[str, int] = defaultdict(int)
    adopters: dict[str, int] = defaultdict(int)
    for row in rows:
        value = value_of(row) or NO_VALUE
        active[value] += 1
        adopters[value] += row.first_use_day_in_window is not None
    return [
        AdoptionBreakdown(
            value=value, active=count, adopters=adopters[value], rate=_rate(adopters[value], count)
        )
        for value, count in sorted(active.items())
    ]


KIND = register(
    InsightKind(
        kind="adoption",
        title="Feature adoption",
        description="Adopters, adoption rate and curve since launch, time to first use, "
        "retention of adopters against non-adopters, by segment and ARR band.",
        query_model=AdoptionQuery,
        run=run_adoption,
        chart="adoption",
        result_model=AdoptionResult,
    )
)

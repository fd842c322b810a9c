"""Brute-force pure-Python references for trends, stickiness and lifecycle.

Written straight from the documented definitions, without SQL and without the production
bucketing helpers: buckets come from walking every quarter hour of the range through
``zoneinfo``. Events are dicts with ``event``, ``timestamp`` (aware), ``person_id``,
``account_id`` and ``properties``; ``persons`` maps person id -> properties and ``accounts``
maps account id -> its columns.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prodloop.analytics.insights.filters import PropertyFilter
from prodloop.analytics.insights.lifecycle import LifecycleQuery
from prodloop.analytics.insights.stickiness import StickinessQuery
from prodloop.analytics.insights.trends import TrendSeries, TrendsQuery

Event = Mapping[str, Any]
QUARTER = timedelta(minutes=15)


def local(moment: datetime, tz: str) -> datetime:
    """Naive wall-clock time of ``moment`` in ``tz``."""
    return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def label_of(moment: datetime, interval: str, tz: str) -> datetime:
    """The bucket label (naive local start) of ``moment``."""
    wall = local(moment, tz)
    if interval == "hour":
        return datetime(wall.year, wall.month, wall.day, wall.hour)
    day = datetime(wall.year, wall.month, wall.day)
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    return datetime(wall.year, wall.month, 1)


def range_of(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """UTC ``[start, end)`` of local dates ``first``…``last`` (midnight exists in test zones)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(0), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def _instants(start: datetime, end: datetime) -> list[datetime]:
    out, moment = [], start
    while moment < end:
        out.append(moment)
        moment += QUARTER
    return out


def labels(first: date, last: date, interval: str, tz: str) -> list[datetime]:
    """Every label of a bucket that holds some instant of the range."""
    start, end = range_of(first, last, tz)
    return sorted({label_of(m, interval, tz) for m in _instants(start, end)})


def previous_labels(first: date, last: date, interval: str, tz: str) -> dict[datetime, datetime]:
    """label -> label of the bucket just before it (by walking instants backwards)."""
    start, end = range_of(first, last, tz)
    earliest: dict[datetime, datetime] = {}
    for moment in _instants(start - timedelta(days=32), end):
        earliest.setdefault(label_of(moment, interval, tz), moment)
    return {
        label: label_of(earliest[label] - QUARTER, interval, tz)
        for label in labels(first, last, interval, tz)
    }


# -- filters --------------------------------------------------------------------------------


def json_text(value: Any) -> str | None:
    """What ``json_extract_string`` gives for a JSON value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value)


def json_number(value: Any) -> float | None:
    """What ``TRY_CAST(json_extract_string(...) AS DOUBLE)`` gives."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def raw_value(
    key: str,
    on: str,
    event: Event,
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
) -> Any:
    """The value of ``key`` on ``on`` for ``event`` (None when absent)."""
    if on == "person":
        return persons.get(event["person_id"], {}).get(key)
    if on == "account":
        account = accounts.get(event.get("account_id") or "")
        return None if account is None else account.get(key)
    if key in ("event", "browser", "os", "lib", "current_url", "distinct_id"):
        return event.get(key)
    return (event.get("properties") or {}).get(key)


def passes(
    item: PropertyFilter,
    event: Event,
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
) -> bool:
    """Whether ``event`` passes ``item``."""
    raw = raw_value(item.key, item.on, event, persons, accounts)
    if item.on == "account" and item.key == "arr" and raw is not None:
        text: str | None = str(raw)
        number = float(raw)
    else:
        text, number = json_text(raw), json_number(raw)
    op, value = item.operator, item.value
    if op == "is_set":
        return text is not None
    if op == "is_not_set":
        return text is None
    if op in ("gt", "gte", "lt", "lte"):
        if number is None:
            return False
        target = float(value)  # type: ignore[arg-type]
        return {
            "gt": number > target,
            "gte": number >= target,
            "lt": number < target,
            "lte": number <= target,
        }[op]
    if op == "in":
        wanted = {v if isinstance(v, str) else json.dumps(v) for v in value}  # type: ignore[union-attr]
        return text in wanted
    if op in ("eq", "neq"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            equal = number is not None and number == float(value)
        else:
            equal = text is not None and text == (
                json.dumps(value) if isinstance(value, bool) else str(value)
            )
        return equal if op == "eq" else (text is None or not equal)
    found = text is not None and str(value).lower() in text.lower()
    return found if op == "contains" else (text is None or not found)


# -- trends ---------------------------------------------------------------------------------


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (``quantile_cont``)."""
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def aggregate(series: TrendSeries, events: Sequence[Event], count_by: str) -> float:
    """The series' math over ``events`` (0 when there is nothing to aggregate)."""
    math_name = series.math
    if math_name == "total":
        return float(len(events))
    if math_name == "unique_persons":
        return float(len({e["person_id"] for e in events}))
    if math_name == "unique_accounts":
        return float(len({e["account_id"] for e in events if e.get("account_id") is not None}))
    if math_name in ("dau", "wau", "mau"):
        column = "person_id" if count_by == "person" else "account_id"
        return float(len({e[column] for e in events if e.get(column) is not None}))
    numbers = [
        n
        for e in events
        if (n := json_number((e.get("properties") or {}).get(series.property or ""))) is not None
    ]
    if not numbers:
        return 0.0
    if math_name == "sum":
        return math.fsum(numbers)
    if math_name == "avg":
        return math.fsum(numbers) / len(numbers)
    if math_name == "min":
        return min(numbers)
    if math_name == "max":
        return max(numbers)
    return quantile(numbers, {"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}[math_name])


def _matches(
    query: TrendsQuery | StickinessQuery | LifecycleQuery,
    event_name: str | None,
    filters: Sequence[PropertyFilter],
    event: Event,
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
) -> bool:
    if event_name is not None and event["event"] != event_name:
        return False
    return all(passes(f, event, persons, accounts) for f in [*query.filters, *filters])


def _next_end(label: datetime, interval: str) -> datetime:
    if interval == "hour":
        return label + timedelta(hours=1)
    if interval == "day":
        return label + timedelta(days=1)
    if interval == "week":
        return label + timedelta(days=7)
    return datetime(label.year + label.month // 12, label.month % 12 + 1, 1)


Key = tuple[str | None, bool]


def trend_series(
    events: Sequence[Event],
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
    query: TrendsQuery,
    index: int,
    tz: str,
    first: date,
    last: date,
) -> dict[Key, tuple[list[float], float]]:
    """breakdown key -> (values per label, total) for series ``index`` over ``first``…``last``."""
    series = query.series[index]
    start, end = range_of(first, last, tz)
    rolling = {"wau": 7, "mau": 30}.get(series.math)
    matched = [
        e
        for e in events
        if e["timestamp"] < end
        and (rolling is not None or e["timestamp"] >= start)
        and _matches(query, series.event, series.filters, e, persons, accounts)
    ]

    def value_of(event: Event) -> str | None:
        if query.breakdown is None:
            return None
        raw = raw_value(query.breakdown.key, query.breakdown.on, event, persons, accounts)
        if query.breakdown.on == "account" and query.breakdown.key == "arr" and raw is not None:
            return str(raw)
        return json_text(raw)

    in_range = [e for e in matched if e["timestamp"] >= start]
    counts = Counter(value_of(e) for e in in_range)
    ranking = sorted(counts, key=lambda v: (-counts[v], v is None, v or ""))
    top = set(ranking[: query.breakdown_limit])

    def key_of(event: Event) -> Key:
        if query.breakdown is None:
            return (None, False)
        value = value_of(event)
        return (value, False) if value in top else (None, True)

    bucket_labels = labels(first, last, query.interval, tz)
    keys = {key_of(e) for e in in_range}
    out: dict[Key, tuple[list[float], float]] = {}
    if rolling is None:
        for key in keys:
            mine = [e for e in in_range if key_of(e) == key]
            values = [
                aggregate(
                    series,
                    [e for e in mine if label_of(e["timestamp"], query.interval, tz) == lab],
                    query.count_by,
                )
                for lab in bucket_labels
            ]
            out[key] = (values, aggregate(series, mine, query.count_by))
        return out
    windows = []
    for lab in bucket_labels:
        stop = _next_end(lab, query.interval)
        windows.append((stop - timedelta(days=rolling), stop))
    for e in matched:
        wall = local(e["timestamp"], tz)
        if any(low <= wall < high for low, high in windows):
            keys.add(key_of(e))
    for key in keys:
        mine = [e for e in matched if key_of(e) == key]
        values = [
            aggregate(
                series,
                [e for e in mine if low <= local(e["timestamp"], tz) < high],
                query.count_by,
            )
            for low, high in windows
        ]
        total = aggregate(series, [e for e in mine if e["timestamp"] >= start], query.count_by)
        out[key] = (values, total)
    return out


def trends(
    events: Sequence[Event],
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
    query: TrendsQuery,
    tz: str,
    *,
    previous: bool = False,
) -> list[dict[Key, tuple[list[float], float]]]:
    """Per series, breakdown key -> (values, total); ``previous`` for the comparison period."""
    first, last = query.date_from, query.date_to
    if previous:
        span = (last - first).days + 1
        first, last = first - timedelta(days=span), first - timedelta(days=1)
    out = []
    for index in range(len(query.series)):
        found = trend_series(events, persons, accounts, query, index, tz, first, last)
        if query.breakdown is None and not found:
            width = len(labels(first, last, query.interval, tz))
            found = {(None, False): ([0.0] * width, 0.0)}
        out.append(found)
    return out


def formula_values(
    per_series: list[dict[Key, tuple[list[float], float]]],
    function: Callable[..., float | None],
    width: int,
) -> dict[Key, tuple[list[float | None], float | None]]:
    """A formula (a Python function of the series values, in order) per breakdown key."""
    keys = {key for found in per_series for key in found}
    empty = ([0.0] * width, 0.0)
    out = {}
    for key in keys:
        found = [s.get(key, empty) for s in per_series]
        values = [function(*(f[0][b] for f in found)) for b in range(width)]
        out[key] = (values, function(*(f[1] for f in found)))
    return out


# -- stickiness and lifecycle ---------------------------------------------------------------


def stickiness(
    events: Sequence[Event],
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
    query: StickinessQuery,
    tz: str,
) -> list[list[int]]:
    """Per series: actors active in exactly 1, 2, … buckets of the range."""
    start, end = range_of(query.date_from, query.date_to, tz)
    width = len(labels(query.date_from, query.date_to, query.interval, tz))
    column = "person_id" if query.count_by == "person" else "account_id"
    out = []
    for series in query.series:
        active: dict[str, set[datetime]] = defaultdict(set)
        for e in events:
            if (
                start <= e["timestamp"] < end
                and e.get(column) is not None
                and _matches(query, series.event, series.filters, e, persons, accounts)
            ):
                active[e[column]].add(label_of(e["timestamp"], query.interval, tz))
        values = [0] * width
        for buckets in active.values():
            values[len(buckets) - 1] += 1
        out.append(values)
    return out


def lifecycle(
    events: Sequence[Event],
    persons: Mapping[str, Mapping[str, Any]],
    accounts: Mapping[str, Mapping[str, Any]],
    query: LifecycleQuery,
    tz: str,
) -> dict[str, list[int]]:
    """status -> counts per bucket (dormant negative)."""
    _start, end = range_of(query.date_from, query.date_to, tz)
    column = "person_id" if query.count_by == "person" else "account_id"
    active: dict[datetime, set[str]] = defaultdict(set)
    first_seen: dict[str, datetime] = {}
    for e in events:
        if (
            e["timestamp"] < end
            and e.get(column) is not None
            and _matches(query, query.event, [], e, persons, accounts)
        ):
            bucket = label_of(e["timestamp"], query.interval, tz)
            active[bucket].add(e[column])
            actor = e[column]
            first_seen[actor] = min(first_seen.get(actor, bucket), bucket)
    previous = previous_labels(query.date_from, query.date_to, query.interval, tz)
    out: dict[str, list[int]] = {s: [] for s in ("new", "returning", "resurrecting", "dormant")}
    for label in labels(query.date_from, query.date_to, query.interval, tz):
        now, before = active[label], active[previous[label]]
        new = {a for a in now if first_seen[a] == label}
        out["new"].append(len(new))
        out["returning"].append(len((now - new) & before))
        out["resurrecting"].append(len(now - new - before))
        out["dormant"].append(-len(before - now))
    return out

"""Brute-force pure-Python references for funnels, retention and paths (no SQL).

Each function re-derives an insight from a list of event dicts (``event``, ``timestamp``,
``person_id``, ``account_id``, ``uuid``, ``properties``) by following the documented
definitions literally: every attempt, every cohort, every session is enumerated.
Only ``eq`` property filters on event properties are supported (that is what the tests use).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from prodloop.analytics.query.buckets import local_range, truncate

Event = dict[str, Any]


def _props_match(event: Event, filters: list[tuple[str, str]]) -> bool:
    props = event.get("properties") or {}
    return all(key in props and str(props[key]) == value for key, value in filters)


@dataclass
class RefStep:
    event: str
    filters: list[tuple[str, str]] = field(default_factory=list)
    within: int | None = None  # seconds from the previous step

    def matches(self, event: Event) -> bool:
        return event["event"] == self.event and _props_match(event, self.filters)


@dataclass
class RefExclusion:
    event: str
    from_step: int  # 1-based
    to_step: int

    def matches(self, event: Event) -> bool:
        return event["event"] == self.event


@dataclass
class Attempt:
    start: datetime
    start_key: Any
    reached: int
    last: datetime | None  # time of the final step when complete
    value: str | None


def _unit(event: Event, unit: str) -> str | None:
    return event.get("person_id") if unit == "person" else event.get("account_id")


def _in_range(events: list[Event], date_from: date, date_to: date, tz: str) -> list[Event]:
    start, end = local_range(date_from, date_to, tz)
    return [e for e in events if start <= e["timestamp"] < end]


def funnel_attempts(
    events: list[Event],
    *,
    steps: list[RefStep],
    order: str,
    window: int,
    exclusions: list[RefExclusion],
    date_from: date,
    date_to: date,
    tz: str,
    unit: str = "person",
    breakdown: str | None = None,
    attribution: str = "first_touch",
    attribution_step: int | None = None,
) -> dict[str, list[Attempt]]:
    """Every attempt of every unit, followed literally."""
    n = len(steps)
    by_unit: dict[str, list[Event]] = defaultdict(list)
    for event in _in_range(events, date_from, date_to, tz):
        key = _unit(event, unit)
        if key is not None:
            by_unit[key].append(event)

    def value(event: Event) -> str | None:
        if breakdown is None:
            return None
        raw = (event.get("properties") or {}).get(breakdown)
        return None if raw is None else str(raw)

    attempts: dict[str, list[Attempt]] = {}
    for key, rows in by_unit.items():
        if order != "strict":
            rows = [
                e
                for e in rows
                if any(s.matches(e) for s in steps) or any(x.matches(e) for x in exclusions)
            ]

        def tie(event: Event) -> int:
            return next((k for k, s in enumerate(steps) if s.matches(event)), n)

        rows = sorted(rows, key=lambda e: (e["timestamp"], tie(e), e["uuid"]))
        found: list[Attempt] = []
        if order == "any_order":
            for s in rows:
                if not any(step.matches(s) for step in steps):
                    continue
                inside = [
                    e
                    for e in rows
                    if s["timestamp"]
                    <= e["timestamp"]
                    <= s["timestamp"] + timedelta(seconds=window)
                ]
                firsts = [
                    min((e["timestamp"] for e in inside if step.matches(e)), default=None)
                    for step in steps
                ]
                reached = sum(f is not None for f in firsts)
                last = max(f for f in firsts if f is not None) if reached == n else None
                found.append(Attempt(s["timestamp"], s["uuid"], reached, last, value(s)))
            attempts[key] = found
            continue
        for i, s in enumerate(rows):
            if not steps[0].matches(s):
                continue
            chain = [i]
            for k in range(1, n):
                pos = chain[-1]
                if order == "strict":
                    j = pos + 1 if pos + 1 < len(rows) and steps[k].matches(rows[pos + 1]) else None
                else:
                    j = next(
                        (j for j in range(pos + 1, len(rows)) if steps[k].matches(rows[j])), None
                    )
                if j is None:
                    break
                t = rows[j]["timestamp"]
                if t - s["timestamp"] > timedelta(seconds=window):
                    break
                within = steps[k].within
                if within is not None and t - rows[pos]["timestamp"] > timedelta(seconds=within):
                    break
                chain.append(j)
            reached = len(chain)
            for x in exclusions:
                if reached >= x.to_step:
                    lo = rows[chain[x.from_step - 1]]["timestamp"]
                    hi = rows[chain[x.to_step - 1]]["timestamp"]
                    if any(x.matches(e) and lo < e["timestamp"] < hi for e in rows):
                        reached = 0
            if attribution == "first_touch":
                v = value(s)
            elif attribution == "last_touch":
                v = value(rows[chain[reached - 1]]) if reached else None
            else:
                assert attribution_step is not None
                v = (
                    value(rows[chain[attribution_step - 1]])
                    if reached >= attribution_step
                    else None
                )
            last = rows[chain[-1]]["timestamp"] if reached == n else None
            found.append(Attempt(s["timestamp"], i, reached, last, v))
        attempts[key] = found
    return attempts


def best_attempts(attempts: dict[str, list[Attempt]]) -> dict[str, Attempt]:
    """Each unit's furthest-reaching attempt, the earliest among equals."""
    best = {}
    for key, found in attempts.items():
        valid = [a for a in found if a.reached > 0]
        if valid:
            best[key] = min(valid, key=lambda a: (-a.reached, a.start, a.start_key))
    return best


def step_counts(best: list[Attempt], n: int) -> list[int]:
    return [sum(a.reached >= k for a in best) for k in range(1, n + 1)]


def time_to_convert(best: list[Attempt], n: int, bins: int) -> dict[str, Any]:
    secs = [(a.last - a.start).total_seconds() for a in best if a.reached == n and a.last]
    if not secs:
        return {"count": 0, "average": None, "median": None, "bins": []}
    lo = min(secs)
    width = max(1.0, math.ceil((max(secs) - lo) / bins))
    counts = Counter(min(bins - 1, math.floor((s - lo) / width)) for s in secs)
    return {
        "count": len(secs),
        "average": sum(secs) / len(secs),
        "median": statistics.median(secs),
        "bins": [(lo + i * width, counts.get(i, 0)) for i in range(bins)],
    }


def conversion_trend(
    attempts: dict[str, list[Attempt]], n: int, interval: str, tz: str
) -> dict[datetime, tuple[int, int]]:
    furthest: dict[tuple[datetime, str], int] = {}
    for key, found in attempts.items():
        for a in found:
            if a.reached > 0:
                bucket = truncate(a.start, interval, tz)  # type: ignore[arg-type]
                furthest[bucket, key] = max(furthest.get((bucket, key), 0), a.reached)
    out: dict[datetime, tuple[int, int]] = {}
    for (bucket, _), reached in furthest.items():
        entered, converted = out.get(bucket, (0, 0))
        out[bucket] = (entered + 1, converted + (reached == n))
    return out


# --- retention ---------------------------------------------------------------------------------


def _period_index(first: datetime, later: datetime, interval: str) -> int:
    if interval == "day":
        return (later.date() - first.date()).days
    if interval == "week":
        return (later.date() - first.date()).days // 7
    return (later.year - first.year) * 12 + later.month - first.month


def retention(
    events: list[Event],
    *,
    start_event: str,
    return_event: str,
    kind: str,
    mode: str,
    interval: str,
    periods: int,
    date_from: date,
    date_to: date,
    tz: str,
    unit: str = "person",
    breakdown: str | None = None,
) -> dict[tuple[str | None, datetime], list[int]]:
    """(breakdown value, cohort label) -> [size, retained in period 1, 2, …, periods-1].

    Period 0 is the size. Cohorts are the local ``interval`` buckets from ``date_from`` on;
    a unit enters every cohort bucket in which it did the start event (``recurring``) or only
    the bucket of its first start event ever (``first_time``, which must fall in the range).
    Period ``k`` of a cohort is the bucket ``k`` intervals later; the unit is retained in it
    when it did the return event in that bucket (``on``) or in that or any later bucket up to
    the end of the range (``on_or_after``). Its breakdown value is that of its first start
    event in the cohort bucket.
    """
    zone = ZoneInfo(tz)
    start, end = local_range(date_from, date_to, tz)
    labels: list[datetime] = []
    day = date_from
    while day <= date_to:
        label = truncate(datetime.combine(day, datetime.min.time(), zone), interval, tz)  # type: ignore[arg-type]
        if label not in labels:
            labels.append(label)
        day += timedelta(days=1)
    index = {label: i for i, label in enumerate(labels)}
    starts: dict[str, list[Event]] = defaultdict(list)
    returns: dict[str, set[int]] = defaultdict(set)
    for e in events:
        key = _unit(e, unit)
        if key is None or e["timestamp"] >= end:
            continue
        if e["event"] == start_event:
            starts[key].append(e)
        if e["event"] == return_event and e["timestamp"] >= start:
            returns[key].add(index[truncate(e["timestamp"], interval, tz)])  # type: ignore[arg-type]
    table: dict[tuple[str | None, datetime], list[int]] = {}
    for key, found in starts.items():
        found.sort(key=lambda e: (e["timestamp"], e["uuid"]))
        if kind == "first_time":
            candidates = [found[0]] if found[0]["timestamp"] >= start else []
        else:
            candidates = []
            seen = set()
            for e in found:
                if e["timestamp"] < start:
                    continue
                b = truncate(e["timestamp"], interval, tz)  # type: ignore[arg-type]
                if b not in seen:
                    seen.add(b)
                    candidates.append(e)
        for e in candidates:
            cohort = truncate(e["timestamp"], interval, tz)  # type: ignore[arg-type]
            c = index[cohort]
            raw = (e.get("properties") or {}).get(breakdown) if breakdown else None
            value = None if raw is None else str(raw)
            row = table.setdefault((value, cohort), [0] * periods)
            row[0] += 1
            for k in range(1, periods):
                target = c + k
                if target >= len(labels):
                    break
                got = returns[key]
                hit = target in got if mode == "on" else any(p >= target for p in got)
                row[k] += hit
    return table


# --- paths -------------------------------------------------------------------------------------


def sessions(
    events: list[Event], *, inactivity: int, date_from: date, date_to: date, tz: str
) -> list[list[str]]:
    """Each person's events in range, ordered (timestamp, uuid), split on gaps > inactivity."""
    by_person: dict[str, list[Event]] = defaultdict(list)
    for e in _in_range(events, date_from, date_to, tz):
        if e.get("person_id") is not None:
            by_person[e["person_id"]].append(e)
    out = []
    for rows in by_person.values():
        rows.sort(key=lambda e: (e["timestamp"], e["uuid"]))
        current = [rows[0]]
        for prev, e in itertools.pairwise(rows):
            if (e["timestamp"] - prev["timestamp"]).total_seconds() > inactivity:
                out.append([x["event"] for x in current])
                current = []
            current.append(e)
        out.append([x["event"] for x in current])
    return out


def path_edges(
    session_list: list[list[str]], *, event: str, steps: int, direction: str
) -> Counter[tuple[int, str, str]]:
    """(distance, source, target) -> count of transitions around every occurrence of ``event``.

    ``next``: for each occurrence at position i, the edges i+d-1 → i+d for d = 1…steps;
    ``previous``: the edges i-d → i-d+1 for d = 1…steps (source is the earlier event).
    """
    edges: Counter[tuple[int, str, str]] = Counter()
    for s in session_list:
        for i, name in enumerate(s):
            if name != event:
                continue
            for d in range(1, steps + 1):
                if direction == "next" and i + d < len(s):
                    edges[d, s[i + d - 1], s[i + d]] += 1
                if direction == "previous" and i - d >= 0:
                    edges[d, s[i - d], s[i - d + 1]] += 1
    return edges

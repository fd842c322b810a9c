"""An independent, brute-force reading of experiments from raw event rows (pure Python).

Used by the tests as the reference the SQL metric builder must agree with: every unit's
value is computed by walking its events one by one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from prodloop.analytics.metrics import MetricKind, MetricSpec

Event = Mapping[str, Any]
FLAG_EVENT = "$feature_flag_called"


def unit_values(
    events: Sequence[Event],
    spec: MetricSpec,
    *,
    flag: str,
    start: datetime,
    end: datetime,
    unit_key: str = "person_id",
    pre_days: int = 14,
) -> tuple[dict[str, list[tuple[float, float, float]]], int]:
    """Per variant, each unit's (value, denominator, pre value); and units in several variants."""
    first: dict[str, datetime] = {}
    seen: dict[str, set[str]] = {}
    for event in events:
        unit = event.get(unit_key)
        props = event.get("properties") or {}
        if (
            event["event"] == FLAG_EVENT
            and props.get("$feature_flag") == flag
            and unit
            and start <= event["timestamp"] < end
        ):
            first[unit] = min(first.get(unit, event["timestamp"]), event["timestamp"])
            seen.setdefault(unit, set()).add(props["$feature_flag_response"])
    several = sum(1 for variants in seen.values() if len(variants) > 1)
    out: dict[str, list[tuple[float, float, float]]] = {}
    for unit, exposed in first.items():
        if len(seen[unit]) > 1:
            continue
        (variant,) = seen[unit]
        mine = [e for e in events if e.get(unit_key) == unit and e["timestamp"] < end]
        post = [e for e in mine if e["timestamp"] >= exposed]
        pre = [e for e in mine if exposed - timedelta(days=pre_days) <= e["timestamp"] < exposed]
        value = _value(spec, post, exposed)
        denominator = 0.0
        if spec.denominator_event is not None:
            denominator = float(sum(1 for e in post if e["event"] == spec.denominator_event))
        pre_value = 0.0
        if spec.kind not in (MetricKind.RATIO, MetricKind.RETENTION):
            pre_value = _value(spec, pre, exposed)
        out.setdefault(variant, []).append((value, denominator, pre_value))
    return out, several


def _value(spec: MetricSpec, events: Sequence[Event], exposed: datetime) -> float:
    matching = [e for e in events if e["event"] == spec.event]
    kind = spec.kind
    if kind is MetricKind.COUNT or (kind is MetricKind.RATIO and spec.property is None):
        return float(len(matching))
    if kind in (MetricKind.MEAN, MetricKind.RATIO):
        total = 0.0
        for event in matching:
            number = (event.get("properties") or {}).get(spec.property)
            if isinstance(number, int | float) and not isinstance(number, bool):
                total += float(number)
        return total
    if kind is MetricKind.UNIQUE:
        return float(len({e["timestamp"].astimezone(UTC).date() for e in matching}))
    if kind is MetricKind.CONVERSION:
        return 1.0 if matching else 0.0
    cutoff = exposed + timedelta(days=spec.retention_days or 0)
    return 1.0 if any(e["timestamp"] >= cutoff for e in matching) else 0.0


def sums(values: Sequence[tuple[float, float, float]]) -> tuple[float, ...]:
    """(n, Σv, Σv², Σd, Σd², Σvd, Σp, Σp², Σvp) of per-unit (value, denominator, pre)."""
    return (
        float(len(values)),
        sum(v for v, _, _ in values),
        sum(v * v for v, _, _ in values),
        sum(d for _, d, _ in values),
        sum(d * d for _, d, _ in values),
        sum(v * d for v, d, _ in values),
        sum(p for _, _, p in values),
        sum(p * p for _, _, p in values),
        sum(v * p for v, _, p in values),
    )


def random_events(seed: int, *, units: int = 60, start: datetime) -> list[dict[str, Any]]:
    """Exposures (a few units in two variants, some outside the window) and metric events."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for number in range(units):
        person = f"p{number}"
        account = f"a{number % 7}"
        variant = rng.choice(["control", "treatment"])
        exposed = start + timedelta(hours=rng.uniform(-48, 24 * 10))
        for _ in range(rng.randint(1, 3)):
            shown = variant if rng.random() > 0.05 else "treatment"
            moment = exposed + timedelta(hours=rng.uniform(0, 72))
            events.append(_event(FLAG_EVENT, moment, person, account, flag="exp", variant=shown))
        events.append(_event(FLAG_EVENT, exposed, person, account, flag="other", variant="control"))
        for _ in range(rng.randint(0, 12)):
            moment = exposed + timedelta(hours=rng.uniform(-24 * 20, 24 * 25))
            name = rng.choice(["purchase", "pageview", "session"])
            props: dict[str, Any] = {}
            if name == "purchase" and rng.random() < 0.9:
                props["amount"] = round(rng.uniform(1, 100), 2)
            events.append(_event(name, moment, person, account, **{"props": props}))
    return events


def _event(
    name: str,
    moment: datetime,
    person: str,
    account: str,
    *,
    flag: str | None = None,
    variant: str | None = None,
    props: dict[str, Any] | None = None,
) -> dict[str, Any]:
    properties = dict(props or {})
    if flag is not None:
        properties |= {"$feature_flag": flag, "$feature_flag_response": variant}
    return {
        "event": name,
        "timestamp": moment,
        "person_id": person,
        "account_id": account,
        "properties": properties,
    }

"""Vega-Lite chart specs, built in Python as plain dicts from the reports' typed data.

Each builder returns a complete spec with its data inlined, so the page embeds it as JSON
(``static/js/charts.js`` hands it to ``vegaEmbed``), the page's JSON twin carries it as is,
and a report can render the same spec to a static image. Dates are ISO days read as UTC
(``utc`` time units), so a bucket never shifts a day in the viewer's own time zone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from prodloop.delivery.dora import DeploymentBucket
from prodloop.delivery.flow import CycleTimePoint, ThroughputBucket, WipPoint
from prodloop.delivery.percentiles import Percentiles
from prodloop.delivery.periods import Granularity, next_bucket_start
from prodloop.delivery.pull_requests import PullRequestCycleSummary
from prodloop.delivery.report_schemas import AgingItem, UnplannedBucket

Spec = dict[str, Any]

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
ACCENT = "#4f46e5"
MUTED = "#6b7280"
GRID = "#eef0f3"
PERCENTILE_COLOURS = {50: "#16a34a", 85: "#d97706", 95: "#dc2626"}
AGE_BANDS = {
    "within_p50": ("within 50th", "#16a34a"),
    "over_p50": ("over 50th", "#ca8a04"),
    "over_p85": ("over 85th", "#ea580c"),
    "over_p95": ("over 95th", "#dc2626"),
}
STAGE_COLOURS = {"coding": "#818cf8", "pickup": "#f59e0b", "review": "#ec4899", "deploy": "#0d9488"}
# Days are ISO dates, which browsers read as UTC midnight: a UTC scale keeps them on their day.
X_DAY: Spec = {
    "field": "day",
    "type": "temporal",
    "scale": {"type": "utc"},
    "title": None,
    "axis": {"format": "%d %b", "grid": False, "labelOverlap": True, "labelSeparation": 8},
}

CONFIG: Spec = {
    "font": FONT,
    "view": {"stroke": None},
    "background": None,
    "axis": {
        "labelColor": MUTED,
        "titleColor": MUTED,
        "titleFontWeight": 500,
        "labelFontSize": 11,
        "titleFontSize": 11,
        "domainColor": "#d1d5db",
        "tickColor": "#d1d5db",
        "gridColor": GRID,
    },
    "legend": {"labelColor": MUTED, "titleColor": MUTED, "labelFontSize": 11, "orient": "top"},
}


def when(day: date) -> str:
    """A day as tooltips show it."""
    return day.strftime("%d %b %Y")


def chart(layers: list[Spec], *, values: list[dict[str, Any]], height: int = 220) -> Spec:
    """A full-width spec of ``layers`` over inlined ``values``."""
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": CONFIG,
        "data": {"values": values},
        "layer": layers,
    }


def _percentile_values(percentiles: Percentiles, label: str) -> list[dict[str, Any]]:
    return [
        {
            "percentile": f"{q}%",
            "days": round(value, 2),
            "colour": PERCENTILE_COLOURS[q],
            "text": f"{q}% · {value:.1f} {label}",
        }
        for q, value in ((50, percentiles.p50), (85, percentiles.p85), (95, percentiles.p95))
        if value is not None
    ]


# The 50th is labelled below its line and the others above, the 95th at the left end, so the
# labels stay apart when the percentiles are close together.
LABEL_PLACES: dict[str, Spec] = {
    "50%": {"align": "right", "x": "width", "dy": 9},
    "85%": {"align": "right", "x": "width", "dy": -7},
    "95%": {"align": "left", "x": 2, "dy": -7},
}


def percentile_rules(percentiles: Percentiles, *, label: str = "days") -> list[Spec]:
    """Dashed horizontal rules at the 50th, 85th and 95th percentiles, each labelled."""
    values = _percentile_values(percentiles, label)
    y = {"field": "days", "type": "quantitative"}
    colour = {"field": "colour", "type": "nominal", "scale": None}
    labels = [
        {
            "data": {"values": [value]},
            "mark": {
                "type": "text",
                "fontSize": 10.5,
                "fontWeight": 600,
                **LABEL_PLACES[value["percentile"]],
            },
            "encoding": {"y": y, "color": colour, "text": {"field": "text"}},
        }
        for value in values
    ]
    rule = {
        "data": {"values": values},
        "mark": {"type": "rule", "strokeDash": [5, 4], "strokeWidth": 1.2},
        "encoding": {"y": y, "color": colour},
    }
    return [rule, *labels] if values else []


def cycle_time_scatter(points: Sequence[CycleTimePoint], percentiles: Percentiles) -> Spec:
    """Completed items by done date and cycle time, with the percentile lines."""
    values = [
        {
            "day": p.done_on.isoformat(),
            "when": when(p.done_on),
            "days": round(p.cycle_time_days, 2),
            "key": p.key,
            "feature": p.feature or "—",
        }
        for p in points
    ]
    dots = {
        "mark": {"type": "circle", "size": 46, "opacity": 0.7, "color": ACCENT},
        "encoding": {
            "x": X_DAY,
            "y": {"field": "days", "type": "quantitative", "title": "cycle time (days)"},
            "tooltip": [
                {"field": "key", "title": "item"},
                {"field": "when", "title": "done"},
                {"field": "days", "title": "cycle days", "format": ".1f"},
                {"field": "feature"},
            ],
        },
    }
    return chart([dots, *percentile_rules(percentiles)], values=values)


def bucket_bars(
    rows: Sequence[tuple[Any, int]],
    granularity: Granularity,
    *,
    title: str,
    colour: str = ACCENT,
    height: int = 180,
) -> Spec:
    """Bars over time, one per bucket, each spanning its bucket's days."""
    values = [
        {
            "day": start.isoformat(),
            "when": when(start),
            "end": next_bucket_start(start, granularity).isoformat(),
            "count": count,
        }
        for start, count in rows
    ]
    bars = {
        "mark": {"type": "rect", "color": colour, "stroke": "white", "strokeWidth": 1.5},
        "encoding": {
            "x": X_DAY,
            "x2": {"field": "end"},
            "y2": {"datum": 0},
            "y": {
                "field": "count",
                "type": "quantitative",
                "title": title,
                "axis": {"tickMinStep": 1},
            },
            "tooltip": [
                {"field": "when", "title": f"{granularity.value} of"},
                {"field": "count", "title": title},
            ],
        },
    }
    return chart([bars], values=values, height=height)


def throughput_bars(buckets: Sequence[ThroughputBucket], granularity: Granularity) -> Spec:
    """Items completed per bucket."""
    rows = [(b.start, b.items_done) for b in buckets]
    return bucket_bars(rows, granularity, title="items done")


def deployment_bars(weeks: Sequence[DeploymentBucket]) -> Spec:
    """Production deployments per calendar week."""
    rows = [(w.start, w.deployments) for w in weeks]
    return bucket_bars(rows, Granularity.WEEK, title="deployments", colour="#0d9488", height=150)


def wip_area(points: Sequence[WipPoint]) -> Spec:
    """Items in progress at the end of each day."""
    values = [{"day": p.day.isoformat(), "when": when(p.day), "wip": p.wip} for p in points]
    area = {
        "mark": {
            "type": "area",
            "line": {"color": ACCENT, "strokeWidth": 1.6},
            "color": {
                "x1": 1,
                "y1": 1,
                "x2": 1,
                "y2": 0,
                "gradient": "linear",
                "stops": [{"offset": 0, "color": "#eef2ff"}, {"offset": 1, "color": "#c7d2fe"}],
            },
            "interpolate": "step-after",
        },
        "encoding": {
            "x": X_DAY,
            "y": {
                "field": "wip",
                "type": "quantitative",
                "title": "items in progress",
                "axis": {"tickMinStep": 1},
            },
            "tooltip": [
                {"field": "when", "title": "day"},
                {"field": "wip", "title": "in progress"},
            ],
        },
    }
    return chart([area], values=values, height=180)


def _jitter(key: str) -> float:
    """A stable offset in [-1, 1) for ``key``, so the strip chart looks the same every time."""
    digest = hashlib.blake2b(key.encode(), digest_size=2).digest()
    return int.from_bytes(digest, "big") / 32768 - 1


def _age_band_backdrop(percentiles: Percentiles, top: float) -> Spec | None:
    p50, p85, p95 = percentiles.p50, percentiles.p85, percentiles.p95
    if p50 is None or p85 is None or p95 is None:
        return None
    spans = [
        (0.0, p50, "#f0fdf4"),
        (p50, p85, "#fefce8"),
        (p85, p95, "#fff7ed"),
        (p95, max(top, p95 * 1.15), "#fef2f2"),
    ]
    return {
        "data": {"values": [{"from": a, "to": b, "fill": c} for a, b, c in spans]},
        "mark": {"type": "rect", "opacity": 1},
        "encoding": {
            "y": {"field": "from", "type": "quantitative"},
            "y2": {"field": "to"},
            "color": {"field": "fill", "type": "nominal", "scale": None},
        },
    }


AGING_DOTS: Spec = {
    "mark": {"type": "circle", "size": 70, "opacity": 0.85, "stroke": "white"},
    "encoding": {
        "x": {
            "field": "status",
            "type": "nominal",
            "title": None,
            "axis": {"labelAngle": 0, "grid": False},
        },
        "xOffset": {"field": "jitter", "type": "quantitative", "scale": {"domain": [-1.15, 1.15]}},
        "y": {
            "field": "age",
            "type": "quantitative",
            "title": "age (days, square-root scale)",
            "scale": {"type": "sqrt"},
        },
        "color": {
            "field": "band",
            "type": "nominal",
            "title": None,
            "scale": {
                "domain": [label for label, _ in AGE_BANDS.values()] + ["no history"],
                "range": [colour for _, colour in AGE_BANDS.values()] + [MUTED],
            },
        },
        "tooltip": [
            {"field": "key", "title": "item"},
            {"field": "title"},
            {"field": "status"},
            {"field": "age", "title": "age (days)", "format": ".1f"},
            {"field": "band", "title": "cycle-time band"},
        ],
    },
}


def aging_strip(items: Sequence[AgingItem], percentiles: Percentiles) -> Spec:
    """Work in progress by status and age, against bands of the team's cycle-time
    percentiles: a dot in the red band is older than 95% of the items the team finished."""
    values = [
        {
            "status": item.status,
            "age": round(item.age_days, 2),
            "jitter": _jitter(item.key),
            "key": item.key,
            "title": item.title,
            "band": AGE_BANDS[item.band.value][0] if item.band else "no history",
        }
        for item in items
    ]
    top = max((item.age_days for item in items), default=0.0)
    backdrop = _age_band_backdrop(percentiles, top)
    layers = [backdrop] if backdrop else []
    return chart([*layers, AGING_DOTS, *percentile_rules(percentiles)], values=values, height=240)


def unplanned_line(buckets: Sequence[UnplannedBucket], alarm_share: float) -> Spec:
    """The unplanned share of throughput per bucket, with the alarm level."""
    values = [
        {
            "day": b.start.isoformat(),
            "when": when(b.start),
            "share": b.share,
            "done": b.items_done,
            "unplanned": b.unplanned_done,
        }
        for b in buckets
        if b.share is not None
    ]
    y = {
        "field": "share",
        "type": "quantitative",
        "title": "unplanned share",
        "axis": {"format": "%"},
        "scale": {"domain": [0, 1]},
    }
    line = {
        "mark": {"type": "line", "point": {"filled": True, "size": 36}, "color": "#ea580c"},
        "encoding": {
            "x": X_DAY,
            "y": y,
            "tooltip": [
                {"field": "when", "title": "from"},
                {"field": "share", "format": ".0%", "title": "unplanned"},
                {"field": "unplanned", "title": "unplanned items"},
                {"field": "done", "title": "items done"},
            ],
        },
    }
    alarm = {
        "data": {"values": [{"share": alarm_share}]},
        "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#dc2626", "opacity": 0.6},
        "encoding": {"y": {"field": "share", "type": "quantitative"}},
    }
    return chart([alarm, line], values=values, height=180)


def pull_request_stages(summary: PullRequestCycleSummary) -> Spec:
    """One stacked bar: median days of coding, pickup, review and deploy."""
    stages = [
        ("coding", summary.coding_days),
        ("pickup", summary.pickup_days),
        ("review", summary.review_days),
        ("deploy", summary.deploy_days),
    ]
    values = [
        {"stage": name, "days": round(days, 2), "order": index}
        for index, (name, days) in enumerate(stages)
        if days is not None
    ]
    bar = {
        "mark": {"type": "bar", "cornerRadius": 3, "stroke": "white", "strokeWidth": 2},
        "encoding": {
            "y": {"datum": "median", "type": "nominal", "axis": None},
            "x": {"field": "days", "type": "quantitative", "stack": "zero", "title": None},
            "color": {
                "field": "stage",
                "type": "nominal",
                "legend": None,
                "scale": {"domain": list(STAGE_COLOURS), "range": list(STAGE_COLOURS.values())},
            },
            "order": {"field": "order"},
            "tooltip": [{"field": "stage"}, {"field": "days", "format": ".2f"}],
        },
    }
    return chart([bar], values=values, height=64)

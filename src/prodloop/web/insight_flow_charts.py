"""Charts, tables and headline figures of the insights that follow people through steps.

Funnels draw each step's converted actors with those who dropped off stacked above (grouped
conversion bars when broken down); retention draws the average curve and a cohort heatmap
table; paths draw the busiest transitions around the chosen event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from prodloop.web.insight_chart_parts import (
    Figure,
    ResultTable,
    Row,
    Spec,
    colour_scale,
    number,
    percent,
    spec,
    table,
)

# --- funnels -----------------------------------------------------------------------------------


def _step_name(step: Row) -> str:
    return f"{step['step']}. {step.get('label') or step.get('event')}"


def funnel_chart(result: Row) -> Spec | None:
    """Each step's converted actors, with those who dropped off before it stacked above."""
    steps: list[Row] = result.get("steps", [])
    breakdown: list[Row] = result.get("breakdown", [])
    if not steps or not steps[0].get("count"):
        return None
    if len(breakdown) > 1:
        return _funnel_breakdown_chart(breakdown)
    first = steps[0]["count"]
    values = []
    for step in steps:
        lost = first - step["count"]
        common = {"step": _step_name(step), "rate": step.get("conversion_from_start")}
        values.append({**common, "part": "converted", "actors": step["count"]})
        values.append({**common, "part": "dropped off", "actors": lost})
    order = [_step_name(step) for step in steps]
    bars = {
        "mark": {"type": "bar", "cornerRadiusEnd": 2},
        "encoding": {
            "x": {
                "field": "step",
                "type": "nominal",
                "sort": order,
                "title": None,
                "axis": {"labelAngle": 0, "labelLimit": 160},
            },
            "y": {
                "field": "actors",
                "type": "quantitative",
                "title": str(result.get("unit", "person")) + "s",
                "stack": "zero",
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "scale": {"domain": ["converted", "dropped off"], "range": ["#4f46e5", "#e0e7ff"]},
                "title": None,
            },
            "order": {"field": "part", "sort": "ascending"},
            "tooltip": [
                {"field": "step"},
                {"field": "part"},
                {"field": "actors"},
                {"field": "rate", "format": ".1%", "title": "of first step"},
            ],
        },
    }
    labels = {
        "transform": [{"filter": "datum.part == 'converted'"}],
        "mark": {"type": "text", "dy": -8, "fontWeight": 600, "fontSize": 12, "color": "#111827"},
        "encoding": {
            "x": {"field": "step", "type": "nominal", "sort": order},
            "y": {"field": "actors", "type": "quantitative"},
            "text": {"field": "rate", "format": ".1%"},
        },
    }
    return spec([bars, labels], values=values, height=300)


def _funnel_breakdown_chart(breakdown: Sequence[Row]) -> Spec:
    values = []
    order: list[str] = []
    for series in breakdown:
        name = series.get("breakdown_value") or "(none)"
        for step in series.get("steps", []):
            order.append(_step_name(step))
            values.append(
                {
                    "step": _step_name(step),
                    "value": name,
                    "rate": step.get("conversion_from_start") or 0,
                    "actors": step["count"],
                }
            )
    names = list(dict.fromkeys(v["value"] for v in values))
    return spec(
        values=values,
        height=300,
        mark={"type": "bar", "cornerRadiusEnd": 2},
        encoding={
            "x": {
                "field": "step",
                "type": "nominal",
                "sort": list(dict.fromkeys(order)),
                "title": None,
                "axis": {"labelAngle": 0},
            },
            "xOffset": {"field": "value"},
            "y": {
                "field": "rate",
                "type": "quantitative",
                "title": "conversion",
                "axis": {"format": ".0%"},
            },
            "color": {
                "field": "value",
                "type": "nominal",
                "scale": colour_scale(names),
                "title": None,
            },
            "tooltip": [
                {"field": "value", "title": "breakdown"},
                {"field": "step"},
                {"field": "actors"},
                {"field": "rate", "format": ".1%"},
            ],
        },
    )


def funnel_table(result: Row) -> ResultTable | None:
    """Per step (and breakdown value): actors, conversion and drop-off."""
    breakdown: list[Row] = result.get("breakdown", [])
    groups: list[tuple[str | None, Sequence[Row]]] = (
        [(s.get("breakdown_value") or "(none)", s.get("steps", [])) for s in breakdown]
        if len(breakdown) > 1
        else [(None, result.get("steps", []))]
    )
    rows = []
    for value, steps in groups:
        for step in steps:
            row = [
                _step_name(step),
                step.get("count"),
                percent(step.get("conversion_from_previous")),
                percent(step.get("conversion_from_start")),
                step.get("dropped"),
            ]
            rows.append([value, *row] if value is not None else row)
    columns = ["step", "actors", "from previous", "from first step", "dropped"]
    return table(["breakdown", *columns] if len(groups) > 1 else columns, rows)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def funnel_summary(result: Row) -> list[Figure]:
    """Overall conversion, actors entering, and the median time to convert."""
    steps: list[Row] = result.get("steps", [])
    if not steps:
        return []
    last = steps[-1]
    timing: Mapping[str, Any] = result.get("time_to_convert") or {}
    return [
        Figure(
            label="Conversion",
            value=percent(last.get("conversion_from_start")),
            sub=f"{number(last.get('count'))} completed every step",
        ),
        Figure(
            label="Entered",
            value=number(steps[0].get("count")),
            sub=f"{result.get('unit', 'person')}s at step 1",
        ),
        Figure(
            label="Median time to convert",
            value=_duration(timing.get("median_seconds")),
            sub=f"average {_duration(timing.get('average_seconds'))}",
        ),
    ]


# --- retention ---------------------------------------------------------------------------------


def _period_name(interval: str, period: int) -> str:
    return f"{interval.capitalize()} {period}"


def retention_chart(result: Row) -> Spec | None:
    """The share of each cohort still active N intervals on, averaged (one line per value)."""
    interval = str(result.get("interval", "week"))
    series: list[tuple[str, Sequence[Row]]] = [("all", result.get("average", []))]
    breakdown = result.get("breakdown", [])
    if len(breakdown) > 1:
        series = [
            (str(s.get("breakdown_value") or "(none)"), s.get("average", [])) for s in breakdown
        ]
    values = [
        {
            "period": point["period"],
            "series": name,
            "rate": point.get("rate"),
            "retained": point.get("retained"),
            "size": point.get("cohort_size"),
        }
        for name, points in series
        for point in points
        if point.get("rate") is not None
    ]
    if not values:
        return None
    names = list(dict.fromkeys(v["series"] for v in values))
    line = {
        "mark": {"type": "line", "point": {"size": 36}, "strokeWidth": 2.2},
        "encoding": {
            "x": {
                "field": "period",
                "type": "ordinal",
                "title": f"{interval}s after the first",
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "rate",
                "type": "quantitative",
                "title": "retained",
                "axis": {"format": ".0%"},
                "scale": {"domain": [0, 1]},
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "scale": colour_scale(names),
                "title": None,
                "legend": None if len(names) == 1 else {},
            },
            "tooltip": [
                {"field": "series"},
                {"field": "period", "title": interval},
                {"field": "rate", "format": ".1%", "title": "retained"},
                {"field": "retained", "title": "actors"},
                {"field": "size", "title": "of cohorts totalling"},
            ],
        },
    }
    area = {
        "mark": {"type": "area", "opacity": 0.08, "color": "#4f46e5"},
        "encoding": {
            "x": {"field": "period", "type": "ordinal"},
            "y": {"field": "rate", "type": "quantitative"},
        },
    }
    return spec([area, line] if len(names) == 1 else [line], values=values, height=260)


def retention_table(result: Row) -> ResultTable | None:
    """The cohort heatmap: one row per cohort, its size, then the share retained each period."""
    interval = str(result.get("interval", "week"))
    cohorts: list[Row] = result.get("cohorts", [])
    if not cohorts:
        return None
    periods = max(len(c.get("rates", [])) for c in cohorts)
    rows: list[list[Any]] = []
    heat: list[list[float | None]] = []
    for cohort in cohorts:
        rates = list(cohort.get("rates", [])) + [None] * (periods - len(cohort.get("rates", [])))
        rows.append(
            [
                str(cohort["cohort"])[:10],
                cohort.get("size"),
                *(percent(r) if r is not None else None for r in rates),
            ]
        )
        heat.append([None, None, *rates])
    average = {p["period"]: p.get("rate") for p in result.get("average", [])}
    rows.append(
        [
            "average",
            sum(c.get("size") or 0 for c in cohorts),
            *(
                percent(average.get(i)) if average.get(i) is not None else None
                for i in range(periods)
            ),
        ]
    )
    heat.append([None, None, *(average.get(i) for i in range(periods))])
    columns = ["cohort", "size", *(_period_name(interval, i) for i in range(periods))]
    shown = table(columns, rows)
    shown.numeric = [False, True, *([True] * periods)]
    shown.heat = heat[: len(shown.rows)]
    return shown


def retention_summary(result: Row) -> list[Figure]:
    """Cohort size and retention after one and after the last period."""
    interval = str(result.get("interval", "week"))
    average = [p for p in result.get("average", []) if p.get("rate") is not None]
    figures = [
        Figure(
            label="Started",
            value=number(sum(c.get("size") or 0 for c in result.get("cohorts", []))),
            sub=f"{result.get('unit', 'person')}s in {len(result.get('cohorts', []))} cohorts",
        )
    ]
    shown = {p["period"]: p for p in [p for p in average if p["period"] == 1] + average[-1:]}
    for point in shown.values():
        if point["period"] == 0:
            continue
        figures.append(
            Figure(
                label=f"{_period_name(interval, point['period'])} retention",
                value=percent(point["rate"]),
                sub=f"{number(point.get('retained'))} of {number(point.get('cohort_size'))}",
            )
        )
    return figures


# --- paths -------------------------------------------------------------------------------------


def _edge_name(edge: Row) -> str:
    side = "after" if edge.get("direction") == "next" else "before"
    return f"{side} {edge.get('distance')}: {edge['source']} → {edge['target']}"


def paths_chart(result: Row) -> Spec | None:
    """The busiest transitions before and after the event, longest bar first."""
    edges: list[Row] = sorted(result.get("edges", []), key=lambda e: -e["count"])[:20]
    if not edges:
        return None
    values = [
        {
            "edge": _edge_name(e),
            "direction": "after" if e.get("direction") == "next" else "before",
            "step": e.get("distance"),
            "count": e["count"],
        }
        for e in edges
    ]
    return spec(
        values=values,
        height=max(160, 26 * len(values)),
        mark={"type": "bar", "cornerRadiusEnd": 3},
        encoding={
            "y": {
                "field": "edge",
                "type": "nominal",
                "sort": "-x",
                "title": None,
                "axis": {"labelLimit": 320},
            },
            "x": {"field": "count", "type": "quantitative", "title": "sessions taking this step"},
            "color": {
                "field": "direction",
                "type": "nominal",
                "scale": {"domain": ["after", "before"], "range": ["#4f46e5", "#94a3b8"]},
                "title": None,
            },
            "tooltip": [
                {"field": "edge", "title": "transition"},
                {"field": "direction"},
                {"field": "step", "title": "steps away"},
                {"field": "count"},
            ],
        },
    )


def paths_table(result: Row) -> ResultTable | None:
    """Every transition: direction, steps away, from, to, how many."""
    edges: list[Row] = sorted(
        result.get("edges", []),
        key=lambda e: (e.get("direction") != "next", e.get("distance"), -e["count"]),
    )
    if not edges:
        return None
    rows = [
        [e.get("direction"), e.get("distance"), e["source"], e["target"], e["count"]] for e in edges
    ]
    return table(["direction", "steps away", "from", "to", "sessions"], rows)


def paths_summary(result: Row) -> list[Figure]:
    """How often the event happened, in how many sessions, and the commonest next step."""
    after = [e for e in result.get("next", []) if e.get("distance") == 1]
    top = max(after, key=lambda e: e["count"], default=None)
    figures = [
        Figure(
            label=f"{result.get('event', 'event')}",
            value=number(result.get("occurrences")),
            sub="occurrences",
        ),
        Figure(label="Sessions", value=number(result.get("sessions")), sub="with the event"),
    ]
    if top is not None:
        figures.append(
            Figure(
                label="Most common next",
                value=str(top["event"]),
                sub=f"{number(top['count'])} times",
            )
        )
    return figures

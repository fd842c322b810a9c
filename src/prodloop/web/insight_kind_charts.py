"""Charts, tables and headline figures of the insights over time buckets.

Trends draw lines (one per series or breakdown value, the previous period dashed beside the
current one), stickiness draws bars by "active on N intervals", and lifecycle stacks new,
returning and resurrecting above the axis and dormant below it. Each reads the result as the
API returns it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prodloop.web.insight_chart_parts import (
    LIFECYCLE_COLOURS,
    Figure,
    ResultTable,
    Row,
    Spec,
    colour_scale,
    number,
    spec,
    table,
)

#: How bucket labels show in tables and tooltips, by interval.
LABEL_FORMATS = {"hour": "%d %b %H:%M", "day": "%d %b %Y", "week": "%d %b %Y", "month": "%b %Y"}


def x_value(label: str, interval: str) -> str:
    """A bucket label (local ISO datetime) as a UTC-read ISO string, so it shows as local."""
    return f"{label[:16]}:00Z" if interval == "hour" else label[:10]


def x_axis(interval: str) -> Spec:
    """The time axis of a bucketed insight."""
    formats = {"hour": "%d %b %H:%M", "month": "%b %Y"}
    return {
        "field": "x",
        "type": "temporal",
        "scale": {"type": "utc"},
        "title": None,
        "axis": {"format": formats.get(interval, "%d %b"), "grid": False, "labelOverlap": True},
    }


def short_text(label: str, interval: str) -> str:
    """A bucket label as an axis shows it (13 Nov, 13 Nov 14:00, Nov 2026)."""
    moment = datetime.fromisoformat(label[:19])
    return moment.strftime("%d %b" if interval in {"day", "week"} else LABEL_FORMATS[interval])


def bucket_text(label: str, interval: str) -> str:
    """A bucket label as the table shows it."""
    day = label[:10]
    if interval == "hour":
        return f"{day} {label[11:16]}"
    if interval == "month":
        return day[:7]
    return day


# --- trends ------------------------------------------------------------------------------------


def _trend_lines(result: Row) -> tuple[list[Row], list[Row]]:
    lines = result.get("lines", [])
    current = [line for line in lines if line.get("period", "current") == "current"]
    previous = [line for line in lines if line.get("period") == "previous"]
    return current, previous


def trends_chart(result: Row) -> Spec | None:
    """One line per series (and breakdown value); the previous period dashed, aligned."""
    interval = str(result.get("interval", "day"))
    labels: list[str] = result.get("labels", [])
    previous_labels: list[str] = result.get("previous_labels", [])
    current, previous = _trend_lines(result)
    if not labels or not current:
        return None
    values: list[dict[str, Any]] = []
    for period, lines, shown in (("current", current, labels), ("previous", previous, labels)):
        for line in lines:
            for i, value in enumerate(line.get("values", [])):
                when = (
                    previous_labels[i]
                    if period == "previous" and i < len(previous_labels)
                    else shown[i]
                )
                values.append(
                    {
                        "x": x_value(shown[i], interval),
                        "when": bucket_text(when, interval),
                        "series": line["label"],
                        "period": period,
                        "value": value,
                    }
                )
    names = list(dict.fromkeys(line["label"] for line in current))
    single = len(labels) == 1
    mark: Spec = (
        {"type": "bar", "cornerRadiusEnd": 3}
        if single
        else {"type": "line", "point": {"size": 28}, "strokeWidth": 2.2, "interpolate": "linear"}
    )
    encoding: Spec = {
        "x": x_axis(interval)
        if not single
        else {"field": "series", "type": "nominal", "title": None},
        "y": {"field": "value", "type": "quantitative", "title": None, "axis": {"tickMinStep": 1}},
        "color": {
            "field": "series",
            "type": "nominal",
            "scale": colour_scale(names),
            "title": None,
        },
        "strokeDash": {
            "field": "period",
            "type": "nominal",
            "scale": {"domain": ["current", "previous"], "range": [[1, 0], [5, 4]]},
            "legend": None if not previous else {"title": None},
        },
        "tooltip": [
            {"field": "series"},
            {"field": "when", "title": "bucket"},
            {"field": "value", "format": ",.2~f"},
            {"field": "period"},
        ],
    }
    if single:
        encoding.pop("strokeDash")
    return spec(values=values, mark=mark, encoding=encoding, height=300)


def trends_table(result: Row) -> ResultTable | None:
    """One row per bucket, one column per line (previous-period lines marked)."""
    interval = str(result.get("interval", "day"))
    labels: list[str] = result.get("labels", [])
    current, previous = _trend_lines(result)
    lines = [*current, *previous]
    if not lines:
        return None
    columns = [interval, *(_line_name(line) for line in lines)]
    rows = [
        [bucket_text(label, interval), *(_at(line, i) for line in lines)]
        for i, label in enumerate(labels)
    ]
    rows.append(["total", *(line.get("total") for line in lines)])
    return table(columns, rows)


def _line_name(line: Row) -> str:
    label = str(line["label"])
    if line.get("period") == "previous" and "previous" not in label:
        return f"{label} (previous)"
    return label


def _at(line: Row, index: int) -> Any:
    values = line.get("values", [])
    return values[index] if index < len(values) else None


def _line_key(line: Row) -> tuple[Any, ...]:
    """What pairs a previous-period line with its current one."""
    label = str(line["label"]).removesuffix(" (previous period)").removesuffix(" (previous)")
    return (line.get("kind"), line.get("series"), line.get("breakdown_value"), label)


def trends_summary(result: Row) -> list[Figure]:
    """The total of each current line, with the change against the previous period."""
    current, previous = _trend_lines(result)
    before = {_line_key(line): line.get("total") for line in previous}
    figures = []
    for line in current[:4]:
        total, old = line.get("total"), before.get(_line_key(line))
        sub = "total in range"
        if old:
            sub = f"{(total or 0) / old - 1:+.0%} vs previous period"
        figures.append(Figure(label=str(line["label"]), value=number(total), sub=sub))
    return figures


# --- stickiness --------------------------------------------------------------------------------


def stickiness_chart(result: Row) -> Spec | None:
    """Actors by how many intervals of the range they were active in, grouped by series."""
    interval = str(result.get("interval", "day"))
    intervals: list[int] = result.get("intervals", [])
    lines = result.get("lines", [])
    if not intervals or not any(line.get("total") for line in lines):
        return None
    values = [
        {
            "n": n,
            "label": f"{n} {interval}{'' if n == 1 else 's'}",
            "series": line["label"],
            "actors": v,
        }
        for line in lines
        for n, v in zip(intervals, line.get("values", []), strict=False)
    ]
    names = list(dict.fromkeys(line["label"] for line in lines))
    return spec(
        values=values,
        height=280,
        mark={"type": "bar", "cornerRadiusEnd": 3},
        encoding={
            "x": {
                "field": "n",
                "type": "ordinal",
                "title": f"{interval}s active in the range",
                "axis": {"labelAngle": 0},
            },
            "xOffset": {"field": "series"},
            "y": {
                "field": "actors",
                "type": "quantitative",
                "title": str(result.get("count_by", "person")) + "s",
            },
            "color": {
                "field": "series",
                "type": "nominal",
                "scale": colour_scale(names),
                "title": None,
            },
            "tooltip": [
                {"field": "series"},
                {"field": "label", "title": "active on"},
                {"field": "actors"},
            ],
        },
    )


def stickiness_table(result: Row) -> ResultTable | None:
    """One row per "active on N intervals", one column per series."""
    interval = str(result.get("interval", "day"))
    lines = result.get("lines", [])
    intervals = result.get("intervals", [])
    if not lines:
        return None
    rows = [[n, *(_at(line, i) for line in lines)] for i, n in enumerate(intervals)]
    return table([f"{interval}s active", *(str(line["label"]) for line in lines)], rows)


def stickiness_summary(result: Row) -> list[Figure]:
    """Actors counted per series."""
    unit = str(result.get("count_by", "person"))
    return [
        Figure(label=str(line["label"]), value=number(line.get("total")), sub=f"{unit}s active")
        for line in result.get("lines", [])[:4]
    ]


# --- lifecycle ---------------------------------------------------------------------------------


def lifecycle_chart(result: Row) -> Spec | None:
    """New, returning and resurrecting stacked up; dormant stacked down."""
    interval = str(result.get("interval", "day"))
    labels: list[str] = result.get("labels", [])
    lines = result.get("lines", [])
    if not labels or not any(line.get("total") for line in lines):
        return None
    values = []
    for line in lines:
        status = str(line.get("status", line["label"]).lower())
        for label, value in zip(labels, line.get("values", []), strict=False):
            signed = -abs(value) if status == "dormant" else value
            values.append(
                {
                    "x": short_text(label, interval),
                    "when": bucket_text(label, interval),
                    "status": status,
                    "actors": signed,
                }
            )
    statuses = list(LIFECYCLE_COLOURS)
    return spec(
        values=values,
        height=300,
        mark={"type": "bar"},
        encoding={
            "x": {
                "field": "x",
                "type": "ordinal",
                "sort": None,
                "title": None,
                "axis": {"labelAngle": 0, "labelOverlap": True},
            },
            "y": {"field": "actors", "type": "quantitative", "title": None, "stack": "zero"},
            "color": {
                "field": "status",
                "type": "nominal",
                "scale": {"domain": statuses, "range": [LIFECYCLE_COLOURS[s] for s in statuses]},
                "title": None,
            },
            "order": {"field": "status", "sort": "ascending"},
            "tooltip": [
                {"field": "when", "title": interval},
                {"field": "status"},
                {"field": "actors"},
            ],
        },
    )


def lifecycle_table(result: Row) -> ResultTable | None:
    """One row per bucket, one column per status (dormant negative)."""
    interval = str(result.get("interval", "day"))
    labels: list[str] = result.get("labels", [])
    lines = result.get("lines", [])
    if not lines:
        return None
    rows = [
        [bucket_text(label, interval), *(_at(line, i) for line in lines)]
        for i, label in enumerate(labels)
    ]
    return table([interval, *(str(line["label"]).lower() for line in lines)], rows)


def lifecycle_summary(result: Row) -> list[Figure]:
    """Each status's total over the range."""
    return [
        Figure(label=str(line["label"]), value=number(line.get("total")), sub="over the range")
        for line in result.get("lines", [])
    ]

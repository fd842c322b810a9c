"""Vega-Lite specs, results tables and headline figures for every insight kind.

Builders read a result as the JSON the API returns (``model_dump(mode="json")``), so the page,
its JSON twin, dashboards and reports draw from one shape. Each chart kind (the registry's
``chart`` hint) has a builder; a kind without one falls back to a line over the first list of
dated points in its result, and to a table of its first list of rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from prodloop.web import insight_flow_charts as flows
from prodloop.web import insight_kind_charts as kinds
from prodloop.web.charts import ACCENT
from prodloop.web.insight_chart_parts import (
    DATE_KEYS,
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

__all__ = ["Figure", "ResultTable", "chart_for", "summary_for", "table_for"]


# --- generic fallbacks -------------------------------------------------------------------------


def _rows_lists(result: Row) -> list[tuple[str, list[Row]]]:
    found = []
    for key, value in result.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            found.append((key, value))
    return found


def _scalar_columns(rows: Sequence[Row]) -> list[str]:
    columns: list[str] = []
    for row in rows[:20]:
        for key, value in row.items():
            if key not in columns and (value is None or isinstance(value, str | int | float)):
                columns.append(key)
    return columns


def generic_table(result: Row) -> ResultTable | None:
    """The first list of rows in ``result``, its scalar columns."""
    for _key, rows in _rows_lists(result):
        columns = _scalar_columns(rows)
        if columns:
            return table(columns, [[row.get(c) for c in columns] for row in rows])
    return None


def generic_chart(result: Row) -> Spec | None:
    """A line over the first list of points with a date and a number."""
    for _key, rows in _rows_lists(result):
        first = rows[0]
        x = next((k for k in DATE_KEYS if k in first), None)
        y = next(
            (
                k
                for k, v in first.items()
                if isinstance(v, int | float) and not isinstance(v, bool) and k != x
            ),
            None,
        )
        if x and y:
            values = [{"x": row.get(x), "y": row.get(y)} for row in rows]
            return spec(
                values=values,
                mark={"type": "line", "point": True, "color": ACCENT},
                encoding={
                    "x": {"field": "x", "type": "ordinal", "title": None},
                    "y": {"field": "y", "type": "quantitative", "title": y.replace("_", " ")},
                    "tooltip": [{"field": "x", "title": x}, {"field": "y", "title": y}],
                },
            )
    return None


# --- adoption ----------------------------------------------------------------------------------


def adoption_chart(result: Row) -> Spec | None:
    """Cumulative adoption rate by period since launch, one line per feature."""
    values = []
    for feature in result.get("features", []):
        for point in feature.get("curve", []):
            if point.get("rate") is not None:
                values.append(
                    {
                        "feature": feature.get("title") or feature.get("key"),
                        "period": point["period"],
                        "rate": point["rate"],
                        "adopters": point.get("cumulative_adopters"),
                    }
                )
    if not values:
        return None
    names = list(dict.fromkeys(v["feature"] for v in values))
    interval = result.get("curve_interval", "week")
    return spec(
        values=values,
        mark={"type": "line", "point": True, "strokeWidth": 2.2},
        encoding={
            "x": {"field": "period", "type": "quantitative", "title": f"{interval}s since launch"},
            "y": {
                "field": "rate",
                "type": "quantitative",
                "title": "adoption",
                "axis": {"format": ".0%"},
            },
            "color": {
                "field": "feature",
                "type": "nominal",
                "scale": colour_scale(names),
                "title": None,
            },
            "tooltip": [
                {"field": "feature"},
                {"field": "period", "title": interval},
                {"field": "rate", "format": ".1%", "title": "adoption"},
                {"field": "adopters", "title": "adopters"},
            ],
        },
    )


def adoption_table(result: Row) -> ResultTable:
    """One row per feature: active, adopters, rate, ARR, time to first use."""
    rows = []
    for f in result.get("features", []):
        first_use = f.get("time_to_first_use") or {}
        rows.append(
            [
                f.get("title") or f.get("key"),
                f.get("active"),
                f.get("adopters"),
                percent(f.get("adoption_rate")),
                f.get("adopting_arr"),
                first_use.get("median_days"),
            ]
        )
    columns = ["feature", "active", "adopters", "adoption", "adopting ARR", "median days to use"]
    return table(columns, rows)


def adoption_summary(result: Row) -> list[Figure]:
    """Headline adoption of each feature."""
    return [
        Figure(
            label=str(f.get("title") or f.get("key")),
            value=percent(f.get("adoption_rate")),
            sub=f"{number(f.get('adopters'))} of {number(f.get('active'))} active",
        )
        for f in result.get("features", [])[:4]
    ]


# --- dispatch ----------------------------------------------------------------------------------

CHARTS: dict[str, Callable[[Row], Spec | None]] = {
    "line": kinds.trends_chart,
    "trends": kinds.trends_chart,
    "funnel": flows.funnel_chart,
    "funnels": flows.funnel_chart,
    "retention": flows.retention_chart,
    "paths": flows.paths_chart,
    "stickiness": kinds.stickiness_chart,
    "lifecycle": kinds.lifecycle_chart,
    "adoption": adoption_chart,
}
TABLES: dict[str, Callable[[Row], ResultTable | None]] = {
    "line": kinds.trends_table,
    "trends": kinds.trends_table,
    "funnel": flows.funnel_table,
    "funnels": flows.funnel_table,
    "retention": flows.retention_table,
    "paths": flows.paths_table,
    "stickiness": kinds.stickiness_table,
    "lifecycle": kinds.lifecycle_table,
    "adoption": adoption_table,
}
SUMMARIES: dict[str, Callable[[Row], list[Figure]]] = {
    "line": kinds.trends_summary,
    "trends": kinds.trends_summary,
    "funnel": flows.funnel_summary,
    "funnels": flows.funnel_summary,
    "retention": flows.retention_summary,
    "paths": flows.paths_summary,
    "stickiness": kinds.stickiness_summary,
    "lifecycle": kinds.lifecycle_summary,
    "adoption": adoption_summary,
}


def chart_for(chart_kind: str, result: Row) -> Spec | None:
    """The chart of a result (None when there is nothing to draw)."""
    builder = CHARTS.get(chart_kind, generic_chart)
    return builder(result)


def table_for(chart_kind: str, result: Row) -> ResultTable | None:
    """The results table of a result."""
    builder = TABLES.get(chart_kind, generic_table)
    return builder(result)


def summary_for(chart_kind: str, result: Row) -> list[Figure]:
    """The headline figures of a result (none for kinds without a summary)."""
    builder = SUMMARIES.get(chart_kind)
    return builder(result) if builder else []

"""The parts every insight chart is made of: the spec frame, colours, tables and figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from prodloop.web.charts import CONFIG, SCHEMA

Spec = dict[str, Any]
Row = Mapping[str, Any]

#: Series colours, in order (the first is the product accent).
PALETTE = [
    "#4f46e5",
    "#0d9488",
    "#f59e0b",
    "#ec4899",
    "#3b82f6",
    "#8b5cf6",
    "#16a34a",
    "#dc2626",
    "#64748b",
    "#ea580c",
]
LIFECYCLE_COLOURS = {
    "new": "#4f46e5",
    "returning": "#0d9488",
    "resurrecting": "#16a34a",
    "dormant": "#dc2626",
}
DATE_KEYS = ("date", "day", "bucket", "start", "period_start", "label")
TABLE_ROW_LIMIT = 200


class ResultTable(BaseModel):
    """A result as rows under named columns (numbers right-aligned by the template)."""

    columns: list[str]
    rows: list[list[Any]]
    numeric: list[bool] = []
    #: per cell, a 0-1 intensity to shade it by (a retention heatmap), or None
    heat: list[list[float | None]] = []


class Figure(BaseModel):
    """A headline number above the chart."""

    label: str
    value: str
    sub: str = ""


def spec(
    layers: list[Spec] | None = None,
    *,
    values: list[dict[str, Any]],
    height: int = 260,
    mark: Spec | None = None,
    encoding: Spec | None = None,
) -> Spec:
    """A full-width spec over inlined ``values``: one mark, or several layers."""
    chart: Spec = {
        "$schema": SCHEMA,
        "width": "container",
        "height": height,
        "autosize": {"type": "fit", "contains": "padding"},
        "config": CONFIG,
        "data": {"values": values},
    }
    if layers is not None:
        chart["layer"] = layers
    else:
        chart["mark"] = mark
        chart["encoding"] = encoding
    return chart


def colour_scale(names: Sequence[str]) -> Spec:
    """A nominal colour scale giving ``names`` the palette in order."""
    return {"domain": list(names), "range": [PALETTE[i % len(PALETTE)] for i in range(len(names))]}


def percent(value: float | None, digits: int = 1) -> str:
    """A share as people read it."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def number(value: float | None) -> str:
    """A count or measure as people read it."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def table(columns: list[str], rows: list[list[Any]]) -> ResultTable:
    """A results table, numeric columns marked, at most :data:`TABLE_ROW_LIMIT` rows."""
    rows = rows[:TABLE_ROW_LIMIT]
    numeric = [
        any(isinstance(r[i], int | float) for r in rows)
        and all(r[i] is None or isinstance(r[i], int | float) for r in rows)
        for i in range(len(columns))
    ]
    return ResultTable(columns=columns, rows=rows, numeric=numeric)

"""The chart, table and figure builders against hand-computed expectations.

Each builder reads a result as the API returns it; these tests feed small results whose right
chart data is worked out by hand, so a builder that drops, shifts or mislabels a number fails.
"""

from __future__ import annotations

from typing import Any

from prodloop.web.insight_charts import chart_for, summary_for, table_for

LABELS = ["2026-03-28T00:00:00", "2026-03-29T00:00:00", "2026-03-30T00:00:00"]


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inlined data of a spec."""
    data: list[dict[str, Any]] = spec["data"]["values"]
    return data


def test_trends_previous_period_is_dashed_on_the_current_days() -> None:
    result = {
        "interval": "day",
        "labels": LABELS,
        "previous_labels": ["2026-03-25T00:00:00", "2026-03-26T00:00:00", "2026-03-27T00:00:00"],
        "lines": [
            {"label": "A: signup", "period": "current", "values": [1, 2, 3], "total": 6},
            {
                "label": "A: signup (previous period)",
                "period": "previous",
                "values": [3, 0, 0],
                "total": 3,
            },
        ],
    }
    spec = chart_for("line", result)
    assert spec is not None
    previous = [v for v in values(spec) if v["period"] == "previous"]
    assert [(v["x"], v["when"], v["value"]) for v in previous] == [
        ("2026-03-28", "2026-03-25", 3),
        ("2026-03-29", "2026-03-26", 0),
        ("2026-03-30", "2026-03-27", 0),
    ]
    assert spec["encoding"]["strokeDash"]["scale"]["range"][1] == [5, 4]
    table = table_for("line", result)
    assert table is not None
    assert table.columns == ["day", "A: signup", "A: signup (previous period)"]
    assert table.rows[-1] == ["total", 6, 3]
    (figure,) = summary_for("line", result)
    assert (figure.value, figure.sub) == ("6", "+100% vs previous period")


def test_lifecycle_dormant_goes_below_the_axis() -> None:
    result = {
        "interval": "day",
        "labels": LABELS,
        "lines": [
            {"status": "new", "label": "New", "values": [2, 0, 1], "total": 3},
            {"status": "dormant", "label": "Dormant", "values": [0, -2, -1], "total": -3},
        ],
    }
    spec = chart_for("lifecycle", result)
    assert spec is not None
    dormant = [v["actors"] for v in values(spec) if v["status"] == "dormant"]
    assert dormant == [0, -2, -1]
    assert spec["encoding"]["y"]["stack"] == "zero"


def test_funnel_bars_split_converted_and_dropped_off() -> None:
    steps = [
        {
            "step": 1,
            "event": "visit",
            "label": "",
            "count": 10,
            "dropped": 0,
            "conversion_from_previous": None,
            "conversion_from_start": 1.0,
        },
        {
            "step": 2,
            "event": "signup",
            "label": "Sign up",
            "count": 4,
            "dropped": 6,
            "conversion_from_previous": 0.4,
            "conversion_from_start": 0.4,
        },
        {
            "step": 3,
            "event": "pay",
            "label": "",
            "count": 1,
            "dropped": 3,
            "conversion_from_previous": 0.25,
            "conversion_from_start": 0.1,
        },
    ]
    result = {"unit": "person", "steps": steps, "breakdown": [], "time_to_convert": {}}
    spec = chart_for("funnel", result)
    assert spec is not None
    bars = {(v["step"], v["part"]): v["actors"] for v in values(spec)}
    assert bars == {
        ("1. visit", "converted"): 10,
        ("1. visit", "dropped off"): 0,
        ("2. Sign up", "converted"): 4,
        ("2. Sign up", "dropped off"): 6,
        ("3. pay", "converted"): 1,
        ("3. pay", "dropped off"): 9,
    }
    conversion, entered, _timing = summary_for("funnel", result)
    assert (conversion.value, entered.value) == ("10.0%", "10")


def test_retention_table_shades_each_cell_by_its_rate() -> None:
    result = {
        "interval": "week",
        "unit": "person",
        "cohorts": [
            {"cohort": "2026-03-02T00:00:00", "size": 4, "counts": [4, 2], "rates": [1.0, 0.5]},
            {"cohort": "2026-03-09T00:00:00", "size": 2, "counts": [2], "rates": [1.0]},
        ],
        "average": [
            {"period": 0, "retained": 6, "cohort_size": 6, "cohorts": 2, "rate": 1.0},
            {"period": 1, "retained": 2, "cohort_size": 4, "cohorts": 1, "rate": 0.5},
        ],
        "breakdown": [],
    }
    table = table_for("retention", result)
    assert table is not None
    assert table.columns == ["cohort", "size", "Week 0", "Week 1"]
    assert table.rows == [
        ["2026-03-02", 4, "100.0%", "50.0%"],
        ["2026-03-09", 2, "100.0%", None],
        ["average", 6, "100.0%", "50.0%"],
    ]
    assert table.heat[0] == [None, None, 1.0, 0.5]
    spec = chart_for("retention", result)
    assert spec is not None
    assert [v["rate"] for v in values(spec)] == [1.0, 0.5]


def test_paths_bars_keep_before_and_after_apart() -> None:
    result = {
        "event": "signup",
        "occurrences": 5,
        "sessions": 4,
        "next": [{"distance": 1, "event": "pay", "count": 3}],
        "previous": [],
        "edges": [
            {"direction": "next", "distance": 2, "source": "a", "target": "b", "count": 2},
            {"direction": "previous", "distance": 2, "source": "a", "target": "b", "count": 1},
        ],
    }
    spec = chart_for("paths", result)
    assert spec is not None
    assert {v["edge"]: v["count"] for v in values(spec)} == {
        "after 2: a → b": 2,
        "before 2: a → b": 1,
    }
    assert summary_for("paths", result)[2].value == "pay"


def test_nothing_to_draw_gives_no_chart() -> None:
    assert chart_for("line", {"interval": "day", "labels": [], "lines": []}) is None
    empty_funnel = {"steps": [{"step": 1, "event": "a", "count": 0}], "breakdown": []}
    assert chart_for("funnel", empty_funnel) is None

"""The experiments pages: ``/experiments`` (the registry) and ``/experiments/{key}`` (one
experiment's readout: verdict, results table with intervals, cumulative lift, health checks,
design and decision record). Both have a JSON twin (``?format=json``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import MetricOut, list_metrics, metric_out
from prodloop.experiments.registry import service
from prodloop.experiments.registry.analysis import ExperimentAnalysis, MetricResult, TimelinePoint
from prodloop.experiments.registry.schemas import ExperimentOut, ExperimentStatus
from prodloop.web.charts import ACCENT, MUTED, chart
from prodloop.web.deps import AppSettings
from prodloop.web.pages.layout import PageLayout

router = APIRouter()

Spec = dict[str, Any]
GOOD, BAD = "#16a34a", "#dc2626"


class ExperimentsPage(BaseModel):
    """Everything ``/experiments`` shows."""

    experiments: list[ExperimentOut]
    counts: dict[str, int]
    metrics: list[MetricOut]


class ExperimentPage(BaseModel):
    """Everything ``/experiments/{key}`` shows."""

    experiment: ExperimentOut
    analysis: ExperimentAnalysis | None
    charts: dict[str, Spec]


def interval_chart(result: MetricResult) -> Spec:
    """Each variant's relative lift and its interval against zero (green good, red bad)."""
    values = []
    for row in result.rows[1:]:
        if row.lift is None or row.ci_lower is None or row.ci_upper is None:
            continue
        good = row.lift > 0 if result.higher_is_better else row.lift < 0
        tone = "good" if row.significant and good else "bad" if row.significant else "neutral"
        values.append(
            {
                "variant": row.variant,
                "lift": row.lift,
                "low": row.ci_lower,
                "high": row.ci_upper,
                "tone": tone,
            }
        )
    colour = {
        "field": "tone",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": ["good", "bad", "neutral"], "range": [GOOD, BAD, MUTED]},
    }
    y = {"field": "variant", "type": "nominal", "title": None}
    return chart(
        [
            {
                "mark": {"type": "rule", "color": MUTED, "strokeDash": [4, 3]},
                "encoding": {"x": {"datum": 0}},
            },
            {
                "mark": {"type": "rule", "strokeWidth": 3},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "low",
                        "type": "quantitative",
                        "title": "lift vs control",
                        "axis": {"format": "%"},
                    },
                    "x2": {"field": "high"},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 80},
                "encoding": {
                    "y": y,
                    "x": {"field": "lift", "type": "quantitative"},
                    "color": colour,
                    "tooltip": [
                        {"field": "variant"},
                        {"field": "lift", "format": "+.1%"},
                        {"field": "low", "format": "+.1%", "title": "CI low"},
                        {"field": "high", "format": "+.1%", "title": "CI high"},
                    ],
                },
            },
        ],
        values=values,
        height=max(60, 36 * len(values)),
    )


def cumulative_chart(points: list[TimelinePoint]) -> Spec:
    """The primary metric's cumulative lift over time with its confidence band."""
    values = [
        {
            "day": p.at.date().isoformat(),
            "variant": p.variant,
            "lift": p.lift,
            "low": p.ci_lower,
            "high": p.ci_upper,
        }
        for p in points
    ]
    x = {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": None}
    colour = {"field": "variant", "type": "nominal", "title": "variant"}
    return chart(
        [
            {
                "mark": {"type": "rule", "color": MUTED, "strokeDash": [4, 3]},
                "encoding": {"y": {"datum": 0}},
            },
            {
                "mark": {"type": "area", "opacity": 0.18},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "low",
                        "type": "quantitative",
                        "title": "cumulative lift",
                        "axis": {"format": "%"},
                    },
                    "y2": {"field": "high"},
                    "color": colour,
                },
            },
            {
                "mark": {"type": "line", "point": True, "color": ACCENT},
                "encoding": {
                    "x": x,
                    "y": {"field": "lift", "type": "quantitative"},
                    "color": colour,
                    "tooltip": [
                        {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate"},
                        {"field": "variant"},
                        {"field": "lift", "format": "+.1%"},
                        {"field": "low", "format": "+.1%", "title": "CI low"},
                        {"field": "high", "format": "+.1%", "title": "CI high"},
                    ],
                },
            },
        ],
        values=values,
    )


@router.get("/experiments")
def experiments_page(page: PageLayout) -> Response:
    """The experiment registry, newest first, with the metric definitions they read."""
    found = [service.describe_experiment(page.db, e) for e in service.list_experiments(page.db)]
    counts = {status.value: 0 for status in ExperimentStatus}
    for experiment in found:
        counts[experiment.status.value] += 1
    data = ExperimentsPage(
        experiments=found,
        counts=counts,
        metrics=[metric_out(m) for m in list_metrics(page.db)],
    )
    return page.render("experiments/index.html", data, section="experiments")


@router.get("/experiments/{key}")
def experiment_page(key: str, page: PageLayout, settings: AppSettings) -> Response:
    """One experiment's readout (once started) and its design and decision record."""
    experiment = service.get_experiment(page.db, key)
    analysis = None
    charts: dict[str, Spec] = {}
    if experiment.started_at is not None:
        analysis = service.read_experiment(page.db, EventLake(settings), experiment)
        charts = {f"metric-{m.metric}": interval_chart(m) for m in analysis.metrics}
        if analysis.timeline:
            charts["cumulative"] = cumulative_chart(analysis.timeline)
    data = ExperimentPage(
        experiment=service.describe_experiment(page.db, experiment),
        analysis=analysis,
        charts=charts,
    )
    return page.render("experiments/detail.html", data, section="experiments")

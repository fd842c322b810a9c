"""Reading an experiment: exposures and metric events from the lake, through the stats engine,
to a verdict in plain language from the rules frozen at the start.

Each metric's per-variant sufficient statistics come from one SQL query over
``person_events`` (:func:`prodloop.analytics.metrics.experiment_totals_sql`); counts, unique
days and property sums are CUPED-adjusted with their pre-exposure values, conversions and
retention are proportions, ratios use the delta method. Lifts are relative to the control
(the flag's first variant), at the confidence the rules declared.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel

from prodloop.analytics.metrics import (
    ExperimentTotals,
    ExposureWindow,
    MetricKind,
    MetricSpec,
    UnitColumn,
    VariantTotals,
    describe_metric,
    experiment_totals,
    experiment_totals_over_time,
)
from prodloop.analytics.query.engine import Engine
from prodloop.experiments.stats import (
    CovariateAdjusted,
    DecisionRules,
    ExperimentProgress,
    FrequentistResult,
    HealthReport,
    MetricBaseline,
    MetricRule,
    Proportion,
    RatioMetric,
    SampleMean,
    multiple_exposures,
    read_out,
    readings_from_result,
    sample_ratio_mismatch,
    sample_size_per_variant,
    sequential_test,
    welch_t_test,
)
from prodloop.experiments.stats.health import minimum_sample, pre_exposure_imbalance
from prodloop.experiments.stats.sufficient import ComparableMetric

Role = Literal["primary", "secondary", "guardrail"]
#: At most this many points on the cumulative-lift chart.
MAX_TIMELINE_POINTS = 30


@dataclass(frozen=True)
class ExperimentPlan:
    """What the analysis needs to know about an experiment, from the registry."""

    key: str
    flag_key: str
    unit_type: str
    variants: Sequence[tuple[str, float]]
    started_at: datetime
    stopped_at: datetime | None
    primary_metric: str
    secondary_metrics: Sequence[str]
    guardrails: Sequence[tuple[str, float]]
    alpha: float = 0.05
    power: float = 0.8
    minimum_detectable_effect: float = 0.05
    sequential: bool = False
    minimum_units_per_variant: int = 100
    planned_units_per_variant: int | None = None


class VariantRow(BaseModel):
    """One variant's figures for one metric; lift and interval are relative to the control."""

    variant: str
    units: int
    mean: float
    lift: float | None = None
    ci_lower: float | None = None
    ci_upper: float | None = None
    p_value: float | None = None
    significant: bool = False


class MetricResult(BaseModel):
    """One metric across the variants."""

    metric: str
    role: Role
    kind: MetricKind
    description: str
    higher_is_better: bool
    margin: float = 0.0
    method: str
    rows: list[VariantRow]
    sql: str


class VariantUnits(BaseModel):
    """Units per variant, against the planned split."""

    variant: str
    weight: float
    units: int
    expected_units: float


class HealthOut(BaseModel):
    """The health checks, in figures and words."""

    sample_ratio_p_value: float
    sample_ratio_mismatch: bool
    units_in_several: int
    several_share: float
    pre_exposure_p_value: float | None
    problems: list[str]


class VariantDecisionOut(BaseModel):
    """One variant's verdict."""

    variant: str | None
    verdict: str
    summary: str


class TimelinePoint(BaseModel):
    """The primary metric's cumulative lift at the end of one day."""

    at: datetime
    variant: str
    lift: float
    ci_lower: float
    ci_upper: float


class ExperimentAnalysis(BaseModel):
    """Everything an experiment's readout shows."""

    experiment: str
    flag: str
    window_start: datetime
    window_end: datetime
    days_running: float
    control: str
    variants: list[VariantUnits]
    metrics: list[MetricResult]
    health: HealthOut
    verdict: str
    summary: str
    reasons: list[str]
    more_days: int | None
    required_units_per_variant: int
    variant_decisions: list[VariantDecisionOut]
    timeline: list[TimelinePoint]


def metric_statistic(
    spec: MetricSpec, totals: Sequence[VariantTotals]
) -> tuple[ComparableMetric, str]:
    """The stats engine's input for one metric, variants in order (control first)."""
    n = np.array([[t.units for t in totals]], dtype=np.float64)

    def grid(name: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.array([[getattr(t, name) for t in totals]], dtype=np.float64)

    if spec.kind.is_rate:
        return Proportion(n, grid("value_sum")), "proportion, Welch t-test"
    post = SampleMean(n, grid("value_sum"), grid("value_sum_squares"))
    if spec.kind is MetricKind.RATIO:
        denominator = SampleMean(n, grid("denominator_sum"), grid("denominator_sum_squares"))
        ratio = RatioMetric(post, denominator, grid("value_denominator_products"))
        return ratio, "ratio of sums (delta method), Welch t-test"
    pre = SampleMean(n, grid("pre_sum"), grid("pre_sum_squares"))
    adjusted = CovariateAdjusted(post, pre, grid("value_pre_products"))
    return adjusted, "mean per unit, CUPED-adjusted with the pre-exposure period"


def _test(plan: ExperimentPlan, metric: ComparableMetric) -> FrequentistResult:
    if plan.sequential:
        return sequential_test(metric, alpha=plan.alpha)
    return welch_t_test(metric, alpha=plan.alpha)


def _variant_totals(plan: ExperimentPlan, totals: ExperimentTotals) -> list[VariantTotals]:
    """Totals in the plan's variant order; a variant nobody saw has zeros."""
    ordered = []
    for name, _weight in plan.variants:
        found = totals.variants.get(name)
        ordered.append(found or VariantTotals(name, 0, 0, 0, 0, 0, 0, 0, 0, 0))
    return ordered


def _window(plan: ExperimentPlan, as_of: datetime) -> tuple[datetime, datetime]:
    end = min(plan.stopped_at, as_of) if plan.stopped_at is not None else as_of
    return plan.started_at, max(end, plan.started_at)


def _unit_column(plan: ExperimentPlan) -> UnitColumn:
    return "account_id" if plan.unit_type == "account" else "person_id"


def _roles(plan: ExperimentPlan) -> list[tuple[str, Role, float]]:
    return [
        (plan.primary_metric, "primary", 0.0),
        *((m, "secondary", 0.0) for m in plan.secondary_metrics),
        *((m, "guardrail", margin) for m, margin in plan.guardrails),
    ]


def analyze_experiment(
    engine: Engine,
    plan: ExperimentPlan,
    metrics: Mapping[str, MetricSpec],
    *,
    as_of: datetime,
    timeline: bool = True,
) -> ExperimentAnalysis:
    """Read the experiment up to ``as_of`` (or its stop): results, health and verdict."""
    start, end = _window(plan, as_of)
    window = ExposureWindow(plan.flag_key, start, end, _unit_column(plan))
    names = [name for name, _ in plan.variants]
    results: list[MetricResult] = []
    readings = []
    primary_totals: list[VariantTotals] = []
    units_in_several = 0
    for key, role, margin in _roles(plan):
        spec = metrics[key]
        totals = experiment_totals(engine, spec, window)
        ordered = _variant_totals(plan, totals)
        if role == "primary":
            primary_totals, units_in_several = ordered, totals.units_in_several
        statistic, method = metric_statistic(spec, ordered)
        result = _test(plan, statistic)
        readings += readings_from_result(result, metrics=[key], variants=names[1:])
        results.append(
            _metric_result(key, role, margin, spec, ordered, statistic, result, method, totals.sql)
        )
    health, pre_p = _health(plan, metrics[plan.primary_metric], primary_totals, units_in_several)
    units = [t.units for t in primary_totals]
    days = max((end - start).total_seconds() / 86400, 0.0)
    required = _required_units(plan, metrics[plan.primary_metric], primary_totals)
    smallest = min(units) if units else 0
    progress = ExperimentProgress(
        days_running=days,
        units_per_variant=smallest,
        daily_units_per_variant=smallest / days if days > 0 else 0.0,
        required_units_per_variant=required,
    )
    rules = DecisionRules(
        primary=(MetricRule(plan.primary_metric, metrics[plan.primary_metric].higher_is_better),),
        guardrails=tuple(
            MetricRule(m, metrics[m].higher_is_better, margin) for m, margin in plan.guardrails
        ),
        alpha=plan.alpha,
        minimum_units_per_variant=plan.minimum_units_per_variant,
        required_power=plan.power,
        minimum_detectable_effect=plan.minimum_detectable_effect,
        sequential=plan.sequential,
    )
    readout = read_out(rules, readings, health, progress)
    total = sum(units)
    weights = [w for _, w in plan.variants]
    return ExperimentAnalysis(
        experiment=plan.key,
        flag=plan.flag_key,
        window_start=start,
        window_end=end,
        days_running=days,
        control=names[0],
        variants=[
            VariantUnits(
                variant=name, weight=w, units=u, expected_units=total * w / (sum(weights) or 1)
            )
            for name, w, u in zip(names, weights, units, strict=True)
        ],
        metrics=results,
        health=HealthOut(
            sample_ratio_p_value=health.sample_ratio.p_value,
            sample_ratio_mismatch=health.sample_ratio.flagged,
            units_in_several=units_in_several,
            several_share=units_in_several / (total + units_in_several)
            if total + units_in_several
            else 0.0,
            pre_exposure_p_value=pre_p,
            problems=list(health.problems),
        ),
        verdict=readout.decision.verdict.value,
        summary=readout.decision.summary,
        reasons=list(readout.decision.reasons),
        more_days=readout.decision.more_days,
        required_units_per_variant=max(required, plan.minimum_units_per_variant),
        variant_decisions=[
            VariantDecisionOut(variant=d.variant, verdict=d.verdict.value, summary=d.summary)
            for d in readout.variants
        ],
        timeline=_timeline(engine, plan, metrics[plan.primary_metric], start, end)
        if timeline
        else [],
    )


def _metric_result(
    key: str,
    role: Role,
    margin: float,
    spec: MetricSpec,
    ordered: Sequence[VariantTotals],
    statistic: ComparableMetric,
    result: FrequentistResult,
    method: str,
    sql: str,
) -> MetricResult:
    paired = statistic.versus_control()
    rows = [
        VariantRow(
            variant=ordered[0].variant,
            units=ordered[0].units,
            mean=_finite(float(paired.control_unadjusted_mean[0, 0])),
        )
    ]
    for col, totals in enumerate(ordered[1:]):
        valid = bool(result.valid[0, col])
        rows.append(
            VariantRow(
                variant=totals.variant,
                units=totals.units,
                mean=_finite(float(paired.variant_unadjusted_mean[0, col])),
                lift=float(result.lift[0, col]) if valid else None,
                ci_lower=float(result.ci_lower[0, col]) if valid else None,
                ci_upper=float(result.ci_upper[0, col]) if valid else None,
                p_value=float(result.p_value[0, col]) if valid else None,
                significant=bool(result.significant[0, col]),
            )
        )
    return MetricResult(
        metric=key,
        role=role,
        kind=spec.kind,
        description=describe_metric(spec),
        higher_is_better=spec.higher_is_better,
        margin=margin,
        method=method,
        rows=rows,
        sql=sql,
    )


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def _health(
    plan: ExperimentPlan,
    spec: MetricSpec,
    totals: Sequence[VariantTotals],
    units_in_several: int,
) -> tuple[HealthReport, float | None]:
    units = [t.units for t in totals]
    weights = [w for _, w in plan.variants]
    srm = sample_ratio_mismatch(units, weights)
    several = multiple_exposures(units_in_several, sum(units) + units_in_several)
    pre = None
    pre_p: float | None = None
    if spec.kind not in (MetricKind.RATIO, MetricKind.RETENTION) and all(u >= 2 for u in units):
        n = np.array([units], dtype=np.float64)
        covariate = SampleMean(
            n,
            np.array([[t.pre_sum for t in totals]]),
            np.array([[t.pre_sum_squares for t in totals]]),
        )
        if float(np.sum(covariate.variance)) > 0:
            pre = pre_exposure_imbalance(covariate)
            pre_p = pre.smallest_p_value
    sample = minimum_sample(units, plan.minimum_units_per_variant)
    return HealthReport(srm, pre, several, sample), pre_p


def _required_units(plan: ExperimentPlan, spec: MetricSpec, totals: Sequence[VariantTotals]) -> int:
    """The planned sample, or one estimated from the control's spread so far."""
    if plan.planned_units_per_variant is not None:
        return plan.planned_units_per_variant
    control = totals[0] if totals else None
    if control is None or control.units < 2:
        return plan.minimum_units_per_variant
    mean = control.value_sum / control.units
    variance = (control.value_sum_squares - control.value_sum**2 / control.units) / (
        control.units - 1
    )
    try:
        if spec.kind.is_rate:
            baseline = MetricBaseline.from_rate(mean)
        elif spec.kind is MetricKind.RATIO:
            return plan.minimum_units_per_variant
        else:
            baseline = MetricBaseline(mean, variance)
        return sample_size_per_variant(
            baseline,
            plan.minimum_detectable_effect,
            alpha=plan.alpha,
            power=plan.power,
            sequential=plan.sequential,
        )
    except ValueError:
        return plan.minimum_units_per_variant


def _timeline(
    engine: Engine, plan: ExperimentPlan, spec: MetricSpec, start: datetime, end: datetime
) -> list[TimelinePoint]:
    """The primary metric's lift and interval on the data up to each day's end."""
    days = math.ceil((end - start).total_seconds() / 86400)
    if days < 1:
        return []
    step = max(1, math.ceil(days / MAX_TIMELINE_POINTS))
    cuts = [min(start + timedelta(days=d), end) for d in range(step, days + step, step)]
    names = [name for name, _ in plan.variants]
    cuts = list(dict.fromkeys(cuts))
    window = ExposureWindow(plan.flag_key, start, end, _unit_column(plan))
    points = []
    for cut, totals in zip(
        cuts, experiment_totals_over_time(engine, spec, window, cuts), strict=True
    ):
        ordered = _variant_totals(plan, totals)
        statistic, _method = metric_statistic(spec, ordered)
        result = _test(plan, statistic)
        for col, name in enumerate(names[1:]):
            if result.valid[0, col]:
                points.append(
                    TimelinePoint(
                        at=cut,
                        variant=name,
                        lift=float(result.lift[0, col]),
                        ci_lower=float(result.ci_lower[0, col]),
                        ci_upper=float(result.ci_upper[0, col]),
                    )
                )
    return points

"""The decision readout: a verdict in plain language from rules declared before the start.

The rules name the primary metrics (what the change is for), the guardrails (what it must not
break, with an optional non-inferiority margin), the confidence level, the minimum sample
and the power the experiment was planned for. The verdict, in order of precedence:

1. **Don't trust** — a health check failed (sample-ratio mismatch, pre-exposure imbalance,
   units in several variants): no lift can be read.
2. **Roll back** — a guardrail regressed, or a primary metric got significantly worse.
3. **Ship** — a primary metric improved significantly, no primary got worse, guardrails are
   fine, and the planned sample is in (with ``sequential`` rules, the minimum sample: an
   always-valid test may stop early on a win; a fixed-horizon test may not).
4. **Keep running** — not enough units yet for the minimum sample or the planned power; the
   readout says about how many more days at the current traffic.
5. **Inconclusive** — the planned sample is in and nothing moved significantly ("flat" when
   the interval rules out the minimum detectable effect).

Every reading's interval must be at the rules' confidence, so that the decision is the one
the rules planned; significance is read from the interval (it excludes zero).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from prodloop.experiments.stats.bayesian import BayesianResult
from prodloop.experiments.stats.frequentist import FrequentistResult
from prodloop.experiments.stats.health import HealthReport


class Verdict(StrEnum):
    """What to do with the experiment."""

    SHIP = "ship"
    ROLL_BACK = "roll back"
    KEEP_RUNNING = "keep running"
    INCONCLUSIVE = "inconclusive"
    DONT_TRUST = "don't trust"


@dataclass(frozen=True)
class MetricRule:
    """How a metric counts: its good direction and, for guardrails, a tolerated margin."""

    metric: str
    higher_is_better: bool = True
    margin: float = 0.0


@dataclass(frozen=True)
class DecisionRules:
    """The rules declared before the start; lifts and margins are relative (0.02 = 2%)."""

    primary: tuple[MetricRule, ...]
    guardrails: tuple[MetricRule, ...] = ()
    alpha: float = 0.05
    minimum_units_per_variant: int = 100
    required_power: float = 0.8
    minimum_detectable_effect: float = 0.05
    sequential: bool = False

    def __post_init__(self) -> None:
        if not self.primary:
            raise ValueError("declare at least one primary metric")
        if any(rule.margin < 0 for rule in self.guardrails):
            raise ValueError("guardrail margins are sizes, not negative numbers")


@dataclass(frozen=True)
class MetricReading:
    """One metric's result for one variant against the control."""

    metric: str
    variant: str
    lift: float
    ci_lower: float
    ci_upper: float
    confidence: float = 0.95
    p_value: float | None = None
    relative: bool = True


@dataclass(frozen=True)
class ExperimentProgress:
    """How far the experiment has come, against the sample its power calculation needs."""

    days_running: float
    units_per_variant: int
    daily_units_per_variant: float
    required_units_per_variant: int


@dataclass(frozen=True)
class Decision:
    """A verdict, the sentence that says it, and the reasons behind it."""

    verdict: Verdict
    summary: str
    variant: str | None = None
    reasons: tuple[str, ...] = ()
    more_days: int | None = None


@dataclass(frozen=True)
class ExperimentReadout:
    """The experiment's overall decision and the decision for each variant."""

    decision: Decision
    variants: tuple[Decision, ...]


def readings_from_result(
    result: FrequentistResult | BayesianResult,
    *,
    metrics: Sequence[str],
    variants: Sequence[str],
) -> list[MetricReading]:
    """Readings for every analysable metric x variant cell (variants exclude the control)."""
    if result.ci_lower.shape != (len(metrics), len(variants)):
        raise ValueError("name every metric row and every variant column of the result")
    p_values = result.p_value if isinstance(result, FrequentistResult) else None
    readings = []
    for (row, col), valid in np.ndenumerate(result.valid):
        if not valid:
            continue
        readings.append(
            MetricReading(
                metric=metrics[row],
                variant=variants[col],
                lift=float(result.lift[row, col]),
                ci_lower=float(result.ci_lower[row, col]),
                ci_upper=float(result.ci_upper[row, col]),
                confidence=1 - result.alpha,
                p_value=None if p_values is None else float(p_values[row, col]),
                relative=result.difference == "relative",
            )
        )
    return readings


def read_out(
    rules: DecisionRules,
    readings: Sequence[MetricReading],
    health: HealthReport,
    progress: ExperimentProgress,
) -> ExperimentReadout:
    """The experiment's verdict from its readings, health checks and progress."""
    _check_confidence(rules, readings)
    names = list(dict.fromkeys(reading.variant for reading in readings))
    label_variants = len(names) > 1
    per_variant = tuple(
        decide_variant(
            rules,
            {r.metric: r for r in readings if r.variant == name},
            progress,
            variant=name if label_variants else None,
        )
        for name in names
    )
    if not health.trustworthy:
        summary = "Don't trust: " + "; ".join(health.problems)
        overall = Decision(Verdict.DONT_TRUST, summary, reasons=health.problems)
        return ExperimentReadout(overall, per_variant)
    if not per_variant:
        waiting = Decision(Verdict.KEEP_RUNNING, "Keep running: no metric readings yet")
        return ExperimentReadout(waiting, ())
    return ExperimentReadout(_overall(rules, per_variant, readings), per_variant)


def _overall(
    rules: DecisionRules, decisions: Sequence[Decision], readings: Sequence[MetricReading]
) -> Decision:
    """Ship the best shipping variant; else keep running; else roll back; else inconclusive."""
    primary = rules.primary[0]
    sign = 1 if primary.higher_is_better else -1
    lifts = {r.variant: sign * r.lift for r in readings if r.metric == primary.metric}
    ships = [d for d in decisions if d.verdict is Verdict.SHIP]
    if ships:
        return max(ships, key=lambda d: lifts.get(d.variant or "", -math.inf))
    running = [d for d in decisions if d.verdict is Verdict.KEEP_RUNNING]
    if running:
        return max(running, key=lambda d: d.more_days or 0)
    for verdict in (Verdict.ROLL_BACK, Verdict.INCONCLUSIVE):
        matching = [d for d in decisions if d.verdict is verdict]
        if matching:
            return matching[0]
    raise AssertionError("every variant decision has a verdict")


def decide_variant(
    rules: DecisionRules,
    readings: Mapping[str, MetricReading],
    progress: ExperimentProgress,
    *,
    variant: str | None = None,
) -> Decision:
    """The verdict for one variant from its readings (health is checked by ``read_out``)."""
    prefix = f" {variant}" if variant else ""
    guardrails = [(g, readings[g.metric]) for g in rules.guardrails if g.metric in readings]
    regressed = [r for g, r in guardrails if _guardrail_status(g, r) == "regressed"]
    if regressed:
        reading = regressed[0]
        summary = (
            f"Roll back{prefix}: guardrail {reading.metric} regressed, {describe_change(reading)}"
        )
        return Decision(Verdict.ROLL_BACK, summary, variant)
    primaries = [(p, readings[p.metric]) for p in rules.primary if p.metric in readings]
    worse = [r for p, r in primaries if _benefit_interval(p, r)[1] < 0]
    if worse:
        return Decision(Verdict.ROLL_BACK, f"Roll back{prefix}: {describe(worse[0])}", variant)
    improved = [r for p, r in primaries if _benefit_interval(p, r)[0] > 0]
    unproven = tuple(
        f"guardrail {r.metric} not shown within its {g.margin:.1%} margin"
        for g, r in guardrails
        if _guardrail_status(g, r) == "unproven"
    )
    target = _target_units(rules, progress, early_win=bool(improved) and not unproven)
    if improved and progress.units_per_variant >= target and not unproven:
        fine = ", guardrails fine" if rules.guardrails else ""
        return Decision(Verdict.SHIP, f"Ship{prefix}: {describe(improved[0])}{fine}", variant)
    if progress.units_per_variant < target:
        return _keep_running(rules, progress, target, variant=variant, reasons=unproven)
    if improved:
        summary = f"Inconclusive{prefix}: {describe(improved[0])}, but {unproven[0]}"
        return Decision(Verdict.INCONCLUSIVE, summary, variant, unproven)
    return _inconclusive(rules, [r for _p, r in primaries], prefix, variant)


def _target_units(rules: DecisionRules, progress: ExperimentProgress, *, early_win: bool) -> int:
    """Units per variant before a reading counts: the planned sample, unless a sequential
    test may stop early on a win (then the minimum sample is enough)."""
    if early_win and rules.sequential:
        return rules.minimum_units_per_variant
    return max(rules.minimum_units_per_variant, progress.required_units_per_variant)


def _keep_running(
    rules: DecisionRules,
    progress: ExperimentProgress,
    target: int,
    *,
    variant: str | None = None,
    reasons: tuple[str, ...] = (),
) -> Decision:
    """Keep running until ``target`` units per variant, in days at the current traffic."""
    prefix = f" {variant}" if variant else ""
    missing = max(target - progress.units_per_variant, 0)
    goal = (
        f"{rules.required_power:.0%} power"
        if target == progress.required_units_per_variant
        else f"the minimum sample of {rules.minimum_units_per_variant:,} units per variant"
    )
    if progress.daily_units_per_variant <= 0:
        summary = f"Keep running{prefix}: {missing:,} more units per variant for {goal}"
        return Decision(Verdict.KEEP_RUNNING, summary, variant, reasons)
    days = max(math.ceil(missing / progress.daily_units_per_variant), 1)
    unit = "day" if days == 1 else "days"
    summary = f"Keep running{prefix}: about {days} more {unit} for {goal}"
    return Decision(Verdict.KEEP_RUNNING, summary, variant, reasons, more_days=days)


def _inconclusive(
    rules: DecisionRules, readings: Sequence[MetricReading], prefix: str, variant: str | None
) -> Decision:
    """No significant change after the planned sample: flat, or simply unclear."""
    if not readings:
        return Decision(Verdict.INCONCLUSIVE, f"Inconclusive{prefix}: no primary metric read")
    reading = readings[0]
    mde = rules.minimum_detectable_effect
    if reading.relative and -mde < reading.ci_lower and reading.ci_upper < mde:
        summary = f"Inconclusive{prefix}: flat, {describe(reading)} rules out a {mde:.0%} change"
    else:
        summary = f"Inconclusive{prefix}: {describe(reading)}, not significant"
    return Decision(Verdict.INCONCLUSIVE, summary, variant)


def _benefit_interval(rule: MetricRule, reading: MetricReading) -> tuple[float, float]:
    """The interval oriented so that positive is good for this metric."""
    if rule.higher_is_better:
        return reading.ci_lower, reading.ci_upper
    return -reading.ci_upper, -reading.ci_lower


def _guardrail_status(rule: MetricRule, reading: MetricReading) -> str:
    """'regressed', 'fine' or 'unproven' (within-margin not yet shown)."""
    low, high = _benefit_interval(rule, reading)
    if high < 0 and low < -rule.margin:
        return "regressed"
    if rule.margin > 0 and low <= -rule.margin:
        return "unproven"
    return "fine"


def describe(reading: MetricReading) -> str:
    """'conversion up 4.2% (95% CI 1.1% to 7.3%)'."""
    return f"{reading.metric} {describe_change(reading)}"


def describe_change(reading: MetricReading) -> str:
    """'up 4.2% (95% CI 1.1% to 7.3%)'."""
    direction = "up" if reading.lift > 0 else "down" if reading.lift < 0 else "unchanged"
    confidence = f"{reading.confidence:.0%}"
    if reading.relative:
        size = f"{abs(reading.lift):.1%}"
        interval = f"{reading.ci_lower:.1%} to {reading.ci_upper:.1%}"
    else:
        size = f"{abs(reading.lift):.3g}"
        interval = f"{reading.ci_lower:.3g} to {reading.ci_upper:.3g}"
    return f"{direction} {size} ({confidence} CI {interval})"


def _check_confidence(rules: DecisionRules, readings: Sequence[MetricReading]) -> None:
    """Readings must use the confidence the rules declared."""
    expected = 1 - rules.alpha
    for reading in readings:
        if not math.isclose(reading.confidence, expected, abs_tol=1e-9):
            raise ValueError(
                f"{reading.metric} was read at {reading.confidence:.0%} confidence; "
                f"the rules declared {expected:.0%}"
            )

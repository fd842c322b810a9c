"""Fixed-horizon frequentist tests: Welch's t-test on the absolute or relative lift, two-sided
or one-sided, with non-inferiority and guardrail tests built on the one-sided form.

Works on any metric that can line its variants up against the control (means, proportions,
ratios, CUPED-adjusted means, quantiles). Matches gbstats's ``TwoSidedTTest`` and one-sided
t-tests: the lift's variance from the delta method and Welch-Satterthwaite degrees of freedom
from the arms' variances, for relative lifts too. Comparisons that cannot be analysed (too few
units, no spread, a zero control mean for a relative lift) come back as NaN with
``valid`` False rather than gbstats's zeros.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy import special

from prodloop.experiments.stats.sufficient import (
    BoolArray,
    ComparableMetric,
    Difference,
    FloatArray,
    LiftEstimate,
    PairedEstimates,
    check_alpha,
)

Alternative = Literal["two-sided", "greater", "less"]


@dataclass(frozen=True)
class FrequentistResult:
    """Each variant against the control, arrays of shape (metrics, variants - 1).

    ``lift`` is the variant's mean minus the control's (absolute) or that difference over the
    control's mean (relative, 0.042 for +4.2%). The interval is at confidence ``1 - alpha``;
    one-sided tests have one infinite bound. ``p_value`` tests ``lift == null_lift`` against
    ``alternative``.
    """

    difference: Difference
    alternative: Alternative
    alpha: float
    null_lift: float
    sequential: bool
    lift: FloatArray
    standard_error: FloatArray
    statistic: FloatArray
    degrees_of_freedom: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    p_value: FloatArray
    valid: BoolArray

    @property
    def significant(self) -> BoolArray:
        """Where the p-value is below alpha (never where the comparison is invalid)."""
        result: BoolArray = np.asarray(np.nan_to_num(self.p_value, nan=1.0) < self.alpha)
        return result


def welch_t_test(
    metric: ComparableMetric,
    *,
    difference: Difference = "relative",
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    null_lift: float = 0.0,
) -> FrequentistResult:
    """Welch's t-test of every variant against the control, vectorised over metrics."""
    check_alpha(alpha)
    paired = metric.versus_control()
    estimate = paired.lift(difference)
    dof = paired.welch_degrees_of_freedom()
    valid = valid_comparisons(paired, estimate, difference, dof)
    standard_error = standard_error_where(estimate, valid)
    statistic = (estimate.lift - null_lift) / standard_error
    p_value = _t_p_value(statistic, dof, alternative)
    two_sided = alternative == "two-sided"
    critical = special.stdtrit(dof, 1 - alpha / 2 if two_sided else 1 - alpha)
    ci_lower, ci_upper = interval_bounds(estimate.lift, critical * standard_error, alternative)
    return mask_invalid(
        FrequentistResult(
            difference=difference,
            alternative=alternative,
            alpha=alpha,
            null_lift=null_lift,
            sequential=False,
            lift=estimate.lift,
            standard_error=standard_error,
            statistic=statistic,
            degrees_of_freedom=dof,
            ci_lower=ci_lower,
            ci_upper=ci_upper,
            p_value=p_value,
            valid=valid,
        )
    )


def non_inferiority_test(
    metric: ComparableMetric,
    *,
    margin: float,
    higher_is_better: bool = True,
    difference: Difference = "relative",
    alpha: float = 0.05,
) -> FrequentistResult:
    """One-sided test that a variant is no worse than the control by more than ``margin``.

    A small p-value shows non-inferiority: the lift is above ``-margin`` (or, for metrics where
    lower is better, below ``+margin``).
    """
    if margin < 0:
        raise ValueError(f"a non-inferiority margin is a size, not {margin}")
    return welch_t_test(
        metric,
        difference=difference,
        alpha=alpha,
        alternative="greater" if higher_is_better else "less",
        null_lift=-margin if higher_is_better else margin,
    )


def guardrail_test(
    metric: ComparableMetric,
    *,
    higher_is_better: bool = True,
    difference: Difference = "relative",
    alpha: float = 0.05,
) -> FrequentistResult:
    """One-sided test for harm: a small p-value means the guardrail metric got worse."""
    return welch_t_test(
        metric,
        difference=difference,
        alpha=alpha,
        alternative="less" if higher_is_better else "greater",
    )


def valid_comparisons(
    paired: PairedEstimates, estimate: LiftEstimate, difference: Difference, dof: FloatArray
) -> BoolArray:
    """Comparisons with a usable lift, a positive finite variance and degrees of freedom."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(estimate.lift) & np.isfinite(estimate.variance) & np.isfinite(dof)
        result: BoolArray = paired.analysable(difference) & finite & (estimate.variance > 0)
    return result


def standard_error_where(estimate: LiftEstimate, valid: BoolArray) -> FloatArray:
    """The lift's standard error where the comparison is valid, NaN elsewhere."""
    return np.sqrt(np.where(valid, estimate.variance, np.nan))


def _t_p_value(statistic: FloatArray, dof: FloatArray, alternative: Alternative) -> FloatArray:
    """Student's t p-value for the alternative."""
    if alternative == "two-sided":
        return 2 * special.stdtr(dof, -np.abs(statistic))
    if alternative == "greater":
        return special.stdtr(dof, -statistic)
    return special.stdtr(dof, statistic)


def interval_bounds(
    lift: FloatArray, half_width: FloatArray, alternative: Alternative
) -> tuple[FloatArray, FloatArray]:
    """The interval around ``lift``: both sides, or open above or below for one-sided tests."""
    lower = lift - half_width if alternative != "less" else np.full_like(lift, -np.inf)
    upper = lift + half_width if alternative != "greater" else np.full_like(lift, np.inf)
    return lower, upper


def mask_invalid(result: FrequentistResult) -> FrequentistResult:
    """NaN out every estimate of the comparisons that could not be analysed."""

    def masked(values: FloatArray) -> FloatArray:
        """The values where valid, NaN elsewhere."""
        return np.where(result.valid, values, np.nan)

    return replace(
        result,
        lift=masked(result.lift),
        standard_error=masked(result.standard_error),
        statistic=masked(result.statistic),
        degrees_of_freedom=masked(result.degrees_of_freedom),
        ci_lower=masked(result.ci_lower),
        ci_upper=masked(result.ci_upper),
        p_value=masked(result.p_value),
    )

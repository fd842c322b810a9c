"""Sequential testing: always-valid confidence sequences, safe to read every day.

A fixed-horizon interval is only valid at one planned look; peeking daily and stopping at the
first significant result inflates false positives. The normal-mixture confidence sequence of
Howard et al. / Waudby-Smith et al. (the mixture SPRT, as in gbstats's
``SequentialTwoSidedTTest``) holds at every sample size at once, so the chance that it ever
excludes a true lift of zero stays at or below alpha however often it is read.

``tuning`` (gbstats's ``sequential_tuning_parameter``) is the total sample size at which the
sequence is tightest; set it to the planned sample of one comparison (control plus variant).
"""

from __future__ import annotations

import numpy as np

from prodloop.experiments.stats.frequentist import (
    Alternative,
    FrequentistResult,
    interval_bounds,
    mask_invalid,
    standard_error_where,
    valid_comparisons,
)
from prodloop.experiments.stats.sufficient import (
    ComparableMetric,
    Difference,
    FloatArray,
    check_alpha,
)

DEFAULT_TUNING = 5000.0


def mixture_rho(alpha: float, tuning: float = DEFAULT_TUNING) -> float:
    """The mixture's spread, chosen so the sequence is tightest at ``tuning`` units."""
    log_alpha = np.log(alpha)
    return float(np.sqrt((-2 * log_alpha + np.log(-2 * log_alpha + 1)) / tuning))


def boundary_multiplier(
    total_n: FloatArray | float, alpha: float, tuning: float = DEFAULT_TUNING
) -> FloatArray:
    """The confidence sequence's half-width in standard errors (z is about 1.96 at 95%).

    ``total_n`` is the units in both arms of the comparison.
    """
    rho = mixture_rho(alpha, tuning)
    n = np.asarray(total_n, dtype=np.float64)
    spread = n * rho**2 + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.sqrt(
            n * 2 * spread * np.log(np.sqrt(spread) / alpha) / (n * rho) ** 2
        )
    return result


def always_valid_p_value(
    statistic: FloatArray, total_n: FloatArray, alpha: float, tuning: float = DEFAULT_TUNING
) -> FloatArray:
    """The mixture SPRT's p-value, the reciprocal of its e-value, capped at 1.

    ``statistic`` is the estimate over its standard error; ``total_n`` the units in both arms.
    """
    rho = mixture_rho(alpha, tuning)
    spread = total_n * rho**2 + 1
    log_evidence = rho**2 * total_n * statistic**2 / (2 * spread) - 0.5 * np.log(spread)
    return np.minimum(np.exp(-log_evidence), 1.0)


def _sided_p_value(
    statistic: FloatArray,
    total_n: FloatArray,
    alpha: float,
    tuning: float,
    alternative: Alternative,
) -> FloatArray:
    """The always-valid p-value; 1 for a one-sided test whose estimate points the other way."""
    p_value = always_valid_p_value(statistic, total_n, alpha, tuning)
    if alternative == "two-sided":
        return p_value
    on_side = statistic > 0 if alternative == "greater" else statistic < 0
    return np.where(on_side, p_value, 1.0)


def sequential_test(
    metric: ComparableMetric,
    *,
    difference: Difference = "relative",
    alpha: float = 0.05,
    tuning: float = DEFAULT_TUNING,
    alternative: Alternative = "two-sided",
    null_lift: float = 0.0,
) -> FrequentistResult:
    """An always-valid test of every variant against the control, vectorised over metrics.

    One-sided versions use one bound of the two-sided sequence and its p-value when the
    estimate lies on the side of the alternative (1 otherwise): valid, slightly conservative.
    """
    check_alpha(alpha)
    if tuning <= 0:
        raise ValueError(f"the tuning sample size is positive, not {tuning}")
    paired = metric.versus_control()
    estimate = paired.lift(difference)
    total_n = paired.control_n + paired.variant_n
    valid = valid_comparisons(paired, estimate, difference, np.ones_like(estimate.lift))
    standard_error = standard_error_where(estimate, valid)
    statistic = (estimate.lift - null_lift) / standard_error
    p_value = _sided_p_value(statistic, total_n, alpha, tuning, alternative)
    half_width = boundary_multiplier(total_n, alpha, tuning) * standard_error
    ci_lower, ci_upper = interval_bounds(estimate.lift, half_width, alternative)
    return mask_invalid(
        FrequentistResult(
            difference=difference,
            alternative=alternative,
            alpha=alpha,
            null_lift=null_lift,
            sequential=True,
            lift=estimate.lift,
            standard_error=standard_error,
            statistic=statistic,
            degrees_of_freedom=np.full_like(estimate.lift, np.inf),
            ci_lower=ci_lower,
            ci_upper=ci_upper,
            p_value=p_value,
            valid=valid,
        )
    )

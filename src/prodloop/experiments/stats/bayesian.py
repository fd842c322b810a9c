"""Bayesian readout of the lift: a Gaussian prior on the effect, updated by the data's
normal likelihood (gbstats's ``EffectBayesianABTest``).

The data's lift and variance are the same delta-method estimates the frequentist tests use.
With a flat prior the posterior is that estimate; a proper prior ``N(mean, variance)`` pulls
it towards the prior mean by precision weighting. From the posterior come the chance that the
variant beats the control, a credible interval, and the expected loss (risk) of each choice:
what shipping the variant, or keeping the control, costs on average in the worlds where it
was the wrong call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from prodloop.experiments.stats.sufficient import (
    BoolArray,
    ComparableMetric,
    Difference,
    FloatArray,
    PairedEstimates,
    check_alpha,
)


@dataclass(frozen=True)
class GaussianPrior:
    """A normal prior on the lift; ``proper=False`` is flat (mean and variance unused).

    ``scale`` says whether the prior is on the relative lift (0.02 for +2%, gbstats's
    default) or the absolute one; it is rescaled by the control mean when the test uses the
    other scale.
    """

    mean: float = 0.0
    variance: float = 1.0
    proper: bool = False
    scale: Difference = "relative"

    def __post_init__(self) -> None:
        if self.proper and self.variance <= 0:
            raise ValueError(f"a proper prior needs a positive variance, not {self.variance}")


FLAT_PRIOR = GaussianPrior()


@dataclass(frozen=True)
class BayesianResult:
    """The posterior of each variant's lift over the control, shape (metrics, variants - 1).

    ``expected_loss_variant`` is the risk of shipping the variant, ``expected_loss_control``
    the risk of keeping the control, both in units of the lift and oriented by
    ``higher_is_better``.
    """

    difference: Difference
    alpha: float
    higher_is_better: bool
    lift: FloatArray
    standard_deviation: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    chance_to_win: FloatArray
    expected_loss_control: FloatArray
    expected_loss_variant: FloatArray
    valid: BoolArray


def bayesian_test(
    metric: ComparableMetric,
    *,
    prior: GaussianPrior = FLAT_PRIOR,
    difference: Difference = "relative",
    alpha: float = 0.05,
    higher_is_better: bool = True,
) -> BayesianResult:
    """Posterior lift, chance to win, credible interval and risk for every variant."""
    check_alpha(alpha)
    paired = metric.versus_control()
    estimate = paired.lift(difference)
    with np.errstate(invalid="ignore"):
        valid = paired.analysable(difference) & np.isfinite(estimate.lift) & (estimate.variance > 0)
    data_variance = np.where(valid, estimate.variance, np.nan)
    data_lift = np.where(valid, estimate.lift, np.nan)
    mean, variance = posterior(data_lift, data_variance, prior, paired, difference)
    sd = np.sqrt(variance)
    z = special.ndtri(1 - alpha / 2)
    gain, loss = _expected_gain_and_loss(mean, sd)
    win = special.ndtr(mean / sd)
    return BayesianResult(
        difference=difference,
        alpha=alpha,
        higher_is_better=higher_is_better,
        lift=mean,
        standard_deviation=sd,
        ci_lower=mean - z * sd,
        ci_upper=mean + z * sd,
        chance_to_win=win if higher_is_better else 1 - win,
        expected_loss_control=gain if higher_is_better else loss,
        expected_loss_variant=loss if higher_is_better else gain,
        valid=valid,
    )


def posterior(
    data_lift: FloatArray,
    data_variance: FloatArray,
    prior: GaussianPrior,
    paired: PairedEstimates,
    difference: Difference,
) -> tuple[FloatArray, FloatArray]:
    """Posterior mean and variance of the lift by precision weighting."""
    if not prior.proper:
        return data_lift, data_variance
    prior_mean, prior_variance = _prior_on_scale(prior, paired, difference)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = 1 / data_variance + 1 / prior_variance
        mean = (data_lift / data_variance + prior_mean / prior_variance) / precision
    return mean, 1 / precision


def _prior_on_scale(
    prior: GaussianPrior, paired: PairedEstimates, difference: Difference
) -> tuple[FloatArray, FloatArray]:
    """The prior's mean and variance on the scale the test uses, per comparison."""
    ones = np.ones_like(paired.control_unadjusted_mean)
    base = np.abs(paired.control_unadjusted_mean)
    if prior.scale == difference:
        return prior.mean * ones, prior.variance * ones
    if difference == "absolute":
        return prior.mean * base, prior.variance * base**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return prior.mean / base, prior.variance / base**2


def _expected_gain_and_loss(mean: FloatArray, sd: FloatArray) -> tuple[FloatArray, FloatArray]:
    """E[max(lift, 0)] and E[max(-lift, 0)] for a normal lift: what each wrong choice costs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        standardised = mean / sd
    density = sd * np.exp(-0.5 * standardised**2) / np.sqrt(2 * np.pi)
    gain = mean * special.ndtr(standardised) + density
    loss = density - mean * special.ndtr(-standardised)
    return gain, loss

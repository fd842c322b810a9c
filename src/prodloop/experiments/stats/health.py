"""Health checks that say whether an experiment's numbers can be trusted at all.

* **Sample-ratio mismatch** — the units per variant are tested against the planned weights
  with a chi-square goodness-of-fit test; a p-value below 0.001 almost always means a bug in
  assignment or logging, not bad luck (gbstats's ``check_srm``).
* **Pre-exposure imbalance** — the variants already differed before exposure on a pre-period
  covariate (Welch test on its means): randomisation, or the exposure definition, is broken.
* **Units exposed to several variants** — a share above a small threshold contaminates the
  comparison.
* **Minimum sample** — too few units per variant for any reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import special

from prodloop.experiments.stats.frequentist import welch_t_test
from prodloop.experiments.stats.sufficient import FloatArray, MeanStatistic

SRM_THRESHOLD = 0.001
IMBALANCE_THRESHOLD = 0.001
MAX_MULTIPLE_EXPOSURE_SHARE = 0.01


@dataclass(frozen=True)
class SampleRatioCheck:
    """Observed against expected units per variant, and the chi-square test's verdict."""

    observed_units: FloatArray
    expected_units: FloatArray
    chi_square: float
    p_value: float
    threshold: float

    @property
    def flagged(self) -> bool:
        """True when the split is too unlikely under the planned weights."""
        return self.p_value < self.threshold


def sample_ratio_mismatch(
    units: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    threshold: float = SRM_THRESHOLD,
) -> SampleRatioCheck:
    """Chi-square test of units per variant against planned weights (equal by default)."""
    observed = np.asarray(units, dtype=np.float64)
    planned = np.ones_like(observed) if weights is None else np.asarray(weights, np.float64)
    if observed.ndim != 1 or observed.shape != planned.shape or observed.size < 2:
        raise ValueError("give units and weights for each of at least two variants")
    if np.any(planned <= 0) or np.any(observed < 0):
        raise ValueError("weights must be positive and unit counts non-negative")
    total = observed.sum()
    expected = planned / planned.sum() * total
    if total == 0:
        return SampleRatioCheck(observed, expected, 0.0, 1.0, threshold)
    chi_square = float(np.sum((observed - expected) ** 2 / expected))
    p_value = float(special.chdtrc(observed.size - 1, chi_square))
    return SampleRatioCheck(observed, expected, chi_square, p_value, threshold)


@dataclass(frozen=True)
class PreExposureCheck:
    """Whether a pre-period covariate already differed between variants and control."""

    p_value: FloatArray
    threshold: float

    @property
    def smallest_p_value(self) -> float:
        """The strongest sign of imbalance across metrics and variants (1 if none tested)."""
        return float(np.nanmin(self.p_value, initial=1.0))

    @property
    def flagged(self) -> bool:
        """True when some covariate differs beyond the threshold."""
        return self.smallest_p_value < self.threshold


def pre_exposure_imbalance(
    covariate: MeanStatistic, *, threshold: float = IMBALANCE_THRESHOLD
) -> PreExposureCheck:
    """Welch test of each variant's pre-period covariate mean against the control's."""
    result = welch_t_test(covariate, difference="absolute")
    return PreExposureCheck(result.p_value, threshold)


@dataclass(frozen=True)
class MultipleExposureCheck:
    """Units that saw more than one variant, as a share of all exposed units."""

    units_in_several: int
    units_total: int
    max_share: float

    @property
    def share(self) -> float:
        """The share of units exposed to several variants."""
        return self.units_in_several / self.units_total if self.units_total else 0.0

    @property
    def flagged(self) -> bool:
        """True when too many units saw several variants."""
        return self.share > self.max_share


def multiple_exposures(
    units_in_several: int, units_total: int, *, max_share: float = MAX_MULTIPLE_EXPOSURE_SHARE
) -> MultipleExposureCheck:
    """Check the share of units exposed to several variants (counted upstream)."""
    if units_in_several < 0 or units_total < units_in_several:
        raise ValueError("units in several variants must be between 0 and the total")
    return MultipleExposureCheck(units_in_several, units_total, max_share)


@dataclass(frozen=True)
class MinimumSampleCheck:
    """Units per variant against the minimum the decision rules require."""

    units: tuple[int, ...]
    minimum: int

    @property
    def smallest(self) -> int:
        """Units in the smallest variant."""
        return min(self.units)

    @property
    def shortfall(self) -> int:
        """Units the smallest variant still needs (0 once the minimum is met)."""
        return max(self.minimum - self.smallest, 0)

    @property
    def met(self) -> bool:
        """True when every variant has at least the minimum."""
        return self.shortfall == 0


def minimum_sample(units: Sequence[int], minimum: int) -> MinimumSampleCheck:
    """Check every variant (control included) has at least ``minimum`` units."""
    if not units:
        raise ValueError("give the units of every variant")
    return MinimumSampleCheck(tuple(int(count) for count in units), minimum)


@dataclass(frozen=True)
class HealthReport:
    """All health checks of one experiment; missing checks were not run."""

    sample_ratio: SampleRatioCheck
    pre_exposure: PreExposureCheck | None = None
    multiple_exposure: MultipleExposureCheck | None = None
    minimum_sample: MinimumSampleCheck | None = None

    @property
    def problems(self) -> tuple[str, ...]:
        """Plain-language reasons not to trust the results, most serious first."""
        found = []
        if self.sample_ratio.flagged:
            found.append(f"sample-ratio mismatch ({format_p_value(self.sample_ratio.p_value)})")
        if self.pre_exposure is not None and self.pre_exposure.flagged:
            p_value = format_p_value(self.pre_exposure.smallest_p_value)
            found.append(f"variants differed before exposure ({p_value})")
        if self.multiple_exposure is not None and self.multiple_exposure.flagged:
            share = self.multiple_exposure.share
            found.append(f"{share:.1%} of units saw several variants")
        return tuple(found)

    @property
    def trustworthy(self) -> bool:
        """True when no check found a problem (a small sample is not a trust problem)."""
        return not self.problems


def format_p_value(p_value: float) -> str:
    """A p-value as people read it: 'p = 0.00031' (two significant figures) or 'p < 0.0001'."""
    if p_value < 1e-4:
        return "p < 0.0001"
    return f"p = {p_value:.2g}"

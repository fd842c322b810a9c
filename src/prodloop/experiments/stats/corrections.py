"""Multiple-testing corrections with an explicit scope.

Testing many metrics and variants at once raises the chance that something looks significant
by luck. Holm controls the family-wise error rate (the chance of any false positive);
Benjamini-Hochberg controls the false discovery rate (the expected share of false positives
among the findings). Which comparisons form one family is the analyst's choice, so the scope
is always stated:

* ``experiment`` — every metric x variant comparison of the experiment is one family;
* ``metric`` — each metric's comparisons across variants form a family;
* ``none`` — p-values are left as they are.

NaN p-values (comparisons that could not be analysed) are left out of every family.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt

from prodloop.experiments.stats.sufficient import FloatArray, as_grid

CorrectionMethod = Literal["holm", "benjamini-hochberg"]


class CorrectionScope(StrEnum):
    """Which comparisons are corrected together."""

    EXPERIMENT = "experiment"
    METRIC = "metric"
    NONE = "none"


def holm(p_values: npt.ArrayLike) -> FloatArray:
    """Holm's step-down adjusted p-values for one family (1-D, no NaN)."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    count = p.size
    stepped = (count - np.arange(count)) * p[order]
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.maximum.accumulate(stepped), 1.0)
    return adjusted


def benjamini_hochberg(p_values: npt.ArrayLike) -> FloatArray:
    """Benjamini-Hochberg step-up adjusted p-values (q-values) for one family (1-D, no NaN)."""
    p = np.asarray(p_values, dtype=np.float64)
    order = np.argsort(p, kind="stable")
    count = p.size
    scaled = p[order] * count / np.arange(1, count + 1)
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    return adjusted


_METHODS = {"holm": holm, "benjamini-hochberg": benjamini_hochberg}


def adjust_p_values(
    p_values: npt.ArrayLike,
    *,
    method: CorrectionMethod,
    scope: CorrectionScope | str,
) -> FloatArray:
    """Adjusted p-values of shape (metrics, variants - 1) for the chosen method and scope."""
    p = as_grid(p_values)
    if scope not in set(CorrectionScope):
        raise ValueError(
            f"unknown scope {scope!r}; choose one of {[s.value for s in CorrectionScope]}"
        )
    chosen_scope = CorrectionScope(scope)
    if method not in _METHODS:
        raise ValueError(f"unknown correction {method!r}; choose one of {sorted(_METHODS)}")
    if chosen_scope is CorrectionScope.NONE:
        return p.copy()
    adjust = _METHODS[method]
    adjusted = np.full_like(p, np.nan)
    families = [slice(None)] if chosen_scope is CorrectionScope.EXPERIMENT else list(range(len(p)))
    for family in families:
        block = p[family]
        present = ~np.isnan(block)
        corrected = np.full_like(block, np.nan)
        if present.any():
            corrected[present] = adjust(block[present])
        adjusted[family] = corrected
    return adjusted

"""Percentiles with one documented method, shared by flow metrics, DORA and forecasts.

The method is Hyndman & Fan's type 7 — numpy's default ``method="linear"`` and
``statistics.quantiles(method="inclusive")``. For ``n`` sorted values ``x[0] … x[n-1]`` the
q-th percentile sits at the fractional rank ``h = (q / 100) · (n - 1)`` and is interpolated
linearly between ``x[⌊h⌋]`` and ``x[⌊h⌋ + 1]``. The 50th percentile is the ordinary median
(the mean of the two middle values when ``n`` is even).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FLOW_PERCENTILES = (50, 85, 95)


def percentile(values: Iterable[float], q: float) -> float:
    """The q-th percentile (0 ≤ q ≤ 100) of ``values`` by the type 7 / "linear" method."""
    return percentile_of_sorted(sorted(values), q)


def percentile_of_sorted(ordered: Sequence[float], q: float) -> float:
    """Like :func:`percentile` for values already sorted ascending (no copy, no sort)."""
    if not ordered:
        raise ValueError("percentile of an empty sample")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, not {q}")
    rank = (q / 100) * (len(ordered) - 1)
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return _lerp(ordered[lower], ordered[upper], rank - lower)


def _lerp(low: float, high: float, fraction: float) -> float:
    # The same two-sided form numpy uses, so results agree to the last bit where possible
    # and the interpolation is exact at both ends.
    difference = high - low
    if fraction >= 0.5:
        return high - difference * (1 - fraction)
    return low + difference * fraction


def median(values: Iterable[float]) -> float | None:
    """The median (50th percentile) of ``values``, or None when there are none."""
    ordered = sorted(values)
    return percentile_of_sorted(ordered, 50) if ordered else None


@dataclass(frozen=True)
class Percentiles:
    """The 50th, 85th and 95th percentiles of a sample; None when the sample is empty."""

    count: int
    p50: float | None
    p85: float | None
    p95: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Percentiles:
        """Summarise ``values`` (e.g. cycle times in days) at 50 / 85 / 95."""
        ordered = sorted(values)
        if not ordered:
            return cls(count=0, p50=None, p85=None, p95=None)
        p50, p85, p95 = (percentile_of_sorted(ordered, q) for q in FLOW_PERCENTILES)
        return cls(count=len(ordered), p50=p50, p85=p85, p95=p95)

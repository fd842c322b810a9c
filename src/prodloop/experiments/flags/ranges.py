"""Bucket ranges: how rollouts, variant weights and namespace slices carve up [0, 1).

A unit's bucket ``n`` is one of 10,000 points ``b / 10_000`` (see :mod:`.hashing`), and every
range is half-open, ``start <= n < end``, compared in floating point exactly as GrowthBook's
SDKs compare them. The compiled evaluator turns each boundary into the count of bucket
points below it (:func:`buckets_below`) so that it compares integers and still agrees with
those float comparisons point for point.

Variants own consecutive ranges in the order they are declared: with weights
``w_0 … w_k`` variant ``i`` owns ``[w_0 + … + w_(i-1), w_0 + … + w_i)`` of the variant bucket.
Changing weights therefore moves exactly the units whose variant bucket lands in a different
range: shifting weight between two neighbouring variants (50/50 → 60/40) moves only the
slice between the old and the new boundary (10% of units, all from the second variant to the
first), while inserting a variant in the middle or reordering moves far more.
:func:`moved_share` measures it. An experiment's analysis assumes nobody moved, so change
weights by starting a new phase with a new salt, which reshuffles everyone on purpose.

Raising a rollout never reassigns anybody: inclusion is ``rollout bucket < coverage`` on a
bucket of its own, so a unit in at 10% is still in at 50%, and its variant bucket, which
never depended on the coverage, still picks the same variant.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from prodloop.experiments.flags.hashing import BUCKETS

UNOWNED = 255
"""Variant-table entry of a bucket no variant owns (only if weights fall short of 1)."""


def buckets_below(boundary: float) -> int:
    """How many bucket points ``b / 10_000`` lie below ``boundary`` (0 to 10,000)."""
    if boundary <= 0:
        return 0
    count = min(BUCKETS, math.ceil(boundary * BUCKETS))
    while count > 0 and (count - 1) / BUCKETS >= boundary:
        count -= 1
    while count < BUCKETS and count / BUCKETS < boundary:
        count += 1
    return count


def variant_ranges(weights: Sequence[float]) -> list[tuple[float, float]]:
    """Each variant's ``[start, end)`` of the variant bucket, accumulated in declared order
    (the same float arithmetic as GrowthBook's ``getBucketRanges`` at full coverage)."""
    ranges = []
    cumulative = 0.0
    for weight in weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + weight))
    return ranges


def choose_variant(position: float, ranges: Sequence[tuple[float, float]]) -> int:
    """The index of the range holding ``position``, or -1 when none does."""
    for index, (start, end) in enumerate(ranges):
        if start <= position < end:
            return index
    return -1


def variant_boundaries(weights: Sequence[float]) -> list[int]:
    """Per variant, the first bucket index past its range: variant ``i`` holds the bucket
    indices ``boundaries[i-1] <= b < boundaries[i]``."""
    return [buckets_below(end) for _, end in variant_ranges(weights)]


def variant_table(weights: Sequence[float]) -> bytes:
    """The variant index of every bucket index (:data:`UNOWNED` where no range reaches)."""
    if len(weights) >= UNOWNED:
        raise ValueError(f"at most {UNOWNED - 1} variants")
    boundaries = variant_boundaries(weights)
    return bytes(
        bisect_right(boundaries, index) if index < boundaries[-1] else UNOWNED
        for index in range(BUCKETS)
    )


def moved_share(old_weights: Sequence[float], new_weights: Sequence[float]) -> float:
    """The share of units whose variant changes when ``old_weights`` become ``new_weights``
    (variants matched by position; units past the last variant count as unassigned)."""
    old, new = variant_table(old_weights), variant_table(new_weights)
    return sum(1 for a, b in zip(old, new, strict=True) if a != b) / BUCKETS


@dataclass(frozen=True)
class Claim:
    """One flag's slice ``[start, end)`` of a namespace's hash space."""

    flag_key: str
    start: float
    end: float

    def overlaps(self, other: Claim) -> bool:
        """True when the two half-open slices share any part."""
        return self.start < other.end and other.start < self.end


def first_overlap(claims: Iterable[Claim]) -> tuple[Claim, Claim] | None:
    """Two claims on one namespace that overlap, or None when they all exclude each other."""
    ordered = sorted(claims, key=lambda claim: (claim.start, claim.end))
    for before, after in pairwise(ordered):
        if before.overlaps(after):
            return before, after
    return None

"""Deciding one flag for many units at once, vectorised with numpy.

For bulk work (precomputing assignments, simulations, backfills) hashing dominates, and
:func:`~.hashing.bucket_matrix` does it for whole arrays of ids. Here ``units`` are the ids
the flag hashes: person ids for person flags, account ids for account flags. Targeting rules,
when the flag has any, are matched row by row in Python against ``attributes``; everything
else is array arithmetic. Each row equals what :meth:`FlagSet.decide` says for that unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from prodloop.experiments.flags.evaluation import (
    DEFAULT,
    DISABLED,
    NAMESPACE,
    NOT_IN_ROLLOUT,
    ROLLOUT,
    Decision,
)
from prodloop.experiments.flags.hashing import (
    BUCKETS,
    bucket_matrix,
    namespace_seed,
    rollout_seed,
    unit_lengths,
    variant_seed,
)
from prodloop.experiments.flags.ranges import UNOWNED

if TYPE_CHECKING:
    from prodloop.experiments.flags.compiled import CompiledFlag

_FIXED_REASONS = (DISABLED, DEFAULT, NAMESPACE, NOT_IN_ROLLOUT, ROLLOUT)
_DISABLED, _DEFAULT, _NAMESPACE, _NOT_IN_ROLLOUT, _ROLLOUT = range(len(_FIXED_REASONS))


@dataclass(frozen=True)
class Decisions:
    """One flag's decisions for many units, as parallel arrays.

    ``variant_index`` points into ``variants`` (-1: no variant), ``reason_index`` into
    ``reasons``; ``bucket`` is NaN where no hash settled the decision.
    """

    flag_key: str
    variants: tuple[str, ...]
    reasons: tuple[str, ...]
    variant_index: NDArray[np.int16]
    reason_index: NDArray[np.int16]
    bucket: NDArray[np.float64]

    def __len__(self) -> int:
        return int(self.variant_index.shape[0])

    @property
    def enabled(self) -> NDArray[np.bool_]:
        """Which units get the flag."""
        result: NDArray[np.bool_] = self.variant_index >= 0
        return result

    def __getitem__(self, row: int) -> Decision:
        """The decision for one unit, as :meth:`FlagSet.decide` returns it."""
        variant = int(self.variant_index[row])
        position = float(self.bucket[row])
        return Decision(
            self.flag_key,
            variant >= 0,
            self.variants[variant] if variant >= 0 else None,
            self.reasons[int(self.reason_index[row])],
            None if np.isnan(position) else position,
        )

    def counts(self) -> dict[str, int]:
        """How many units got each variant."""
        tally = np.bincount(
            self.variant_index[self.variant_index >= 0], minlength=len(self.variants)
        )
        return {key: int(count) for key, count in zip(self.variants, tally, strict=True)}


def decide_many(
    flag: CompiledFlag,
    units: Sequence[str] | NDArray[np.str_],
    attributes: Sequence[Mapping[str, Any]] | None = None,
) -> Decisions:
    """``flag``'s decisions for every id in ``units`` (``attributes``: one mapping per unit,
    read only by targeting rules)."""
    codes = np.asarray(units, dtype=np.str_)
    count = codes.shape[0]
    if attributes is not None and len(attributes) != count:
        raise ValueError("attributes must have one mapping per unit")
    reasons = _FIXED_REASONS + tuple(rule.reason for rule in flag.rules)
    variant = np.full(count, -1, dtype=np.int16)
    reason = np.full(count, _DEFAULT, dtype=np.int16)
    position = np.full(count, np.nan)
    result = Decisions(flag.key, flag.variant_keys, reasons, variant, reason, position)
    if not flag.enabled:
        reason[:] = _DISABLED
        return result
    live = unit_lengths(units, codes) > 0
    seeds = [rollout_seed(flag.config.salt), variant_seed(flag.config.salt)]
    if flag.config.namespace is not None:
        seeds.append(namespace_seed(flag.config.namespace.namespace))
    buckets = bucket_matrix(seeds, units, codes=codes)
    rollout, drawn = buckets[0], buckets[1]
    if flag.config.namespace is not None:
        inside = (buckets[2] >= flag.namespace_low) & (buckets[2] < flag.namespace_high)
        outside = live & ~inside
        reason[outside] = _NAMESPACE
        position[outside] = buckets[2][outside] / BUCKETS
        live &= inside
    table = np.frombuffer(flag.table, dtype=np.uint8)
    rule_of, left_out = _match_rules(flag, rollout, live, attributes)
    drew = np.zeros(count, dtype=bool)
    for index, rule in enumerate(flag.rules):
        chosen = rule_of == index
        reason[chosen] = len(_FIXED_REASONS) + index
        if rule.forced is not None:
            variant[chosen] = flag.variant_keys.index(rule.forced)
        else:
            drew |= chosen
    rest = live & (rule_of < 0)
    rolled_in = rest & (rollout < flag.coverage)
    reason[rolled_in] = _ROLLOUT
    drew |= rolled_in
    picked = table[drawn[drew]].astype(np.int16)
    picked[picked == UNOWNED] = -1
    variant[drew] = picked
    position[drew] = drawn[drew] / BUCKETS
    reason[drew & (variant < 0)] = _NOT_IN_ROLLOUT
    left = rest & ~rolled_in
    if flag.coverage == 0:
        left &= left_out
    reason[left] = _NOT_IN_ROLLOUT
    position[left] = rollout[left] / BUCKETS
    return result


def _match_rules(
    flag: CompiledFlag,
    rollout: NDArray[np.int64],
    live: NDArray[np.bool_],
    attributes: Sequence[Mapping[str, Any]] | None,
) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Per unit, the index of the rule that takes it (-1: none) and whether a matching rule's
    rollout left it out."""
    rule_of = np.full(rollout.shape[0], -1, dtype=np.int64)
    left_out = np.zeros(rollout.shape[0], dtype=bool)
    if not flag.rules:
        return rule_of, left_out
    positions = rollout.tolist()
    for row in np.flatnonzero(live).tolist():
        unit_attributes = attributes[row] if attributes is not None else {}
        for index, rule in enumerate(flag.rules):
            if rule.matches(unit_attributes):
                if positions[row] < rule.threshold:
                    rule_of[row] = index
                    break
                left_out[row] = True
    return rule_of, left_out

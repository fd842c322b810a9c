"""The fast in-process evaluator: flags compiled once, decided many times.

:meth:`FlagSet.compile` does everything that does not depend on the unit up front: the FNV
state each seed leaves (so only the unit id is hashed), integer thresholds for rollouts and
namespace slices, a 10,000-entry table from variant bucket to variant, and one predicate per
condition. Deciding a flag without targeting rules depends on the unit id alone, so those
decisions are also memoised per unit (a bounded dict, cleared when full): a server asks
about the same signed-in people over and over. :func:`~.evaluation.evaluate` is the
reference this must agree with; the tests check that it does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from prodloop.experiments.flags.batch import Decisions, decide_many
from prodloop.experiments.flags.evaluation import (
    DEFAULT,
    DISABLED,
    NAMESPACE,
    NOT_IN_ROLLOUT,
    ROLLOUT,
    UNKNOWN,
    Decision,
    account_id_of,
    properties_of,
    rule_reason,
)
from prodloop.experiments.flags.exposures import Exposure, ExposureSink
from prodloop.experiments.flags.hashing import (
    BUCKETS,
    bucket_index_from,
    namespace_seed,
    rollout_seed,
    seed_state,
    variant_seed,
)
from prodloop.experiments.flags.ranges import (
    UNOWNED,
    Claim,
    buckets_below,
    first_overlap,
    variant_table,
)
from prodloop.experiments.flags.schemas import (
    Condition,
    FlagConfig,
    PropertySource,
    Rule,
    UnitType,
)
from prodloop.experiments.flags.targeting import predicate

Attributes = Mapping[str, Any]
Matcher = Callable[[Attributes], bool]

_NO_ATTRIBUTES: Attributes = {}


class CompiledRule:
    """A targeting rule ready to run: its matcher, rollout threshold and forced variant."""

    __slots__ = ("forced", "matches", "reason", "threshold")

    def __init__(self, index: int, rule: Rule) -> None:
        self.matches = compile_conditions(rule.conditions)
        self.threshold = buckets_below(rule.rollout)
        self.forced = rule.variant
        self.reason = rule_reason(index)


class CompiledFlag:
    """One flag with its seeds, thresholds and variant table precomputed."""

    def __init__(self, config: FlagConfig, *, memo_limit: int) -> None:
        self.config = config
        self.key = config.key
        self.unit_type = config.unit_type
        self.by_account = config.unit_type is UnitType.ACCOUNT
        self.enabled = config.enabled
        self.variant_state = seed_state(variant_seed(config.salt))
        self.rollout_state = seed_state(rollout_seed(config.salt))
        namespace = config.namespace
        self.namespace_state = (
            None if namespace is None else seed_state(namespace_seed(namespace.namespace))
        )
        self.namespace_low = 0 if namespace is None else buckets_below(namespace.start)
        self.namespace_high = BUCKETS if namespace is None else buckets_below(namespace.end)
        self.coverage = buckets_below(config.coverage)
        self.variant_keys = tuple(variant.key for variant in config.variants)
        self.table = variant_table([variant.weight for variant in config.variants])
        self.rules = tuple(CompiledRule(index, rule) for index, rule in enumerate(config.rules))
        self.disabled = Decision(self.key, False, None, DISABLED, None)
        self.no_unit = Decision(self.key, False, None, DEFAULT, None)
        self._memo: dict[str, Decision] | None = {} if memo_limit > 0 else None
        self._memo_limit = memo_limit
        plain = self.enabled and not self.by_account and not self.rules
        self.memo = self._memo if plain else None
        """The memo of decisions that depend on the person's id alone (None otherwise)."""

    def decide(self, unit_id: str | None, attributes: Attributes) -> Decision:
        """The decision for the person ``unit_id`` with ``attributes``."""
        if not self.enabled:
            return self.disabled
        unit = account_id_of(attributes) if self.by_account else unit_id
        if not unit:
            return self.no_unit
        if self.rules:
            return self._targeted(unit, attributes)
        memo = self._memo
        if memo is None:
            return self._untargeted(unit)
        decision = memo.get(unit)
        if decision is None:
            decision = self._untargeted(unit)
            if len(memo) >= self._memo_limit:
                memo.clear()
            memo[unit] = decision
        return decision

    def unit_of(self, unit_id: str | None, attributes: Attributes) -> str | None:
        """The id this flag hashes for the person ``unit_id``."""
        return account_id_of(attributes) if self.by_account else unit_id

    def outside_namespace(self, unit: str) -> Decision | None:
        """The ``namespace`` decision when ``unit`` falls outside the flag's slice."""
        if self.namespace_state is None:
            return None
        index = bucket_index_from(self.namespace_state, unit)
        if self.namespace_low <= index < self.namespace_high:
            return None
        return Decision(self.key, False, None, NAMESPACE, index / BUCKETS)

    def drawn(self, unit: str, reason: str) -> Decision:
        """The unit's variant from the weights, attributed to ``reason``."""
        index = bucket_index_from(self.variant_state, unit)
        variant = self.table[index]
        if variant == UNOWNED:
            return Decision(self.key, False, None, NOT_IN_ROLLOUT, index / BUCKETS)
        return Decision(self.key, True, self.variant_keys[variant], reason, index / BUCKETS)

    def _untargeted(self, unit: str) -> Decision:
        outside = self.outside_namespace(unit)
        if outside is not None:
            return outside
        if self.coverage == 0:
            return self.no_unit
        index = bucket_index_from(self.rollout_state, unit)
        if index < self.coverage:
            return self.drawn(unit, ROLLOUT)
        return Decision(self.key, False, None, NOT_IN_ROLLOUT, index / BUCKETS)

    def _targeted(self, unit: str, attributes: Attributes) -> Decision:
        outside = self.outside_namespace(unit)
        if outside is not None:
            return outside
        rollout = bucket_index_from(self.rollout_state, unit)
        left_out = False
        for rule in self.rules:
            if not rule.matches(attributes):
                continue
            if rollout < rule.threshold:
                if rule.forced is not None:
                    return Decision(self.key, True, rule.forced, rule.reason, None)
                return self.drawn(unit, rule.reason)
            left_out = True
        if rollout < self.coverage:
            return self.drawn(unit, ROLLOUT)
        if self.coverage == 0 and not left_out:
            return self.no_unit
        return Decision(self.key, False, None, NOT_IN_ROLLOUT, rollout / BUCKETS)


def compile_conditions(conditions: Sequence[Condition]) -> Matcher:
    """One function testing all of ``conditions`` against a person's attributes."""
    tests = tuple(
        (c.source is PropertySource.ACCOUNT, c.property, predicate(c.operator, c.value))
        for c in conditions
    )

    def matches(attributes: Attributes) -> bool:
        account: Attributes | None = None
        for on_account, name, test in tests:
            if on_account:
                if account is None:
                    account = properties_of(attributes, PropertySource.ACCOUNT)
                value = account.get(name)
            else:
                value = attributes.get(name)
            if not test(value):
                return False
        return True

    return matches


class FlagSet:
    """Compiled flags, decided in-process; safe to share between threads.

    ``sink`` receives an :class:`Exposure` for every tracked decision that puts a unit in a
    variant; ``cache_size`` bounds how many units' decisions are memoised across all flags
    (0 turns memoising off).
    """

    def __init__(
        self,
        flags: Mapping[str, CompiledFlag],
        *,
        sink: ExposureSink | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._flags = dict(flags)
        self._keys = tuple(sorted(self._flags))
        self._memos = {key: flag.memo for key, flag in self._flags.items() if flag.memo is not None}
        self._sink = sink
        self._clock = clock or _now

    @classmethod
    def compile(
        cls,
        configs: Iterable[FlagConfig],
        *,
        sink: ExposureSink | None = None,
        clock: Callable[[], datetime] | None = None,
        cache_size: int = 100_000,
    ) -> FlagSet:
        """Compile ``configs``; keys must be unique and namespace slices must not overlap."""
        configs = list(configs)
        check_flag_set(configs)
        memo_limit = cache_size // max(1, len(configs))
        flags = {config.key: CompiledFlag(config, memo_limit=memo_limit) for config in configs}
        return cls(flags, sink=sink, clock=clock)

    def __contains__(self, key: object) -> bool:
        return key in self._flags

    def __len__(self) -> int:
        return len(self._flags)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def config(self, key: str) -> FlagConfig:
        """The configuration the flag ``key`` was compiled from."""
        return self._flags[key].config

    def decide(
        self,
        key: str,
        unit_id: str | None,
        attributes: Attributes | None = None,
        *,
        track: bool = False,
    ) -> Decision:
        """Decide flag ``key`` for the person ``unit_id``; an unknown key decides ``unknown``.

        With ``track``, a decision that puts the unit in a variant is sent to the sink.
        """
        memo = self._memos.get(key)
        if memo is not None and not track:  # the common case, kept to two dict look-ups
            decision = memo.get(unit_id)  # type: ignore[arg-type]
            if decision is not None:
                return decision
        flag = self._flags.get(key)
        if flag is None:
            return Decision(key, False, None, UNKNOWN, None)
        decision = flag.decide(unit_id, attributes or _NO_ATTRIBUTES)
        if track and decision.enabled:
            unit = flag.unit_of(unit_id, attributes or _NO_ATTRIBUTES)
            self._expose(flag, decision, unit, unit_id)
        return decision

    def decide_all(
        self, unit_id: str | None, attributes: Attributes | None = None, *, track: bool = False
    ) -> dict[str, Decision]:
        """Every flag's decision for the person ``unit_id``, by key."""
        return {key: self.decide(key, unit_id, attributes, track=track) for key in self._keys}

    def decide_many(
        self,
        key: str,
        units: Sequence[str] | NDArray[np.str_],
        attributes: Sequence[Attributes] | None = None,
    ) -> Decisions:
        """Decide flag ``key`` for many units at once with numpy (see :mod:`.batch`).

        ``units`` are the ids the flag hashes: person ids, or account ids for account flags;
        ``attributes``, one mapping per unit, are read by targeting rules only.
        """
        return decide_many(self._flags[key], units, attributes)

    def _expose(
        self, flag: CompiledFlag, decision: Decision, unit: str | None, person: str | None
    ) -> None:
        if self._sink is None:
            raise ValueError("track=True needs an exposure sink; pass sink= to FlagSet.compile")
        self._sink(
            Exposure(
                flag_key=flag.key,
                variant=decision.variant or "",
                unit_type=flag.unit_type,
                unit_id=unit or "",
                timestamp=self._clock(),
                reason=decision.reason,
                distinct_id=person,
            )
        )


def check_flag_set(configs: Sequence[FlagConfig]) -> None:
    """ValueError when two configs share a key or two slices of a namespace overlap."""
    repeated = sorted(key for key, n in Counter(c.key for c in configs).items() if n > 1)
    if repeated:
        raise ValueError(f"flag keys must be unique; repeated: {', '.join(repeated)}")
    claims: dict[str, list[Claim]] = {}
    for config in configs:
        if config.namespace is not None:
            claim = Claim(config.key, config.namespace.start, config.namespace.end)
            claims.setdefault(config.namespace.namespace, []).append(claim)
    for namespace, namespace_claims in sorted(claims.items()):
        overlap = first_overlap(namespace_claims)
        if overlap is not None:
            first, second = overlap
            raise ValueError(
                f"flags {first.flag_key} and {second.flag_key} claim overlapping ranges of "
                f"namespace {namespace}"
            )


def _now() -> datetime:
    return datetime.now(UTC)

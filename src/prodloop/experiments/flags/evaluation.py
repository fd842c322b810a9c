"""Evaluating one flag for one unit: the reference semantics every faster path must match.

The order of the checks is the definition of a flag's behaviour:

1. switched off → ``disabled``;
2. no id for the flag's unit (the person's id, or for account flags their account's id)
   → ``default``;
3. a namespace slice that the unit's namespace bucket falls outside → ``namespace``;
4. targeting rules, in order: the first whose conditions all hold *and* whose rollout takes
   the unit decides (``rule:N``, counting from 0); a rule whose conditions hold but whose
   rollout leaves the unit out passes it on to the next rule;
5. the flag's own rollout (``coverage``) for everyone else → ``rollout``;
6. otherwise ``not_in_rollout`` when a rollout left the unit out, or ``default`` when nothing
   targets it at all (no rule matched and the flag's own rollout is 0%).

Rollouts use the unit's rollout bucket and variants its variant bucket (see
:mod:`.ranges`). :class:`~prodloop.experiments.flags.compiled.FlagSet` precomputes all of this
and is tested to agree with :func:`evaluate` decision for decision.

Attributes are the person's properties, plus two reserved entries: ``$groups`` maps group
types to ids as PostHog's SDKs send it (``{"account": "acct_42"}``; a top-level
``account_id`` works too) and ``$account`` holds the account's properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prodloop.experiments.flags.hashing import (
    bucket,
    namespace_seed,
    rollout_seed,
    variant_seed,
)
from prodloop.experiments.flags.ranges import choose_variant, variant_ranges
from prodloop.experiments.flags.schemas import Condition, FlagConfig, PropertySource, UnitType
from prodloop.experiments.flags.targeting import predicate

DISABLED = "disabled"
DEFAULT = "default"
NAMESPACE = "namespace"
ROLLOUT = "rollout"
NOT_IN_ROLLOUT = "not_in_rollout"
UNKNOWN = "unknown"
"""The reason :meth:`FlagSet.decide` gives for a key it has no flag for."""

GROUPS = "$groups"
ACCOUNT_GROUP = "account"
ACCOUNT_ID = "account_id"
ACCOUNT_PROPERTIES = "$account"

_NO_PROPERTIES: Mapping[str, Any] = {}


def rule_reason(index: int) -> str:
    """The reason of a decision made by the rule at ``index`` (from 0)."""
    return f"rule:{index}"


@dataclass(frozen=True, slots=True)
class Decision:
    """What a flag decided for one unit.

    ``enabled`` says whether the unit gets the flag, ``variant`` which arm (None when not
    enabled). ``bucket`` is the hash position that settled it: the variant bucket when a
    variant was drawn, the rollout bucket when a rollout left the unit out, the namespace
    bucket when its slice did; None when no hash was involved.
    """

    flag_key: str
    enabled: bool
    variant: str | None
    reason: str
    bucket: float | None


@dataclass(frozen=True, slots=True)
class Context:
    """Who a flag is evaluated for: the person's id and their attributes."""

    unit_id: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def unit_for(self, unit_type: UnitType) -> str | None:
        """The id a flag of ``unit_type`` hashes: the person's, or their account's."""
        if unit_type is UnitType.PERSON:
            return self.unit_id or None
        return account_id_of(self.attributes)

    def property(self, source: PropertySource, name: str) -> Any:
        """A person or account property, or None when it is missing."""
        return properties_of(self.attributes, source).get(name)


def account_id_of(attributes: Mapping[str, Any]) -> str | None:
    """The id of the account the person acts for: ``$groups.account``, else ``account_id``."""
    groups = attributes.get(GROUPS)
    value = groups.get(ACCOUNT_GROUP) if isinstance(groups, Mapping) else None
    if value is None:
        value = attributes.get(ACCOUNT_ID)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value) or None


def properties_of(attributes: Mapping[str, Any], source: PropertySource) -> Mapping[str, Any]:
    """The person's properties (the attributes themselves) or their account's."""
    if source is PropertySource.PERSON:
        return attributes
    account = attributes.get(ACCOUNT_PROPERTIES)
    return account if isinstance(account, Mapping) else _NO_PROPERTIES


def condition_holds(condition: Condition, context: Context) -> bool:
    """Whether ``context`` satisfies ``condition``."""
    test = predicate(condition.operator, condition.value)
    return test(context.property(condition.source, condition.property))


def evaluate(config: FlagConfig, context: Context) -> Decision:
    """Decide ``config`` for ``context``: straightforward and unoptimised, the reference."""
    key = config.key
    if not config.enabled:
        return Decision(key, False, None, DISABLED, None)
    unit = context.unit_for(config.unit_type)
    if unit is None:
        return Decision(key, False, None, DEFAULT, None)
    if config.namespace is not None:
        position = bucket(namespace_seed(config.namespace.namespace), unit)
        if not config.namespace.start <= position < config.namespace.end:
            return Decision(key, False, None, NAMESPACE, position)
    rollout_position = bucket(rollout_seed(config.salt), unit)
    left_out = False
    for index, rule in enumerate(config.rules):
        if not all(condition_holds(condition, context) for condition in rule.conditions):
            continue
        if rollout_position < rule.rollout:
            if rule.variant is not None:
                return Decision(key, True, rule.variant, rule_reason(index), None)
            return _draw_variant(config, unit, rule_reason(index))
        left_out = True
    if rollout_position < config.coverage:
        return _draw_variant(config, unit, ROLLOUT)
    if config.coverage == 0 and not left_out:
        return Decision(key, False, None, DEFAULT, None)
    return Decision(key, False, None, NOT_IN_ROLLOUT, rollout_position)


def _draw_variant(config: FlagConfig, unit: str, reason: str) -> Decision:
    position = bucket(variant_seed(config.salt), unit)
    ranges = variant_ranges([variant.weight for variant in config.variants])
    index = choose_variant(position, ranges)
    if index < 0:  # weights summing a hair under 1 can leave the top buckets unowned
        return Decision(config.key, False, None, NOT_IN_ROLLOUT, position)
    return Decision(config.key, True, config.variants[index].key, reason, position)

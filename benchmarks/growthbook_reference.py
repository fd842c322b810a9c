"""GrowthBook's Python SDK (``growthbook`` on PyPI) as an independent reference for prodloop's
flag assignment, used by ``tests/experiments/flags`` and ``benchmarks/bench_assignment.py``.

A prodloop flag translates into the GrowthBook feature that assigns the same way, because
prodloop buckets with GrowthBook's hash version 2 and its half-open ranges:

* the namespace slice becomes a filter (seed ``namespace:<name>``, range ``[start, end)``);
* each targeting rule, then the flag's own rollout, becomes one GrowthBook rule whose filter
  is the rollout (seed ``<salt>:rollout``, range ``[0, rollout)``) and which either runs an
  experiment over the variants (seed ``<salt>``, the weights, full coverage) or forces one
  variant;
* conditions become GrowthBook conditions for the operators whose meaning is the same in
  both (``eq``/``neq``/``in``/``not_in`` on strings, ordering on numbers that are present);
  anything else raises, so a test cannot compare meanings that differ.

The rule ids (``rule:N``, ``rollout``) come back with GrowthBook's answer so that reasons can
be compared too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from prodloop.experiments.flags.evaluation import account_id_of
from prodloop.experiments.flags.hashing import namespace_seed, rollout_seed
from prodloop.experiments.flags.schemas import Condition, FlagConfig, PropertySource, UnitType
from prodloop.experiments.flags.targeting import Operator

_OPERATORS = {
    Operator.EQ: "$eq",
    Operator.NEQ: "$ne",
    Operator.IN: "$in",
    Operator.NOT_IN: "$nin",
    Operator.GT: "$gt",
    Operator.GTE: "$gte",
    Operator.LT: "$lt",
    Operator.LTE: "$lte",
}


def missing_growthbook() -> str | None:
    """None when the GrowthBook SDK imports; otherwise why not."""
    try:
        import growthbook  # noqa: F401
    except ImportError as exc:
        return f"the growthbook SDK is not installed ({exc}); pip install growthbook"
    return None


def growthbook_feature(config: FlagConfig) -> dict[str, Any]:
    """The GrowthBook feature definition that assigns like ``config``."""
    if not config.enabled:
        return {"defaultValue": None, "rules": []}
    hash_attribute = "id" if config.unit_type is UnitType.PERSON else "account_id"
    namespace_filters = []
    if config.namespace is not None:
        namespace_filters.append(
            {
                "seed": namespace_seed(config.namespace.namespace),
                "ranges": [[config.namespace.start, config.namespace.end]],
                "hashVersion": 2,
                "attribute": hash_attribute,
            }
        )
    rules = []
    steps = [
        (f"rule:{i}", rule.conditions, rule.rollout, rule.variant)
        for i, rule in enumerate(config.rules)
    ]
    steps.append(("rollout", (), config.coverage, None))
    for rule_id, conditions, rollout, forced in steps:
        rollout_filter = {
            "seed": rollout_seed(config.salt),
            "ranges": [[0.0, rollout]],
            "hashVersion": 2,
            "attribute": hash_attribute,
        }
        rule: dict[str, Any] = {
            "id": rule_id,
            "filters": [*namespace_filters, rollout_filter],
            "hashAttribute": hash_attribute,
        }
        if conditions:
            rule["condition"] = _condition(conditions)
        if forced is not None or len(config.variants) == 1:
            rule["force"] = forced if forced is not None else config.variants[0].key
        else:
            rule.update(
                key=config.key,
                seed=config.salt,
                hashVersion=2,
                coverage=1.0,
                variations=[variant.key for variant in config.variants],
                weights=[variant.weight for variant in config.variants],
            )
        rules.append(rule)
    return {"defaultValue": None, "rules": rules}


def _condition(conditions: Iterable[Condition]) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for condition in conditions:
        if condition.operator not in _OPERATORS:
            raise ValueError(f"{condition.operator.value} has no same-meaning GrowthBook form")
        path = condition.property
        if condition.source is PropertySource.ACCOUNT:
            path = f"$account.{path}"
        value = list(condition.value) if isinstance(condition.value, tuple) else condition.value
        clauses.append({path: {_OPERATORS[condition.operator]: value}})
    return {"$and": clauses}


class GrowthBookFlags:
    """Flags evaluated by GrowthBook's own ``eval_feature``."""

    def __init__(self, configs: Iterable[FlagConfig]) -> None:
        from growthbook.common_types import Feature, GlobalContext, Options

        features = {config.key: Feature(**growthbook_feature(config)) for config in configs}
        self._global = GlobalContext(options=Options(), features=features)

    def decide(
        self, key: str, unit_id: str | None, attributes: Mapping[str, Any] | None = None
    ) -> tuple[str | None, str | None]:
        """GrowthBook's variant for the person (None: the default) and the id of the rule
        that gave it."""
        from growthbook.common_types import EvaluationContext, StackContext, UserContext
        from growthbook.core import eval_feature

        attributes = attributes or {}
        user = {**attributes, "id": unit_id, "account_id": account_id_of(attributes)}
        context = EvaluationContext(
            user=UserContext(attributes=user), global_ctx=self._global, stack=StackContext()
        )
        result = eval_feature(key, context)
        return result.value, result.ruleId if result.value is not None else None

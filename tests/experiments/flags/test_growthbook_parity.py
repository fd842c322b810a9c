"""prodloop's assignment against GrowthBook's own Python SDK: the same flags, the same units,
the same variants and the same deciding rule (see ``benchmarks/growthbook_reference.py``)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from benchmarks.growthbook_reference import GrowthBookFlags, missing_growthbook
from hypothesis import given, settings
from hypothesis import strategies as st

from prodloop.experiments.flags import FlagConfig, FlagSet
from prodloop.experiments.flags.hashing import bucket
from tests.experiments.flags.strategies import people, shares, variants, weights

reason = missing_growthbook()
if reason is not None and os.environ.get("CI"):
    pytest.fail(f"CI must cross-check assignment against GrowthBook: {reason}", pytrace=False)
pytestmark = pytest.mark.skipif(reason is not None, reason=reason or "")

SAME_MEANING = st.one_of(
    st.builds(
        lambda op, value: {"property": "plan", "operator": op, "value": value},
        st.sampled_from(["eq", "neq"]),
        st.sampled_from(["free", "pro", "team"]),
    ),
    st.builds(
        lambda op, value: {"property": "plan", "operator": op, "value": value},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(["free", "pro", "team"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda op, value: {"property": "arr", "operator": op, "value": value, "source": "account"},
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.sampled_from([0, 10_000, 100_000]),
    ),
)


@st.composite
def comparable_flags(draw: st.DrawFn) -> FlagConfig:
    """Flags whose every condition means the same in GrowthBook."""
    variant_list = variants(draw(weights()))
    rules: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(0, 2))):
        rule: dict[str, Any] = {
            "conditions": draw(st.lists(SAME_MEANING, min_size=1, max_size=2)),
            "rollout": draw(shares),
        }
        if draw(st.booleans()):
            rule["variant"] = draw(st.sampled_from(variant_list))["key"]
        rules.append(rule)
    namespace = None
    if draw(st.booleans()):
        start = draw(st.sampled_from([0.0, 0.25, 0.5]))
        namespace = {"namespace": "pricing", "start": start, "end": start + 0.5}
    return FlagConfig.model_validate(
        {
            "key": "checkout",
            "enabled": draw(st.sampled_from([True, True, True, False])),
            "unit_type": draw(st.sampled_from(["person", "account"])),
            "salt": draw(st.sampled_from([None, "s1", "checkout-phase-2"])),
            "coverage": draw(shares),
            "variants": variant_list,
            "rules": rules,
            "namespace": namespace,
        }
    )


def complete(attributes: dict[str, Any]) -> dict[str, Any]:
    """GrowthBook orders a missing number against anything; give every account its ARR."""
    account = {"arr": 0, **attributes.get("$account", {})}
    return {**attributes, "$account": account}


@settings(max_examples=150, deadline=None)
@given(config=comparable_flags(), crowd=st.lists(people(), min_size=1, max_size=20))
def test_assignment_matches_growthbooks_sdk(
    config: FlagConfig, crowd: list[tuple[str | None, dict[str, Any]]]
) -> None:
    ours, theirs = FlagSet.compile([config]), GrowthBookFlags([config])
    for unit_id, attributes in crowd:
        attributes = complete(attributes)
        decision = ours.decide(config.key, unit_id, attributes)
        variant, rule_id = theirs.decide(config.key, unit_id, attributes)
        assert decision.variant == variant
        if decision.enabled:
            assert decision.reason == rule_id


def test_assignment_matches_growthbook_over_many_units() -> None:
    config = FlagConfig.model_validate(
        {
            "key": "checkout",
            "enabled": True,
            "coverage": 0.8,
            "variants": variants([0.2, 0.3, 0.5]),
            "namespace": {"namespace": "pricing", "start": 0.1, "end": 0.9},
        }
    )
    ours, theirs = FlagSet.compile([config]), GrowthBookFlags([config])
    units = [f"user-{i}" for i in range(5000)]
    batch = ours.decide_many("checkout", units)
    assert [batch[i].variant for i in range(len(units))] == [
        theirs.decide("checkout", unit)[0] for unit in units
    ]


def test_bucket_equals_growthbooks_hash() -> None:
    from growthbook.core import gbhash

    for seed, unit in [("checkout", "user-1"), ("", "é"), ("s", "\U0001f600x"), ("a:rollout", "")]:
        assert bucket(seed, unit) == gbhash(seed, unit, 2)

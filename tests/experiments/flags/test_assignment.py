"""Assignment: the compiled evaluator against the reference, stickiness, rollouts that only
ever admit, weights, namespaces and reasons."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from prodloop.experiments.flags import (
    Context,
    Decision,
    FlagConfig,
    FlagSet,
    evaluate,
    moved_share,
)
from tests.experiments.flags.strategies import flag_configs, people, shares, variants, weights

IDS = [f"user-{i}" for i in range(100_000)]
TWO = variants([0.5, 0.5])


def flag(**fields: Any) -> FlagConfig:
    return FlagConfig.model_validate({"key": "checkout", "enabled": True, **fields})


@settings(max_examples=300)
@given(config=flag_configs(), person=people())
def test_compiled_flags_decide_like_the_reference(
    config: FlagConfig, person: tuple[str | None, dict[str, Any]]
) -> None:
    unit_id, attributes = person
    flags = FlagSet.compile([config])
    expected = evaluate(config, Context(unit_id, attributes))
    assert flags.decide(config.key, unit_id, attributes) == expected
    assert flags.decide(config.key, unit_id, attributes) == expected  # again, from the memo


@settings(max_examples=60)
@given(config=flag_configs(), crowd=st.lists(people(), min_size=1, max_size=30))
def test_batch_decisions_equal_single_decisions(
    config: FlagConfig, crowd: list[tuple[str | None, dict[str, Any]]]
) -> None:
    flags = FlagSet.compile([config])
    contexts = [Context(unit_id, attributes) for unit_id, attributes in crowd]
    units = [context.unit_for(config.unit_type) or "" for context in contexts]
    batch = flags.decide_many(config.key, units, [c.attributes for c in contexts])
    assert len(batch) == len(crowd)
    assert [batch[row] for row in range(len(batch))] == [evaluate(config, c) for c in contexts]


def test_the_same_unit_always_gets_the_same_decision() -> None:
    config = flag(coverage=0.6, variants=variants([0.2, 0.3, 0.5]))
    first = [FlagSet.compile([config]).decide("checkout", unit) for unit in IDS[:2000]]
    again = FlagSet.compile([config], cache_size=0)
    assert [again.decide("checkout", unit) for unit in IDS[:2000]] == first
    assert [again.decide("checkout", unit) for unit in IDS[:2000]] == first


@settings(max_examples=100)
@given(
    low=shares,
    high=shares,
    shares_=weights(),
    salt=st.sampled_from(["checkout", "s1"]),
    units=st.lists(st.text(min_size=1, max_size=16), min_size=1, max_size=40),
)
def test_raising_coverage_never_reassigns_a_unit(
    low: float, high: float, shares_: list[float], salt: str, units: list[str]
) -> None:
    low, high = min(low, high), max(low, high)
    before = FlagSet.compile([flag(coverage=low, salt=salt, variants=variants(shares_))])
    after = FlagSet.compile([flag(coverage=high, salt=salt, variants=variants(shares_))])
    for unit in units:
        was = before.decide("checkout", unit)
        if was.enabled:
            now = after.decide("checkout", unit)
            assert now.enabled
            assert now.variant == was.variant


@settings(max_examples=60)
@given(low=shares, high=shares, units=st.lists(st.text(min_size=1, max_size=16), max_size=40))
def test_raising_a_rules_rollout_never_reassigns_a_unit(
    low: float, high: float, units: list[str]
) -> None:
    low, high = min(low, high), max(low, high)
    rule = {"conditions": [{"property": "plan", "operator": "eq", "value": "pro"}]}

    def flags(rollout: float) -> FlagSet:
        return FlagSet.compile(
            [flag(coverage=0, variants=TWO, rules=[{**rule, "rollout": rollout}])]
        )

    before, after = flags(low), flags(high)
    for unit in units:
        was = before.decide("checkout", unit, {"plan": "pro"})
        if was.enabled:
            assert after.decide("checkout", unit, {"plan": "pro"}) == was


def test_coverage_admits_its_share_of_units() -> None:
    batch = FlagSet.compile([flag(coverage=0.1, variants=TWO)]).decide_many("checkout", IDS)
    assert abs(batch.enabled.mean() - 0.1) < 0.005


def test_raising_coverage_from_10_to_50_percent_keeps_everyone_in_place() -> None:
    at_10 = FlagSet.compile([flag(coverage=0.1, variants=TWO)]).decide_many("checkout", IDS)
    at_50 = FlagSet.compile([flag(coverage=0.5, variants=TWO)]).decide_many("checkout", IDS)
    kept = at_10.enabled
    assert kept.sum() > 9000
    assert at_50.enabled[kept].all()
    assert (at_50.variant_index[kept] == at_10.variant_index[kept]).all()


@pytest.mark.parametrize("shares_", [[0.5, 0.5], [0.1, 0.9], [0.2, 0.3, 0.5], [0.25] * 4])
def test_weights_are_honoured(shares_: list[float]) -> None:
    batch = FlagSet.compile([flag(variants=variants(shares_))]).decide_many("checkout", IDS)
    counts = np.array(list(batch.counts().values()))
    expected = np.array(shares_) * len(IDS)
    assert stats.chisquare(counts, expected).pvalue > 1e-4
    assert np.abs(counts / len(IDS) - shares_).max() < 0.01


@pytest.mark.parametrize(
    ("old", "new", "moved"),
    [
        ([0.5, 0.5], [0.6, 0.4], 0.1),
        ([0.5, 0.5], [0.5, 0.5], 0.0),
        ([0.5, 0.5], [0.25, 0.5, 0.25], 0.5),
        ([0.2, 0.3, 0.5], [0.3, 0.2, 0.5], 0.1),
    ],
)
def test_changing_weights_moves_what_moved_share_says(
    old: list[float], new: list[float], moved: float
) -> None:
    assert moved_share(old, new) == pytest.approx(moved)
    before = FlagSet.compile([flag(variants=variants(old))]).decide_many("checkout", IDS)
    after = FlagSet.compile([flag(variants=variants(new))]).decide_many("checkout", IDS)
    assert abs(float(np.mean(before.variant_index != after.variant_index)) - moved) < 0.01


def test_a_new_salt_reshuffles_everyone() -> None:
    first = FlagSet.compile([flag(variants=TWO)]).decide_many("checkout", IDS)
    second = FlagSet.compile([flag(variants=TWO, salt="checkout-2")]).decide_many("checkout", IDS)
    assert abs(float(np.mean(first.variant_index == second.variant_index)) - 0.5) < 0.01


def namespaced(key: str, start: float, end: float) -> FlagConfig:
    return FlagConfig(
        key=key,
        enabled=True,
        variants=TWO,
        namespace={"namespace": "pricing", "start": start, "end": end},
    )


def test_a_unit_is_in_at_most_one_experiment_of_a_namespace() -> None:
    configs = [namespaced("a", 0, 0.3), namespaced("b", 0.3, 0.5), namespaced("c", 0.8, 1)]
    flags = FlagSet.compile(configs)
    in_experiments = np.vstack([flags.decide_many(c.key, IDS).enabled for c in configs])
    assert in_experiments.sum(axis=0).max() == 1
    assert np.allclose(in_experiments.mean(axis=1), [0.3, 0.2, 0.2], atol=0.01)
    assert abs(float(in_experiments.any(axis=0).mean()) - 0.7) < 0.01
    for unit in IDS[:500]:
        assert sum(flags.decide(c.key, unit).enabled for c in configs) <= 1


def test_overlapping_namespace_ranges_are_rejected() -> None:
    with pytest.raises(ValueError, match="a and b claim overlapping ranges of namespace pricing"):
        FlagSet.compile([namespaced("a", 0, 0.5), namespaced("b", 0.4, 0.6)])
    FlagSet.compile([namespaced("a", 0, 0.5), namespaced("b", 0.5, 1)])  # touching is fine


def test_duplicate_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="repeated: checkout"):
        FlagSet.compile([flag(), flag()])


PRO = {"property": "plan", "operator": "eq", "value": "pro"}
ENTERPRISE = {"property": "segment", "operator": "eq", "value": "enterprise", "source": "account"}


@pytest.mark.parametrize(
    ("fields", "unit", "attributes", "expected"),
    [
        ({"enabled": False}, "u1", {}, ("disabled", None)),
        ({}, None, {}, ("default", None)),
        ({}, "", {}, ("default", None)),
        ({"unit_type": "account"}, "u1", {}, ("default", None)),
        ({"coverage": 0}, "u1", {}, ("default", None)),
        ({"coverage": 1}, "u1", {}, ("rollout", "on")),
        (
            {"coverage": 0, "rules": [{"conditions": [PRO]}]},
            "u1",
            {"plan": "pro"},
            ("rule:0", "on"),
        ),
        (
            {"coverage": 0, "rules": [{"conditions": [PRO]}]},
            "u1",
            {"plan": "free"},
            ("default", None),
        ),
        (
            {"coverage": 0, "rules": [{"conditions": [PRO], "rollout": 0}]},
            "u1",
            {"plan": "pro"},
            ("not_in_rollout", None),
        ),
        (
            {"coverage": 1, "rules": [{"conditions": [PRO], "rollout": 0}]},
            "u1",
            {"plan": "pro"},
            ("rollout", "on"),
        ),
        (
            {"variants": TWO, "rules": [{"conditions": [PRO], "variant": "v1"}]},
            "u1",
            {"plan": "pro"},
            ("rule:0", "v1"),
        ),
        (
            {"rules": [{"conditions": [PRO], "rollout": 0}, {"conditions": [ENTERPRISE]}]},
            "u1",
            {"plan": "pro", "$account": {"segment": "enterprise"}},
            ("rule:1", "on"),
        ),
        (
            {"unit_type": "account", "rules": [{"conditions": [ENTERPRISE]}]},
            "u1",
            {"$groups": {"account": "a1"}, "$account": {"segment": "enterprise"}},
            ("rule:0", "on"),
        ),
        ({"unit_type": "account"}, None, {"account_id": 42}, ("rollout", "on")),
        (
            {"namespace": {"namespace": "pricing", "start": 0, "end": 0.0001}},
            "u1",
            {},
            ("namespace", None),
        ),
    ],
)
def test_reasons(
    fields: dict[str, Any],
    unit: str | None,
    attributes: dict[str, Any],
    expected: tuple[str, str | None],
) -> None:
    config = flag(**fields)
    decision = FlagSet.compile([config]).decide("checkout", unit, attributes)
    assert (decision.reason, decision.variant) == expected
    assert decision.enabled is (expected[1] is not None)
    assert decision == evaluate(config, Context(unit, attributes))


def test_the_bucket_says_what_settled_the_decision() -> None:
    flags = FlagSet.compile([flag(coverage=0.5, variants=TWO)])
    decisions = [flags.decide("checkout", unit) for unit in IDS[:200]]
    assert {d.reason for d in decisions} == {"rollout", "not_in_rollout"}
    for decision in decisions:
        assert decision.bucket is not None
        if decision.reason == "not_in_rollout":
            assert decision.bucket >= 0.5
        else:
            assert (decision.variant == "v0") is (decision.bucket < 0.5)


def test_every_person_of_an_account_gets_the_accounts_variant() -> None:
    flags = FlagSet.compile([flag(unit_type="account", variants=TWO)])
    for account in [f"acct-{i}" for i in range(50)]:
        seen = {
            flags.decide("checkout", f"{account}-person-{p}", {"$groups": {"account": account}})
            for p in range(5)
        }
        assert len(seen) == 1


def test_an_unknown_flag_decides_unknown() -> None:
    decision = FlagSet.compile([]).decide("nope", "u1")
    assert decision == Decision("nope", False, None, "unknown", None)


def test_decide_all_covers_every_flag() -> None:
    flags = FlagSet.compile([flag(), flag(key="sso", enabled=False)])
    assert list(flags) == ["checkout", "sso"]
    assert "sso" in flags
    assert len(flags) == 2
    decided = flags.decide_all("u1")
    assert {key: d.reason for key, d in decided.items()} == {
        "checkout": "rollout",
        "sso": "disabled",
    }
    assert flags.config("sso").enabled is False


def test_batch_decisions_summarise_and_validate() -> None:
    flags = FlagSet.compile([flag(coverage=0.5, variants=TWO), flag(key="off", enabled=False)])
    batch = flags.decide_many("checkout", ["u1", "", "u3"])
    assert batch[1] == Decision("checkout", False, None, "default", None)
    assert sum(batch.counts().values()) == int(batch.enabled.sum())
    assert flags.decide_many("off", ["u1"])[0].reason == "disabled"
    assert len(flags.decide_many("checkout", [])) == 0
    with pytest.raises(ValueError, match="one mapping per unit"):
        flags.decide_many("checkout", ["u1"], [])

"""Hypothesis strategies for flag configurations and the people they are evaluated for."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from prodloop.experiments.flags import FlagConfig

PLANS = ["free", "pro", "team", "enterprise"]
SEGMENTS = ["smb", "mid_market", "enterprise"]
VERSIONS = ["1.0.0", "1.2.0", "2.0.0-beta.1", "2.0.0", "2.1.3"]

shares = st.one_of(
    st.sampled_from([0.0, 0.05, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9999, 1.0]),
    st.floats(min_value=0, max_value=1),
)


@st.composite
def weights(draw: st.DrawFn, *, max_variants: int = 5) -> list[float]:
    """Weights that sum to 1 within the validation tolerance (zero weights included)."""
    parts = draw(st.lists(st.integers(0, 100), min_size=1, max_size=max_variants))
    if sum(parts) == 0:
        parts[0] = 1
    total = sum(parts)
    return [part / total for part in parts]


def variants(shares_: list[float]) -> list[dict[str, Any]]:
    """Variants named v0, v1, … with the given weights."""
    return [{"key": f"v{index}", "weight": weight} for index, weight in enumerate(shares_)]


conditions = st.one_of(
    st.builds(
        lambda op, value: {"property": "plan", "operator": op, "value": value},
        st.sampled_from(["eq", "neq"]),
        st.sampled_from(PLANS),
    ),
    st.builds(
        lambda op, value: {"property": "plan", "operator": op, "value": value},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(PLANS), min_size=1, max_size=3),
    ),
    st.builds(
        lambda op, value: {"property": "age", "operator": op, "value": value},
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.integers(10, 70),
    ),
    st.builds(
        lambda op: {"property": "email", "operator": op},
        st.sampled_from(["exists", "not_exists"]),
    ),
    st.builds(
        lambda value: {"property": "email", "operator": "contains", "value": value},
        st.sampled_from(["acme", "example", "@"]),
    ),
    st.builds(
        lambda op, value: {"property": "app_version", "operator": op, "value": value},
        st.sampled_from(["semver_gt", "semver_lte"]),
        st.sampled_from(VERSIONS),
    ),
    st.builds(
        lambda op, value: {
            "property": "segment",
            "operator": op,
            "value": value,
            "source": "account",
        },
        st.sampled_from(["eq", "neq"]),
        st.sampled_from(SEGMENTS),
    ),
    st.builds(
        lambda value: {"property": "arr", "operator": "gte", "value": value, "source": "account"},
        st.sampled_from([0, 10_000, 100_000]),
    ),
)


@st.composite
def flag_configs(draw: st.DrawFn, *, key: str = "checkout") -> FlagConfig:
    """Any valid flag: switched on or off, any unit type, rules, namespace and weights."""
    shares_ = draw(weights())
    variant_list = variants(shares_)
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        rule: dict[str, Any] = {
            "conditions": draw(st.lists(conditions, min_size=1, max_size=3)),
            "rollout": draw(shares),
        }
        if draw(st.booleans()):
            rule["variant"] = draw(st.sampled_from(variant_list))["key"]
        rules.append(rule)
    namespace = None
    if draw(st.booleans()):
        start = draw(st.sampled_from([0.0, 0.2, 0.5]))
        end = min(1.0, start + draw(shares) * 0.5 + 1e-4)
        namespace = {"namespace": "pricing", "start": start, "end": end}
    return FlagConfig.model_validate(
        {
            "key": key,
            "enabled": draw(st.sampled_from([True, True, True, False])),
            "unit_type": draw(st.sampled_from(["person", "person", "account"])),
            "salt": draw(st.sampled_from([None, "s1", "checkout-phase-2"])),
            "coverage": draw(shares),
            "variants": variant_list,
            "rules": rules,
            "namespace": namespace,
        }
    )


@st.composite
def people(draw: st.DrawFn) -> tuple[str | None, dict[str, Any]]:
    """A person's id (sometimes none) and attributes, with or without an account."""
    unit_id = draw(st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=20)))
    attributes: dict[str, Any] = {}
    if draw(st.booleans()):
        attributes["plan"] = draw(st.sampled_from(PLANS))
    if draw(st.booleans()):
        attributes["age"] = draw(st.one_of(st.integers(0, 90), st.sampled_from(["33", "x"])))
    if draw(st.booleans()):
        attributes["email"] = draw(st.sampled_from(["a@acme.com", "b@example.org", "none"]))
    if draw(st.booleans()):
        attributes["app_version"] = draw(st.sampled_from([*VERSIONS, "garbage"]))
    if draw(st.booleans()):
        attributes["$groups"] = {"account": draw(st.text(min_size=1, max_size=10))}
        attributes["$account"] = {
            "segment": draw(st.sampled_from(SEGMENTS)),
            "arr": draw(st.sampled_from([0, 5_000, 50_000, 500_000])),
        }
    return unit_id, attributes

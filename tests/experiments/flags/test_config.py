"""Flag configuration: validation errors name the field they are about."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from prodloop.experiments.flags import FlagConfig, FlagUpdate, UnitType

TWO = [{"key": "control", "weight": 0.5}, {"key": "treatment", "weight": 0.5}]
PLAN_IS_PRO = {"property": "plan", "operator": "eq", "value": "pro"}


def errors(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        FlagConfig(**{"key": "checkout", **fields})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in raised.value.errors()]


def test_defaults_make_an_off_boolean_flag_salted_with_its_key() -> None:
    config = FlagConfig(key="checkout")
    assert not config.enabled
    assert config.salt == "checkout"
    assert config.coverage == 1
    assert [(v.key, v.weight) for v in config.variants] == [("on", 1.0)]
    assert config.unit_type is UnitType.PERSON


def test_a_salt_can_be_set() -> None:
    assert FlagConfig(key="checkout", salt="checkout-phase-2").salt == "checkout-phase-2"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"variants": [{"key": "a", "weight": 0.5}, {"key": "b", "weight": 0.4}]},
            "variants",
            "sum to 1 (they sum to 0.9)",
        ),
        (
            {"variants": [{"key": "a", "weight": 1 / 3}] * 2 + [{"key": "c", "weight": 0.3333}]},
            "variants",
            "unique",
        ),
        (
            {
                "variants": [
                    {"key": "a", "weight": 0.3333},
                    {"key": "b", "weight": 0.3333},
                    {"key": "c", "weight": 0.3333},
                ]
            },
            "variants",
            "sum to 1",
        ),
        ({"variants": []}, "variants", "at least 1"),
        (
            {"variants": [{"key": "a", "weight": 1.5}, {"key": "b", "weight": -0.5}]},
            "variants.0.weight",
            "less than or equal to 1",
        ),
        ({"variants": [{"key": "no spaces", "weight": 1}]}, "variants.0.key", "letters, digits"),
        ({"coverage": 1.01}, "coverage", "less than or equal to 1"),
        ({"coverage": float("nan")}, "coverage", "finite"),
        ({"salt": "has:colon"}, "salt", "letters, digits"),
        ({"key": "Not A Slug"}, "key", "slug"),
        ({"unit_type": "team"}, "unit_type", "'person' or 'account'"),
        ({"rules": [{"conditions": []}]}, "rules.0.conditions", "at least 1"),
        (
            {"rules": [{"conditions": [{**PLAN_IS_PRO, "operator": "like"}]}]},
            "rules.0.conditions.0.operator",
            "Input should be",
        ),
        (
            {"rules": [{"conditions": [{**PLAN_IS_PRO, "operator": "in"}]}]},
            "rules.0.conditions.0.value",
            "non-empty list",
        ),
        (
            {"rules": [{"conditions": [PLAN_IS_PRO], "rollout": 2}]},
            "rules.0.rollout",
            "less than or equal to 1",
        ),
        (
            {"rules": [{"conditions": [PLAN_IS_PRO], "variant": "blue"}], "variants": TWO},
            "rules",
            "forces variant 'blue'",
        ),
        (
            {"rules": [{"conditions": [{**PLAN_IS_PRO, "source": "team"}]}]},
            "rules.0.conditions.0.source",
            "'person' or 'account'",
        ),
        (
            {"namespace": {"namespace": "pricing", "start": 0.5, "end": 0.5}},
            "namespace.end",
            "end after it starts",
        ),
        (
            {"namespace": {"namespace": "pricing", "start": -0.1, "end": 0.5}},
            "namespace.start",
            "greater than or equal to 0",
        ),
        ({"colour": "blue"}, "colour", "Extra inputs are not permitted"),
    ],
)
def test_invalid_configuration_names_the_field(
    fields: dict[str, Any], field: str, message: str
) -> None:
    found = errors(**fields)
    assert any(loc == field and message in msg for loc, msg in found), found


def test_weights_within_a_millionth_of_one_pass() -> None:
    variants = [
        {"key": "a", "weight": 0.1},
        {"key": "b", "weight": 0.2},
        {"key": "c", "weight": 0.7},
    ]
    assert len(FlagConfig(key="checkout", variants=variants).variants) == 3


def test_configuration_is_immutable() -> None:
    config = FlagConfig(key="checkout")
    with pytest.raises(ValidationError, match="frozen"):
        config.enabled = True  # type: ignore[misc]


def test_an_update_checks_its_own_fields() -> None:
    with pytest.raises(ValidationError) as raised:
        FlagUpdate(variants=[{"key": "a", "weight": 0.2}])
    assert raised.value.errors()[0]["loc"] == ("variants",)

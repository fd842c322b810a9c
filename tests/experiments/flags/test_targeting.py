"""Targeting operators, including what a missing property does, and semantic versions."""

from __future__ import annotations

from typing import Any

import pytest

from prodloop.experiments.flags.targeting import (
    Operator,
    check_value,
    parse_semver,
    predicate,
)

MISSING = object()

CASES: list[tuple[Operator, Any, Any, bool]] = [
    (Operator.EQ, "pro", "pro", True),
    (Operator.EQ, "pro", "Pro", False),
    (Operator.EQ, 3, 3.0, True),
    (Operator.EQ, 1, True, False),
    (Operator.EQ, True, True, True),
    (Operator.EQ, "3", 3, False),
    (Operator.EQ, "pro", MISSING, False),
    (Operator.NEQ, "pro", "free", True),
    (Operator.NEQ, "pro", "pro", False),
    (Operator.NEQ, "pro", MISSING, True),
    (Operator.IN, ["DE", "FR"], "FR", True),
    (Operator.IN, ["DE", "FR"], "US", False),
    (Operator.IN, ["beta", "vip"], ["staff", "vip"], True),
    (Operator.IN, ["beta", "vip"], [], False),
    (Operator.IN, [1, 2], 2.0, True),
    (Operator.IN, ["DE"], MISSING, False),
    (Operator.NOT_IN, ["DE", "FR"], "US", True),
    (Operator.NOT_IN, ["DE", "FR"], "DE", False),
    (Operator.NOT_IN, ["DE"], MISSING, True),
    (Operator.CONTAINS, "acme", "ops@ACME.com", True),
    (Operator.CONTAINS, "acme", "ops@example.com", False),
    (Operator.CONTAINS, "vip", ["staff", "vip"], True),
    (Operator.CONTAINS, 3, [1, 2, 3], True),
    (Operator.CONTAINS, "acme", 42, False),
    (Operator.CONTAINS, "acme", MISSING, False),
    (Operator.GT, 10, 11, True),
    (Operator.GT, 10, 10, False),
    (Operator.GT, 10, "11.5", True),
    (Operator.GT, 10, "eleven", False),
    (Operator.GT, 10, True, False),
    (Operator.GT, 10, MISSING, False),
    (Operator.GTE, 10, 10, True),
    (Operator.LT, 10, 9.99, True),
    (Operator.LT, 10, "nan", False),
    (Operator.LTE, 10, 10, True),
    (Operator.LTE, 10, 10.01, False),
    (Operator.GT, "2025-01-01", "2025-06-30", True),
    (Operator.LT, "2025-01-01", "2024-12-31", True),
    (Operator.LT, "2025-01-01", 20240101, False),
    (Operator.EXISTS, None, "x", True),
    (Operator.EXISTS, None, 0, True),
    (Operator.EXISTS, None, None, False),
    (Operator.EXISTS, None, MISSING, False),
    (Operator.NOT_EXISTS, None, MISSING, True),
    (Operator.NOT_EXISTS, None, "", False),
    (Operator.REGEX, r"(Mobile|Tablet)", "Android Mobile Browser", True),
    (Operator.REGEX, r"^\d+$", "12a", False),
    (Operator.REGEX, r"\d", 12, False),
    (Operator.REGEX, r"\d", MISSING, False),
    (Operator.SEMVER_GTE, "2.4.0", "v2.10.1", True),
    (Operator.SEMVER_GT, "2.4.0", "2.4.0-rc.1", False),
    (Operator.SEMVER_LT, "2.4.0", "2.4.0-rc.1", True),
    (Operator.SEMVER_EQ, "1.2.3", "1.2.3+build.7", True),
    (Operator.SEMVER_EQ, "1.2", "1.2.0", True),
    (Operator.SEMVER_LTE, "1.0.0", "not a version", False),
    (Operator.SEMVER_GT, "1.0.0", MISSING, False),
]


@pytest.mark.parametrize(("op", "value", "actual", "expected"), CASES)
def test_operator(op: Operator, value: Any, actual: Any, expected: bool) -> None:
    test = predicate(op, check_value(op, value))
    assert test(None if actual is MISSING else actual) is expected


def test_every_operator_has_cases() -> None:
    assert {case[0] for case in CASES} == set(Operator)


@pytest.mark.parametrize(
    ("newer", "older"),
    [
        # Precedence examples from semver.org §11, each newer than the one before it.
        ("1.0.0-alpha.1", "1.0.0-alpha"),
        ("1.0.0-alpha.beta", "1.0.0-alpha.1"),
        ("1.0.0-beta", "1.0.0-alpha.beta"),
        ("1.0.0-beta.2", "1.0.0-beta"),
        ("1.0.0-beta.11", "1.0.0-beta.2"),
        ("1.0.0-rc.1", "1.0.0-beta.11"),
        ("1.0.0", "1.0.0-rc.1"),
        ("2.1.1", "2.1.0"),
        ("10.0.0", "9.99.99"),
    ],
)
def test_semver_precedence(newer: str, older: str) -> None:
    newer_key, older_key = parse_semver(newer), parse_semver(older)
    assert newer_key is not None
    assert older_key is not None
    assert newer_key > older_key


@pytest.mark.parametrize("text", ["", "1.2.3.4", "01.2.3", "1.2.3-", "x.y.z", "1..2"])
def test_not_a_semver(text: str) -> None:
    assert parse_semver(text) is None


@pytest.mark.parametrize(
    ("op", "value", "message"),
    [
        (Operator.IN, "pro", "non-empty list"),
        (Operator.IN, [], "non-empty list"),
        (Operator.IN, [{"a": 1}], "strings, numbers or booleans"),
        (Operator.EXISTS, True, "takes no value"),
        (Operator.REGEX, "(", "invalid regular expression"),
        (Operator.SEMVER_GT, "one", "semantic version"),
        (Operator.GT, True, "number or a string"),
        (Operator.GT, None, "number or a string"),
        (Operator.EQ, None, "string, number or boolean"),
        (Operator.CONTAINS, ["a"], "string, number or boolean"),
    ],
)
def test_values_that_do_not_fit_the_operator(op: Operator, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_value(op, value)

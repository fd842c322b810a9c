"""Targeting conditions: operators over person and account properties.

A condition compares one property of the person (or of their account) with a value. Each
operator's meaning, including what a missing property does, is fixed here once; schemas
validate condition values with :func:`check_value` and evaluators turn a condition into a
predicate with :func:`predicate`.

* ``eq`` / ``neq``: equal or not; numbers compare by value (``1 == 1.0``), strings exactly,
  booleans only with booleans.
* ``in`` / ``not_in``: the property equals one of the listed values (a list property: shares
  one with the list).
* ``contains``: a string property contains the text, ignoring case; a list property has the
  value as an element.
* ``gt`` / ``gte`` / ``lt`` / ``lte``: numbers by value (a numeric string property counts as
  its number); strings in lexical order, which orders ISO dates correctly.
* ``exists`` / ``not_exists``: the property is present and not null, or not.
* ``regex``: a string property matches the pattern anywhere (Python ``re.search``).
* ``semver_eq`` … ``semver_lte``: semantic versions (``1.4.0``, ``v2.0.0-beta.3``);
  ``1.4`` means ``1.4.0`` and build metadata is ignored.

A property that is missing (or null) satisfies only ``neq``, ``not_in`` and ``not_exists``:
a missing value equals nothing, and nothing can be ordered, matched or found in it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from enum import StrEnum
from typing import Any

Predicate = Callable[[Any], bool]


class Operator(StrEnum):
    """How a condition compares a property with its value."""

    EQ = "eq"
    NEQ = "neq"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    REGEX = "regex"
    SEMVER_EQ = "semver_eq"
    SEMVER_GT = "semver_gt"
    SEMVER_GTE = "semver_gte"
    SEMVER_LT = "semver_lt"
    SEMVER_LTE = "semver_lte"


MISSING: Any = None
"""What a property that is absent reads as (absent and null mean the same here)."""

_ORDER = {
    Operator.GT: operator.gt,
    Operator.GTE: operator.ge,
    Operator.LT: operator.lt,
    Operator.LTE: operator.le,
}
_SEMVER_ORDER = {
    Operator.SEMVER_EQ: operator.eq,
    Operator.SEMVER_GT: operator.gt,
    Operator.SEMVER_GTE: operator.ge,
    Operator.SEMVER_LT: operator.lt,
    Operator.SEMVER_LTE: operator.le,
}
_SCALARS = (str, int, float, bool)


def check_value(op: Operator, value: Any) -> Any:
    """``value`` made ready for ``op``, or ValueError saying what ``op`` needs."""
    if op in (Operator.EXISTS, Operator.NOT_EXISTS):
        if value is not None:
            raise ValueError(f"{op.value} takes no value")
        return None
    if op in (Operator.IN, Operator.NOT_IN):
        if not isinstance(value, list | tuple) or not value:
            raise ValueError(f"{op.value} needs a non-empty list of values")
        if not all(isinstance(item, _SCALARS) for item in value):
            raise ValueError(f"{op.value} takes strings, numbers or booleans")
        return tuple(value)
    if op is Operator.REGEX:
        if not isinstance(value, str):
            raise ValueError("regex needs a pattern string")
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        return value
    if op in _SEMVER_ORDER:
        if not isinstance(value, str) or parse_semver(value) is None:
            raise ValueError(f"{op.value} needs a semantic version such as 1.4.0")
        return value
    if op in _ORDER:
        if not isinstance(value, str) and not _is_number(value):
            raise ValueError(f"{op.value} compares with a number or a string")
        return value
    if not isinstance(value, _SCALARS):
        raise ValueError(f"{op.value} needs a string, number or boolean")
    return value


def predicate(op: Operator, value: Any) -> Predicate:
    """A function from a property's value (``None`` when missing) to whether it matches."""
    if op is Operator.EQ:
        return lambda actual: actual is not None and _equal(actual, value)
    if op is Operator.NEQ:
        return lambda actual: actual is None or not _equal(actual, value)
    if op in (Operator.IN, Operator.NOT_IN):
        found = _member_test(tuple(value))
        if op is Operator.IN:
            return lambda actual: actual is not None and found(actual)
        return lambda actual: actual is None or not found(actual)
    if op is Operator.CONTAINS:
        return _contains(value)
    if op is Operator.EXISTS:
        return lambda actual: actual is not None
    if op is Operator.NOT_EXISTS:
        return lambda actual: actual is None
    if op is Operator.REGEX:
        search = re.compile(value).search
        return lambda actual: isinstance(actual, str) and search(actual) is not None
    if op in _SEMVER_ORDER:
        return _semver_predicate(_SEMVER_ORDER[op], value)
    return _order_predicate(_ORDER[op], value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if _is_number(actual) and _is_number(expected):
        return bool(actual == expected)
    return type(actual) is type(expected) and bool(actual == expected)


def _member_test(values: tuple[Any, ...]) -> Predicate:
    def found(actual: Any) -> bool:
        if isinstance(actual, list | tuple):
            return any(_equal(item, value) for item in actual for value in values)
        return any(_equal(actual, value) for value in values)

    return found


def _contains(value: Any) -> Predicate:
    needle = value.casefold() if isinstance(value, str) else None

    def contains(actual: Any) -> bool:
        if isinstance(actual, str):
            return needle is not None and needle in actual.casefold()
        if isinstance(actual, list | tuple):
            return any(_equal(item, value) for item in actual)
        return False

    return contains


def _order_predicate(compare: Callable[[Any, Any], bool], value: Any) -> Predicate:
    if isinstance(value, str):
        return lambda actual: isinstance(actual, str) and compare(actual, value)

    def ordered(actual: Any) -> bool:
        if _is_number(actual):
            return compare(actual, value)
        if isinstance(actual, str):
            try:
                number = float(actual)
            except ValueError:
                return False
            return number == number and compare(number, value)  # NaN orders nowhere
        return False

    return ordered


def _semver_predicate(compare: Callable[[Any, Any], bool], value: str) -> Predicate:
    expected = parse_semver(value)

    def ordered(actual: Any) -> bool:
        version = parse_semver(actual) if isinstance(actual, str) else None
        return version is not None and compare(version, expected)

    return ordered


# --- semantic versions -----------------------------------------------------------------------

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$"
)

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]


def parse_semver(text: str) -> SemverKey | None:
    """A sort key for a semantic version (semver.org precedence), or None if ``text`` is not
    one. A pre-release sorts before its release; numeric identifiers before alphanumeric."""
    match = _SEMVER.match(text.strip())
    if match is None:
        return None
    major, minor, patch = (int(match.group(part) or 0) for part in ("major", "minor", "patch"))
    pre = match.group("pre")
    if pre is None:
        return (major, minor, patch, 1, ())
    identifiers = tuple((0, int(part)) if part.isdigit() else (1, part) for part in pre.split("."))
    return (major, minor, patch, 0, identifiers)

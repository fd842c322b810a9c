"""Property filters and breakdowns shared by every insight, compiled to SQL.

A filter or breakdown names a property and where it lives (``on``):

``event``
    a property of the event (``properties`` JSON), or one of the columns kept beside it:
    ``event``, ``distinct_id``, ``current_url``, ``browser``, ``os``, ``lib`` (``$browser``,
    ``$os``, ``$current_url`` and ``$lib`` read those columns too).
``person``
    a person property (after ``$set`` / ``$set_once``), or ``person_id``.
``account``
    a column of the event's ledger account: ``account_id``, ``name``, ``segment``, ``arr``,
    ``arr_band``.

The compiled SQL refers to three table aliases, which a query must provide:
``e`` = ``person_events``, ``p`` = ``persons`` (joined on ``person_id``) and ``a`` =
``accounts`` (joined on ``account_id``); :func:`needs_persons` / :func:`needs_accounts` tell a
query whether to join ``p`` / ``a`` at all. Every value is written as an escaped literal
(:func:`~prodloop.analytics.query.dialect.quote_literal` or a finite number), never spliced in.

Operators follow PostHog's: ``contains`` ignores case, and ``neq`` / ``not_contains`` also
match events where the property is absent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.analytics.schemas import MATERIALISED

Operator = Literal[
    "eq",
    "neq",
    "contains",
    "not_contains",
    "gt",
    "gte",
    "lt",
    "lte",
    "is_set",
    "is_not_set",
    "in",
]
Scope = Literal["event", "person", "account"]
Scalar = str | int | float | bool

#: Event columns a key may name directly (besides the JSON ``properties``).
EVENT_COLUMNS: frozenset[str] = frozenset({"event", "distinct_id", *MATERIALISED})
#: Account columns a key may name; ``arr`` is numeric, the rest text.
ACCOUNT_KEYS: frozenset[str] = frozenset({"account_id", "name", "segment", "arr", "arr_band"})
#: Person keys that are columns rather than properties.
PERSON_COLUMNS: frozenset[str] = frozenset({"person_id"})

_PROPERTY_COLUMN = {name: column for column, name in MATERIALISED.items()}
_NUMERIC = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _check_key(key: str, on: Scope) -> str:
    key = key.strip()
    if not key:
        raise ValueError("key must not be empty")
    if len(key) > 200 or any(ord(char) < 32 for char in key):
        raise ValueError("key must be at most 200 printable characters")
    if on == "account" and key not in ACCOUNT_KEYS:
        raise ValueError(f"account key must be one of {', '.join(sorted(ACCOUNT_KEYS))}")
    return key


class PropertyFilter(BaseModel):
    """Keep the events whose property ``key`` (on the event, person or account) matches."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=200)
    operator: Operator = "eq"
    value: Scalar | list[Scalar] | None = None
    on: Scope = "event"

    @model_validator(mode="after")
    def _check(self) -> PropertyFilter:
        self.key = _check_key(self.key, self.on)
        op, value = self.operator, self.value
        if op in ("is_set", "is_not_set"):
            if value is not None:
                raise ValueError(f"value must be empty for operator {op}")
        elif op == "in":
            if not isinstance(value, list) or not value:
                raise ValueError("value must be a non-empty list for operator in")
        elif op in _NUMERIC:
            if not _is_number(value):
                raise ValueError(f"value must be a finite number for operator {op}")
        elif value is None or isinstance(value, list):
            raise ValueError(f"value must be a single value for operator {op}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("value must be a finite number")
        return self


class Breakdown(BaseModel):
    """Split an insight by the value of property ``key`` (on the event, person or account)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=200)
    on: Scope = "event"

    @model_validator(mode="after")
    def _check(self) -> Breakdown:
        self.key = _check_key(self.key, self.on)
        return self


def _is_number(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _number_literal(value: Scalar) -> str:
    return repr(float(value))


def _text_literal(value: Scalar) -> str:
    if isinstance(value, bool):
        return quote_literal("true" if value else "false")
    return quote_literal(str(value))


def property_text(key: str, on: Scope, dialect: Dialect) -> str:
    """SQL for the value of ``key`` on ``on``, as text (NULL when absent)."""
    if on == "account":
        _check_key(key, on)
        return f"CAST(a.{key} AS VARCHAR)" if key == "arr" else f"a.{key}"
    if on == "person":
        return "p.person_id" if key in PERSON_COLUMNS else dialect.json_text("p.properties", key)
    if key in EVENT_COLUMNS:
        return f"e.{key}"
    if key in _PROPERTY_COLUMN:
        return f"e.{_PROPERTY_COLUMN[key]}"
    return dialect.json_text("e.properties", key)


def property_number(key: str, on: Scope, dialect: Dialect) -> str:
    """SQL for the value of ``key`` on ``on`` as a DOUBLE (NULL when absent or not numeric)."""
    if on == "account" and key == "arr":
        return "a.arr"
    if on == "event" and key not in EVENT_COLUMNS and key not in _PROPERTY_COLUMN:
        return dialect.json_number("e.properties", key)
    if on == "person" and key not in PERSON_COLUMNS:
        return dialect.json_number("p.properties", key)
    return f"TRY_CAST({property_text(key, on, dialect)} AS DOUBLE)"


def filter_sql(item: PropertyFilter, dialect: Dialect) -> str:
    """One filter as a boolean SQL expression over ``e`` / ``p`` / ``a``."""
    text = property_text(item.key, item.on, dialect)
    op, value = item.operator, item.value
    if op == "is_set":
        return f"({text} IS NOT NULL)"
    if op == "is_not_set":
        return f"({text} IS NULL)"
    if op in _NUMERIC:
        assert value is not None
        assert not isinstance(value, list)
        number = property_number(item.key, item.on, dialect)
        return f"({number} {_NUMERIC[op]} {_number_literal(value)})"
    if op == "in":
        assert isinstance(value, list)
        return f"({text} IN ({', '.join(_text_literal(v) for v in value)}))"
    assert value is not None
    assert not isinstance(value, list)
    if op in ("eq", "neq"):
        if _is_number(value):
            number = property_number(item.key, item.on, dialect)
            test = f"{number} = {_number_literal(value)}"
        else:
            test = f"{text} = {_text_literal(value)}"
        return f"({test})" if op == "eq" else f"({text} IS NULL OR NOT ({test}))"
    needle = _text_literal(str(value).lower())
    found = f"instr(lower({text}), {needle}) > 0"
    return f"({found})" if op == "contains" else f"({text} IS NULL OR NOT ({found}))"


def filters_sql(filters: Sequence[PropertyFilter], dialect: Dialect) -> str:
    """All ``filters`` ANDed as one boolean SQL expression (``TRUE`` when there are none)."""
    if not filters:
        return "TRUE"
    return " AND ".join(filter_sql(item, dialect) for item in filters)


def breakdown_sql(breakdown: Breakdown, dialect: Dialect) -> str:
    """The breakdown value of an event as text SQL (NULL when the property is absent)."""
    return property_text(breakdown.key, breakdown.on, dialect)


def _scopes(items: Iterable[PropertyFilter | Breakdown | None]) -> set[str]:
    return {item.on for item in items if item is not None}


def needs_persons(filters: Iterable[PropertyFilter], breakdown: Breakdown | None = None) -> bool:
    """Whether the filters or the breakdown read ``p`` (so the query must join persons)."""
    return "person" in _scopes([*filters, breakdown])


def needs_accounts(filters: Iterable[PropertyFilter], breakdown: Breakdown | None = None) -> bool:
    """Whether the filters or the breakdown read ``a`` (so the query must join accounts)."""
    return "account" in _scopes([*filters, breakdown])


def joins_sql(
    filters: Iterable[PropertyFilter],
    breakdown: Breakdown | None = None,
    *,
    accounts: bool = False,
) -> str:
    """The ``LEFT JOIN`` clauses for ``p`` / ``a`` that the filters and breakdown need.

    Write it after ``FROM person_events e``; ``accounts=True`` joins ``a`` regardless.
    """
    filters = list(filters)
    joins = []
    if needs_persons(filters, breakdown):
        joins.append("LEFT JOIN persons p ON p.person_id = e.person_id")
    if accounts or needs_accounts(filters, breakdown):
        joins.append("LEFT JOIN accounts a ON a.account_id = e.account_id")
    return " ".join(joins)

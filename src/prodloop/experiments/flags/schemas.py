"""Pydantic shapes of feature flags: the configuration evaluators run on, and what the
service takes in and gives out.

:class:`FlagConfig` is the whole of a flag's behaviour and is validated once, here: variant
weights sum to 1, keys are unique, rules only force variants that exist, a namespace slice is
a real interval. Every error names the field it is about.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from prodloop.experiments.flags.targeting import Operator, check_value
from prodloop.ledger.schemas import Key

WEIGHT_TOLERANCE = 1e-6
"""How far from 1 the variant weights may sum (0.3333 three times does not pass)."""

MAX_VARIANTS = 20
MAX_RULES = 50
MAX_CONDITIONS = 20

_SALT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_VARIANT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


class UnitType(StrEnum):
    """What a flag assigns: each person on their own, or every person of an account alike."""

    PERSON = "person"
    ACCOUNT = "account"


class PropertySource(StrEnum):
    """Whose property a condition reads."""

    PERSON = "person"
    ACCOUNT = "account"


def _check_salt(value: str) -> str:
    if not _SALT.fullmatch(value):
        raise ValueError("must be 1-64 letters, digits, '.', '_' or '-'")
    return value


def _check_variant_key(value: str) -> str:
    if not _VARIANT_KEY.fullmatch(value):
        raise ValueError("must be 1-63 letters, digits, '_' or '-', starting alphanumeric")
    return value


def _check_variants(variants: tuple[Variant, ...]) -> tuple[Variant, ...]:
    keys = [variant.key for variant in variants]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"variant keys must be unique; repeated: {', '.join(duplicates)}")
    total = math.fsum(variant.weight for variant in variants)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise ValueError(f"variant weights must sum to 1 (they sum to {total:g})")
    return variants


Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Salt = Annotated[str, AfterValidator(_check_salt)]
VariantKey = Annotated[str, AfterValidator(_check_variant_key)]


class Frozen(BaseModel):
    """Configuration is immutable and rejects unknown fields, so a typo is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Variant(Frozen):
    """One arm of a flag and its share of the units that get the flag."""

    key: VariantKey
    weight: Share


Variants = Annotated[
    tuple[Variant, ...],
    Field(min_length=1, max_length=MAX_VARIANTS),
    AfterValidator(_check_variants),
]
ON: tuple[Variant, ...] = (Variant(key="on", weight=1.0),)
"""The variants of a plain on/off flag."""


class Condition(Frozen):
    """A test on one property of the person or of their account."""

    property: Annotated[str, Field(min_length=1, max_length=200)]
    operator: Operator
    value: Any = None
    source: PropertySource = PropertySource.PERSON

    @field_validator("value")
    @classmethod
    def _value_fits_operator(cls, value: Any, info: ValidationInfo) -> Any:
        op = info.data.get("operator")
        return value if op is None else check_value(op, value)


class Rule(Frozen):
    """Conditions that must all hold; the units they match get their own rollout and,
    optionally, one forced variant."""

    conditions: Annotated[tuple[Condition, ...], Field(min_length=1, max_length=MAX_CONDITIONS)]
    rollout: Share = 1.0
    variant: VariantKey | None = None


class NamespaceRange(Frozen):
    """The slice ``[start, end)`` of a namespace's hash space a flag claims."""

    namespace: Key
    start: Share
    end: Share

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: float, info: ValidationInfo) -> float:
        start = info.data.get("start")
        if start is not None and end <= start:
            raise ValueError("the range must end after it starts")
        return end


def _check_rules(rules: tuple[Rule, ...], info: ValidationInfo) -> tuple[Rule, ...]:
    variants = info.data.get("variants")
    if variants is None:
        return rules
    known = {variant.key for variant in variants}
    for index, rule in enumerate(rules):
        if rule.variant is not None and rule.variant not in known:
            raise ValueError(
                f"rule {index} forces variant {rule.variant!r}, which is not one of "
                f"{', '.join(sorted(known))}"
            )
    return rules


class FlagConfig(Frozen):
    """Everything that decides who gets a flag and which variant: what evaluators run on.

    The salt defaults to the key; changing it reshuffles every unit (a new experiment
    phase).
    """

    key: Key
    enabled: bool = False
    unit_type: UnitType = UnitType.PERSON
    salt: Salt = Field(default="", validate_default=False)
    coverage: Share = 1.0
    variants: Variants = ON
    rules: Annotated[tuple[Rule, ...], Field(max_length=MAX_RULES)] = ()
    namespace: NamespaceRange | None = None

    @model_validator(mode="before")
    @classmethod
    def _salt_defaults_to_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("salt") and "key" in data:
            return {**data, "salt": data["key"]}
        return data

    _rules_force_known_variants = field_validator("rules")(_check_rules)


class FlagIn(FlagConfig):
    """A new flag for the ledger feature whose key it carries."""

    description: Annotated[str, Field(max_length=2000)] = ""


class FlagUpdate(BaseModel):
    """A change to a flag: only the fields given change; ``reason`` goes to the audit log."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: Annotated[str, Field(max_length=2000)] | None = None
    enabled: bool | None = None
    unit_type: UnitType | None = None
    salt: Salt | None = None
    coverage: Share | None = None
    variants: Variants | None = None
    rules: Annotated[tuple[Rule, ...], Field(max_length=MAX_RULES)] | None = None
    namespace: NamespaceRange | None = None
    reason: Annotated[str, Field(max_length=2000)] | None = None


class FlagOut(BaseModel):
    """A flag as the API shows it."""

    key: str
    description: str
    enabled: bool
    unit_type: UnitType
    salt: str
    coverage: float
    variants: list[Variant]
    rules: list[Rule]
    namespace: NamespaceRange | None
    created_at: datetime
    updated_at: datetime


class NamespaceIn(BaseModel):
    """A new namespace: a hash space that mutually exclusive experiments divide."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Key
    description: Annotated[str, Field(max_length=2000)] = ""


class NamespaceUpdate(BaseModel):
    """A change to a namespace's description (its name seeds the hash and never changes)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: Annotated[str, Field(max_length=2000)]


class NamespaceClaimOut(BaseModel):
    """One flag's slice of a namespace."""

    flag_key: str
    start: float
    end: float


class NamespaceOut(BaseModel):
    """A namespace, the slices its flags claim and the share still free."""

    name: str
    description: str
    claims: list[NamespaceClaimOut]
    free: float
    created_at: datetime
    updated_at: datetime

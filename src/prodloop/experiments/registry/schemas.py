"""What the experiment registry takes in and gives out."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


class ExperimentStatus(StrEnum):
    """Where an experiment stands."""

    DRAFT = "draft"
    RUNNING = "running"
    STOPPED = "stopped"
    DECIDED = "decided"


class DecisionKind(StrEnum):
    """What was decided once the experiment was read."""

    SHIP = "ship"
    ROLL_BACK = "roll back"
    ITERATE = "iterate"


_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def _check_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise ValueError("a key is lower-case letters, digits and inner hyphens, up to 64")
    return value


ExperimentKey = Annotated[str, AfterValidator(_check_key)]
MetricKeyRef = Annotated[str, Field(min_length=1, max_length=64)]


class Guardrail(BaseModel):
    """A metric the change must not hurt by more than ``margin`` (relative, 0.02 = 2%)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: MetricKeyRef
    margin: Annotated[float, Field(ge=0, lt=1)] = 0.0


class Design(BaseModel):
    """The parts of an experiment's design that may change while it is a draft."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    hypothesis: str = ""
    primary_metric: MetricKeyRef
    secondary_metrics: list[MetricKeyRef] = Field(default_factory=list)
    guardrails: list[Guardrail] = Field(default_factory=list)
    minimum_detectable_effect: Annotated[float, Field(gt=0, lt=10)] = 0.05
    alpha: Annotated[float, Field(gt=0, lt=0.5)] = 0.05
    power: Annotated[float, Field(gt=0, lt=1)] = 0.8
    sequential: bool = False
    minimum_units_per_variant: Annotated[int, Field(ge=2)] = 100
    baseline_mean: float | None = None
    baseline_variance: Annotated[float, Field(gt=0)] | None = None
    expected_daily_units: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _distinct_metrics(self) -> Design:
        named = [self.primary_metric, *self.secondary_metrics, *(g.metric for g in self.guardrails)]
        repeated = sorted({m for m in named if named.count(m) > 1})
        if repeated:
            raise ValueError(f"a metric plays one role per experiment; repeated: {repeated}")
        if self.baseline_mean == 0:
            raise ValueError("baseline_mean must not be 0 (lifts are relative to it)")
        return self


class ExperimentIn(Design):
    """A new experiment on the flag of the ledger feature ``feature``."""

    key: ExperimentKey
    feature: Annotated[str, Field(min_length=1, max_length=64)]


class DesignUpdate(BaseModel):
    """A change to a draft's design; only the fields given change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    hypothesis: str | None = None
    primary_metric: MetricKeyRef | None = None
    secondary_metrics: list[MetricKeyRef] | None = None
    guardrails: list[Guardrail] | None = None
    minimum_detectable_effect: Annotated[float, Field(gt=0, lt=10)] | None = None
    alpha: Annotated[float, Field(gt=0, lt=0.5)] | None = None
    power: Annotated[float, Field(gt=0, lt=1)] | None = None
    sequential: bool | None = None
    minimum_units_per_variant: Annotated[int, Field(ge=2)] | None = None
    baseline_mean: float | None = None
    baseline_variance: Annotated[float, Field(gt=0)] | None = None
    expected_daily_units: Annotated[float, Field(gt=0)] | None = None


class StartIn(BaseModel):
    """Starting an experiment (``at`` defaults to now)."""

    model_config = ConfigDict(extra="forbid")

    at: datetime | None = None


class DecisionIn(BaseModel):
    """The decision record: what was decided and why (who comes from the request)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: DecisionKind
    reason: Annotated[str, Field(min_length=1, max_length=5000)]


class VariantSplit(BaseModel):
    """A variant and its planned share of traffic."""

    key: str
    weight: float


class ExperimentOut(BaseModel):
    """An experiment as the API shows it."""

    key: str
    name: str
    hypothesis: str
    feature: str
    flag: str
    status: ExperimentStatus
    primary_metric: str
    secondary_metrics: list[str]
    guardrails: list[Guardrail]
    minimum_detectable_effect: float
    alpha: float
    power: float
    sequential: bool
    minimum_units_per_variant: int
    baseline_mean: float | None
    baseline_variance: float | None
    expected_daily_units: float | None
    planned_units_per_variant: int | None
    planned_days: int | None
    variants: list[VariantSplit]
    rules: dict[str, Any] | None
    started_at: datetime | None
    stopped_at: datetime | None
    decision: DecisionKind | None
    decided_by: str | None
    decision_reason: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime

"""Named metric definitions, declared once and reused by experiments, OKRs and insights.

A metric says what one unit (a person, or an account) contributes:

* ``count`` — how many ``event`` events the unit sent;
* ``unique`` — on how many distinct days (UTC) the unit sent ``event``;
* ``conversion`` — 1 if the unit sent ``event`` at least once, else 0;
* ``mean`` — the sum of the numeric ``property`` over the unit's ``event`` events (revenue per
  user), read as its mean over units;
* ``ratio`` — ``event`` count (or ``property`` sum) over ``denominator_event`` count, read as a
  ratio of sums across units (clicks per session);
* ``retention`` — 1 if the unit sent ``event`` ``retention_days`` or more days after its first
  exposure, else 0.

:func:`experiment_totals_sql` writes, once, in standard SQL over ``person_events``, the query
that turns an experiment's exposures and a metric into the sufficient statistics the stats
engine takes; :func:`experiment_totals` runs it on any :class:`Engine`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.metric_models import MetricDefinition
from prodloop.analytics.query.dialect import DUCKDB, Dialect, quote_literal
from prodloop.analytics.query.engine import Engine
from prodloop.ledger.errors import NotFoundError
from prodloop.ledger.records import add_record, change_record, ensure_unique

EXPOSURE_EVENT = "$feature_flag_called"
FLAG_PROPERTY = "$feature_flag"
VARIANT_PROPERTY = "$feature_flag_response"
#: The variant label of units exposed to more than one variant (left out of the analysis).
SEVERAL_VARIANTS = "$several"
#: Days before a unit's first exposure that make up its pre-period (the CUPED covariate).
PRE_PERIOD_DAYS = 14

METRIC_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class MetricKind(StrEnum):
    """What a metric counts per unit."""

    COUNT = "count"
    UNIQUE = "unique"
    CONVERSION = "conversion"
    MEAN = "mean"
    RATIO = "ratio"
    RETENTION = "retention"

    @property
    def is_rate(self) -> bool:
        """Whether each unit's value is 0 or 1."""
        return self in (MetricKind.CONVERSION, MetricKind.RETENTION)


def _check_key(value: str) -> str:
    if not METRIC_KEY.fullmatch(value):
        raise ValueError("a metric key is lower-case letters, digits, '-' or '_', from a letter")
    return value


MetricKey = Annotated[str, AfterValidator(_check_key)]
EventName = Annotated[str, Field(min_length=1, max_length=200)]


class MetricSpec(BaseModel):
    """What a metric computes; validated so each kind has what it needs."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: MetricKind
    event: EventName
    property: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    denominator_event: EventName | None = None
    retention_days: Annotated[int, Field(ge=1, le=365)] | None = None
    higher_is_better: bool = True

    @model_validator(mode="after")
    def _kind_needs(self) -> MetricSpec:
        if self.kind is MetricKind.MEAN and self.property is None:
            raise ValueError("a mean metric needs the property to average (property)")
        if self.kind is MetricKind.RATIO and self.denominator_event is None:
            raise ValueError("a ratio metric needs a denominator_event")
        if self.kind is MetricKind.RETENTION and self.retention_days is None:
            raise ValueError("a retention metric needs retention_days")
        if self.kind is not MetricKind.RATIO and self.denominator_event is not None:
            raise ValueError("only a ratio metric has a denominator_event")
        if self.kind is not MetricKind.RETENTION and self.retention_days is not None:
            raise ValueError("only a retention metric has retention_days")
        return self


class MetricIn(MetricSpec):
    """A new named metric."""

    key: MetricKey
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""


class MetricUpdate(BaseModel):
    """A change to a metric's name, description or direction (what it counts stays fixed,
    so past experiment readouts keep their meaning)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    description: str | None = None
    higher_is_better: bool | None = None


class MetricOut(MetricSpec):
    """A named metric as the API shows it."""

    key: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


# --- service -------------------------------------------------------------------------------


def create_metric(
    session: Session, data: MetricIn, *, actor: str, at: datetime | None = None
) -> MetricDefinition:
    """Add a named metric; keys are unique."""
    ensure_unique(session, MetricDefinition.key, data.key, field="key")
    metric = MetricDefinition(**data.model_dump(mode="json"))
    return add_record(session, metric, actor=actor, label=f"metric {data.key}", at=at)


def update_metric(
    session: Session, metric: MetricDefinition, data: MetricUpdate, *, actor: str
) -> MetricDefinition:
    """Rename, redescribe or flip the direction of a metric."""
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    return change_record(session, metric, changes, actor=actor, label=f"metric {metric.key}")


def get_metric(session: Session, key: str) -> MetricDefinition:
    """The metric ``key``."""
    found = session.execute(
        select(MetricDefinition).where(MetricDefinition.key == key)
    ).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"no metric {key!r}", field="metric")
    return found


def list_metrics(session: Session) -> list[MetricDefinition]:
    """Every named metric, by key."""
    query = select(MetricDefinition).order_by(MetricDefinition.key)
    return list(session.execute(query).scalars())


def metric_out(metric: MetricDefinition) -> MetricOut:
    """A stored metric as the API shows it."""
    return MetricOut.model_validate(metric, from_attributes=True)


def metric_spec(metric: MetricDefinition | MetricSpec) -> MetricSpec:
    """What ``metric`` computes."""
    if isinstance(metric, MetricSpec):
        return metric
    return MetricSpec(
        kind=MetricKind(metric.kind),
        event=metric.event,
        property=metric.property,
        denominator_event=metric.denominator_event,
        retention_days=metric.retention_days,
        higher_is_better=metric.higher_is_better,
    )


# --- experiment totals -----------------------------------------------------------------------

UnitColumn = Literal["person_id", "account_id"]


@dataclass(frozen=True)
class ExposureWindow:
    """Which exposures count: flag ``flag_key`` seen in ``[start, end)`` by units of a kind."""

    flag_key: str
    start: datetime
    end: datetime
    unit_column: UnitColumn = "person_id"
    pre_period_days: int = PRE_PERIOD_DAYS


@dataclass(frozen=True)
class VariantTotals:
    """One variant's sufficient statistics for one metric.

    ``value`` is the metric per unit after exposure, ``denominator`` a ratio's denominator per
    unit (0 for other kinds) and ``pre`` the same metric in the pre-period (the CUPED
    covariate; 0 for ratio and retention metrics).
    """

    variant: str
    units: int
    value_sum: float
    value_sum_squares: float
    denominator_sum: float
    denominator_sum_squares: float
    value_denominator_products: float
    pre_sum: float
    pre_sum_squares: float
    value_pre_products: float


@dataclass(frozen=True)
class ExperimentTotals:
    """Per-variant totals, units seen in several variants (left out), and the SQL that ran."""

    variants: dict[str, VariantTotals]
    units_in_several: int
    sql: str


def _post_condition(spec: MetricSpec, event: str) -> str:
    return f"e.event = {quote_literal(event)} AND e.timestamp >= x.exposed_at"


def _pre_condition(event: str) -> str:
    return f"e.event = {quote_literal(event)} AND e.timestamp < x.exposed_at"


def _value_expression(spec: MetricSpec, dialect: Dialect, condition: str) -> str:
    """The per-unit value of the metric over the events matching ``condition``."""
    kind = spec.kind
    if kind is MetricKind.COUNT or (kind is MetricKind.RATIO and spec.property is None):
        return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"
    if kind in (MetricKind.MEAN, MetricKind.RATIO):
        number = dialect.json_number("e.properties", spec.property or "")
        return f"SUM(CASE WHEN {condition} THEN COALESCE({number}, 0) ELSE 0 END)"
    if kind is MetricKind.UNIQUE:
        return f"COUNT(DISTINCT CASE WHEN {condition} THEN CAST(e.timestamp AS DATE) END)"
    return f"MAX(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def experiment_totals_sql(
    spec: MetricSpec,
    window: ExposureWindow,
    dialect: Dialect,
    cuts: Sequence[datetime] | None = None,
) -> str:
    """The SQL giving, per variant, the metric's sufficient statistics over exposed units.

    A unit's exposure is its first ``$feature_flag_called`` event for the flag inside the
    window; only its events from then until the window's end count, and its events in the
    ``pre_period_days`` before exposure make the pre-period value. Units exposed to more than
    one variant come back under the variant ``$several``. With ``cuts`` the same is computed
    as if each cut (inside the window) were the window's end, one row per cut and variant,
    led by the cut's index.
    """
    unit = window.unit_column
    start, end = (
        dialect.timestamp(window.start.isoformat()),
        dialect.timestamp(window.end.isoformat()),
    )
    # PostHog's "$feature_flag" keys are not identifiers: the DuckDB spelling of the path is
    # the one sqlglot rewrites correctly for Spark ($['key']); Dialect.json_text's own Spark
    # spelling ($."key") reads NULL there.
    flag = DUCKDB.json_text("properties", FLAG_PROPERTY)
    variant = DUCKDB.json_text("properties", VARIANT_PROPERTY)
    events = [spec.event] + ([spec.denominator_event] if spec.denominator_event else [])
    event_list = ", ".join(quote_literal(name) for name in dict.fromkeys(events))
    value = _value_expression(spec, dialect, _post_condition(spec, spec.event))
    if spec.kind is MetricKind.RETENTION:
        days = f"INTERVAL '{spec.retention_days}' DAY"
        value = (
            f"MAX(CASE WHEN e.event = {quote_literal(spec.event)} "
            f"AND e.timestamp >= x.exposed_at + {days} THEN 1 ELSE 0 END)"
        )
    denominator = "0"
    if spec.denominator_event is not None:
        denominator = _value_expression(
            MetricSpec(kind=MetricKind.COUNT, event=spec.denominator_event),
            dialect,
            _post_condition(spec, spec.denominator_event),
        )
    pre = "0"
    if spec.kind not in (MetricKind.RATIO, MetricKind.RETENTION):
        pre = _value_expression(spec, dialect, _pre_condition(spec.event))
    pre_start = f"x.exposed_at - INTERVAL '{window.pre_period_days}' DAY"
    several = quote_literal(SEVERAL_VARIANTS)
    exposures = f"""exposures AS (
  SELECT {unit} AS unit, {variant} AS variant, timestamp AS exposed
  FROM person_events
  WHERE event = {quote_literal(EXPOSURE_EVENT)} AND {flag} = {quote_literal(window.flag_key)}
    AND timestamp >= {start} AND timestamp < {end} AND {unit} IS NOT NULL
)"""
    sums = """COUNT(*) AS units,
  SUM(value), SUM(value * value),
  SUM(denominator), SUM(denominator * denominator), SUM(value * denominator),
  SUM(pre_value), SUM(pre_value * pre_value), SUM(value * pre_value)"""
    values = f"""CAST({value} AS DOUBLE) AS value,
    CAST({denominator} AS DOUBLE) AS denominator,
    CAST({pre} AS DOUBLE) AS pre_value"""
    joined = f"""LEFT JOIN person_events e
    ON e.{unit} = x.unit AND e.event IN ({event_list})
    AND e.timestamp >= {pre_start}"""
    if cuts is None:
        return f"""WITH {exposures},
exposed AS (
  SELECT unit, MIN(exposed) AS exposed_at,
    CASE WHEN COUNT(DISTINCT variant) > 1 THEN {several} ELSE MIN(variant) END AS variant
  FROM exposures
  GROUP BY unit
),
per_unit AS (
  SELECT x.unit, x.variant,
    {values}
  FROM exposed x
  {joined} AND e.timestamp < {end}
  GROUP BY x.unit, x.variant
)
SELECT variant, {sums}
FROM per_unit
GROUP BY variant
ORDER BY variant"""
    rows = ", ".join(
        f"({index}, {dialect.timestamp(cut.isoformat())})" for index, cut in enumerate(cuts)
    )
    return f"""WITH {exposures},
cuts AS (SELECT * FROM (VALUES {rows}) AS c(cut_index, cut)),
exposed AS (
  SELECT c.cut_index, c.cut, unit, MIN(exposed) AS exposed_at,
    CASE WHEN COUNT(DISTINCT variant) > 1 THEN {several} ELSE MIN(variant) END AS variant
  FROM cuts c JOIN exposures ON exposures.exposed < c.cut
  GROUP BY c.cut_index, c.cut, unit
),
per_unit AS (
  SELECT x.cut_index, x.unit, x.variant,
    {values}
  FROM exposed x
  {joined} AND e.timestamp < x.cut
  GROUP BY x.cut_index, x.unit, x.variant
)
SELECT cut_index, variant, {sums}
FROM per_unit
GROUP BY cut_index, variant
ORDER BY cut_index, variant"""


def experiment_totals(engine: Engine, spec: MetricSpec, window: ExposureWindow) -> ExperimentTotals:
    """Run :func:`experiment_totals_sql` on ``engine``."""
    sql = experiment_totals_sql(spec, window, engine.dialect)
    return _totals(engine.fetch(sql), sql)


def experiment_totals_over_time(
    engine: Engine, spec: MetricSpec, window: ExposureWindow, cuts: Sequence[datetime]
) -> list[ExperimentTotals]:
    """The totals as of each cut (cumulative: the window cut short there), in one query."""
    sql = experiment_totals_sql(spec, window, engine.dialect, cuts)
    by_cut: dict[int, list[tuple[Any, ...]]] = {index: [] for index in range(len(cuts))}
    for index, *row in engine.fetch(sql):
        by_cut[int(index)].append(tuple(row))
    return [_totals(by_cut[index], sql) for index in range(len(cuts))]


def _totals(rows: Iterable[Sequence[Any]], sql: str) -> ExperimentTotals:
    variants: dict[str, VariantTotals] = {}
    several = 0
    for name, units, *sums in rows:
        if name == SEVERAL_VARIANTS:
            several = int(units)
            continue
        numbers = [float(value or 0.0) for value in sums]
        variants[str(name)] = VariantTotals(str(name), int(units), *numbers)
    return ExperimentTotals(variants, several, sql)


def describe_metric(spec: MetricSpec) -> str:
    """How a metric is computed, in a sentence."""
    event = f"'{spec.event}'"
    texts: dict[MetricKind, str] = {
        MetricKind.COUNT: f"{event} events per unit",
        MetricKind.UNIQUE: f"days with {event} per unit",
        MetricKind.CONVERSION: f"share of units with at least one {event}",
        MetricKind.MEAN: f"sum of {spec.property} over {event} per unit",
        MetricKind.RATIO: (
            f"{spec.property + ' of ' if spec.property else ''}{event} per "
            f"'{spec.denominator_event}'"
        ),
        MetricKind.RETENTION: (
            f"share of units with {event} {spec.retention_days} or more days after exposure"
        ),
    }
    return texts[spec.kind]


def metric_fields(metric: MetricDefinition) -> dict[str, Any]:
    """The stored columns of ``metric`` that say what it computes."""
    return metric_spec(metric).model_dump(mode="json")

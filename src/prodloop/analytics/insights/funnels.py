"""Funnels: how many units go from a first event through a chain of steps, and how fast.

Definitions (PostHog's, made exact; the brute-force reference in the tests follows them):

* Only events in the local date range ``date_from`` … ``date_to`` (and passing ``filters``)
  take part, the conversions as well as the entries. The counting unit is the person
  (``person_id``, identities already merged) or the account (``account_id``).
* A unit's events are put in one total order: by timestamp, then — for equal timestamps —
  events that match a step come first, in funnel order of the first step they match, then
  by ``uuid``. So simultaneous events satisfy the funnel's order ("ties convert").
* An **attempt** starts at every event matching step 1. It is followed greedily:
  ``sequential`` — step *k* is the first event after step *k-1* (in the order above) that
  matches step *k*; ``strict`` — step *k* must be the very next event of the unit (any event
  passing ``filters`` counts as an event); the chain stops at the first step that is missing
  or falls outside the conversion window (measured from the step-1 event) or the step's own
  ``within`` window (measured from the previous step). Windows are exact durations (a day is
  24 hours) and inclusive.
* ``any_order`` — an attempt starts at any event matching a step; it reaches as many steps as
  the distinct steps matched by events whose timestamp lies within the window from the start
  (an event matching several step definitions counts for each; identical steps are refused).
* **Exclusions**: an attempt that reached step ``to_step`` and has an exclusion event strictly
  between the timestamps of its steps ``from_step`` and ``to_step`` is disqualified (it counts
  for nothing, not even step 1).
* A unit's **best attempt** is the one that reaches furthest, the earliest-starting among
  those. It decides the unit's furthest step, its time to convert (from its step-1 event to
  its last step, for units completing the funnel) and its breakdown value (``first_touch``:
  the step-1 event's value; ``last_touch``: the value at the last step it reached; ``step``:
  the value at ``breakdown_attribution_step``, none when it did not reach that step).
* Conversion **trend**: for each local interval, the units with an attempt starting in it and
  how many of those had an attempt starting in it that completed the funnel.

All of it is one SQL statement over ``person_events`` (``result.sql``): events are filtered
to the steps first; one sort per unit numbers its events and keeps a running count of each
step's events, so the next step-*k* event after any event is the one whose count is one more;
each step of every attempt is then one equi-join on (unit, count) — no N-way self-joins and
no blow-up on repeated events.

Two shortcuts give the same answers for less work. *Untied* funnels — no breakdown, and no
event name shared by two steps, so no event matches two steps — sort without the ``uuid``
tie-break: events tied on (timestamp, step) are then interchangeable. Untied sequential
funnels without exclusions on DuckDB find each step with an ``ASOF`` join (the step-*k* event
with the smallest timestamp at or after step *k-1*'s), so no sort of every unit's events,
and pick each unit's best attempt with a ``GROUP BY`` (a later attempt never ends earlier).
Spark, which has no ``ASOF`` join, runs the general form.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from prodloop.analytics.insights.filters import (
    Breakdown,
    PropertyFilter,
    breakdown_sql,
    filters_sql,
    joins_sql,
)
from prodloop.analytics.insights.registry import InsightKind, register
from prodloop.analytics.query.buckets import Interval, bucket_labels, local_range
from prodloop.analytics.query.dialect import Dialect, quote_literal
from prodloop.analytics.query.engine import Engine
from prodloop.ledger.errors import RuleError

Unit = Literal["person", "account"]
FunnelOrder = Literal["sequential", "strict", "any_order"]
WindowUnit = Literal["second", "minute", "hour", "day", "week"]
Attribution = Literal["first_touch", "last_touch", "step"]
PersonStatus = Literal["converted", "dropped"]

MIN_STEPS = 2
MAX_STEPS = 20
#: Breakdown values beyond this many (by step-1 count) are merged into :data:`OTHER`.
BREAKDOWN_LIMIT = 25
OTHER = "$other"
SECONDS: dict[str, int] = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def _event_name(value: str) -> str:
    value = value.strip()
    if not value or any(ord(char) < 32 for char in value):
        raise ValueError("event must be a non-empty printable name")
    return value


class Window(BaseModel):
    """A duration: ``value`` ``unit``s (a day is exactly 24 hours)."""

    model_config = ConfigDict(extra="forbid")

    value: int = Field(ge=1, le=100_000)
    unit: WindowUnit = "day"

    @property
    def seconds(self) -> int:
        """The duration in seconds."""
        return self.value * SECONDS[self.unit]


class FunnelStep(BaseModel):
    """One step: an event name, optionally narrowed by property filters."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(min_length=1, max_length=200)
    properties: list[PropertyFilter] = Field(default_factory=list)
    #: Optional: this step must follow the previous one within this duration.
    within: Window | None = None
    label: str = Field(default="", max_length=200)

    @field_validator("event")
    @classmethod
    def _name(cls, value: str) -> str:
        return _event_name(value)


class FunnelExclusion(BaseModel):
    """Disqualify attempts with this event between steps ``from_step`` and ``to_step`` (1-based)."""

    model_config = ConfigDict(extra="forbid")

    event: str = Field(min_length=1, max_length=200)
    properties: list[PropertyFilter] = Field(default_factory=list)
    from_step: int = Field(default=1, ge=1, le=MAX_STEPS)
    to_step: int = Field(default=2, ge=2, le=MAX_STEPS)

    @field_validator("event")
    @classmethod
    def _name(cls, value: str) -> str:
        return _event_name(value)


class FunnelQuery(BaseModel):
    """A funnel of 2 to 20 steps over local dates ``date_from`` … ``date_to``."""

    model_config = ConfigDict(extra="forbid")

    steps: list[FunnelStep] = Field(min_length=MIN_STEPS, max_length=MAX_STEPS)
    date_from: date
    date_to: date
    order: FunnelOrder = "sequential"
    window: Window = Field(default_factory=lambda: Window(value=14, unit="day"))
    exclusions: list[FunnelExclusion] = Field(default_factory=list, max_length=20)
    unit: Unit = "person"
    filters: list[PropertyFilter] = Field(default_factory=list)
    breakdown: Breakdown | None = None
    breakdown_attribution: Attribution = "first_touch"
    breakdown_attribution_step: int | None = Field(default=None, ge=1, le=MAX_STEPS)
    breakdown_limit: int = Field(default=BREAKDOWN_LIMIT, ge=1, le=500)
    #: Interval of the conversion trend (by the local time of the step-1 event).
    interval: Interval = "day"
    #: Number of bins of the time-to-convert histogram.
    bins: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _check(self) -> FunnelQuery:
        if self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        count = len(self.steps)
        for exclusion in self.exclusions:
            if exclusion.to_step > count:
                raise ValueError(f"exclusions: to_step must be at most {count}")
            if exclusion.from_step >= exclusion.to_step:
                raise ValueError("exclusions: from_step must be before to_step")
        if self.breakdown_attribution == "step":
            step = self.breakdown_attribution_step
            if step is None or step > count:
                raise ValueError(f"breakdown_attribution_step must be a step from 1 to {count}")
        if self.order == "any_order":
            if self.exclusions:
                raise ValueError("exclusions: any_order funnels have no steps to be between")
            if any(step.within is not None for step in self.steps):
                raise ValueError("steps: any_order funnels take only the overall window")
            if self.breakdown_attribution != "first_touch":
                raise ValueError("breakdown_attribution: any_order funnels use first_touch")
            keys = [step.model_dump_json(include={"event", "properties"}) for step in self.steps]
            if len(set(keys)) != len(keys):
                raise ValueError("steps: any_order funnels need distinct steps")
        return self


class FunnelStepResult(BaseModel):
    """How many units reached step ``step`` (1-based)."""

    step: int
    event: str
    label: str
    count: int
    dropped: int
    conversion_from_previous: float | None
    conversion_from_start: float | None


class FunnelSeries(BaseModel):
    """The funnel for the units of one breakdown value (``None``: property absent)."""

    breakdown_value: str | None
    steps: list[FunnelStepResult]


class TimeToConvertBin(BaseModel):
    """Units that converted in ``from_seconds`` ≤ t < ``to_seconds`` (last bin: ≤)."""

    from_seconds: float
    to_seconds: float
    count: int


class TimeToConvert(BaseModel):
    """Seconds from step 1 to the last step, over the units that completed the funnel."""

    count: int
    average_seconds: float | None
    median_seconds: float | None
    bins: list[TimeToConvertBin]


class TrendPoint(BaseModel):
    """Units entering in the local interval starting ``bucket``, and how many converted."""

    bucket: datetime
    entered: int
    converted: int
    rate: float | None


class FunnelResult(BaseModel):
    """A funnel's step counts, breakdown, time to convert and trend, with its SQL."""

    order: FunnelOrder
    unit: Unit
    date_from: date
    date_to: date
    window_seconds: int
    interval: Interval
    steps: list[FunnelStepResult]
    breakdown: list[FunnelSeries]
    time_to_convert: TimeToConvert
    trend: list[TrendPoint]
    sql: str


class FunnelPersons(BaseModel):
    """One page of the units that converted at, or dropped before, step ``step``."""

    step: int
    status: PersonStatus
    breakdown_value: str | None
    total: int
    units: list[str]
    limit: int
    offset: int
    sql: str


# --- SQL -------------------------------------------------------------------------------------


def _unit_column(unit: Unit) -> str:
    return "e.person_id" if unit == "person" else "e.account_id"


def _condition(event: str, properties: Sequence[PropertyFilter], dialect: Dialect) -> str:
    return f"(e.event = {quote_literal(event)} AND {filters_sql(properties, dialect)})"


def _seconds(amount: int) -> str:
    return f"INTERVAL {int(amount)} SECOND"


def _asof_attempts(query: FunnelQuery) -> list[str]:
    """CTEs up to ``att`` for an untied sequential funnel without exclusions, by ASOF joins.

    Untied (no breakdown, no event matching two steps), the event taken for step *k* is the
    step-*k* event with the smallest timestamp at or after step *k-1*'s: a step-*k* event at
    the same instant comes after it in the funnel's order, and which of several tied ones is
    taken changes nothing. Engines with ASOF joins find it without sorting every unit's events
    together; the others run the general form.
    """
    n = len(query.steps)
    ctes = ["a0 AS (\n  SELECT unit, ts AS t0 FROM ev WHERE s0 = 1\n)"]
    for k in range(1, n):
        ctes.append(
            f"a{k} AS (\n  SELECT a.*, r.ts AS t{k} FROM a{k - 1} a ASOF LEFT JOIN "
            f"(SELECT unit, ts FROM ev WHERE s{k} = 1) r\n"
            f"    ON a.unit = r.unit AND r.ts >= a.t{k - 1}\n)"
        )
    ok = []
    for k in range(1, n):
        conditions = [f"t{k} IS NOT NULL", f"t{k} <= t0 + {_seconds(query.window.seconds)}"]
        within = query.steps[k].within
        if within is not None:
            conditions.append(f"t{k} <= t{k - 1} + {_seconds(within.seconds)}")
        ok.append(" AND ".join(conditions))
    reached = (
        "CASE "
        + " ".join(
            f"WHEN {' AND '.join(f'({c})' for c in ok[:k])} THEN {k + 1}"
            for k in range(n - 1, 0, -1)
        )
        + " ELSE 1 END"
    )
    ctes.append(f"att0 AS (\n  SELECT a{n - 1}.*, {reached} AS reached FROM a{n - 1}\n)")
    ctes.append(
        "att AS (\n"
        "  SELECT unit, t0, t0 AS o0, CAST(NULL AS VARCHAR) AS bdv, reached,\n"
        f"    CASE WHEN reached = {n} THEN t{n - 1} END AS t_last\n"
        "  FROM att0\n)"
    )
    return ctes


def _best_sql(query: FunnelQuery, dialect: Dialect, tz: str) -> str:
    """The CTEs up to ``best`` (each unit's best attempt) and ``trend_units``."""
    n = len(query.steps)
    start, end = local_range(query.date_from, query.date_to, tz)
    unit = _unit_column(query.unit)
    step_conditions = [_condition(s.event, s.properties, dialect) for s in query.steps]
    exclusion_conditions = [_condition(x.event, x.properties, dialect) for x in query.exclusions]
    all_filters = [
        *query.filters,
        *(f for s in query.steps for f in s.properties),
        *(f for x in query.exclusions for f in x.properties),
    ]
    flags = [f"CASE WHEN {c} THEN 1 ELSE 0 END AS s{k}" for k, c in enumerate(step_conditions)]
    flags += [
        f"CASE WHEN {c} THEN 1 ELSE 0 END AS x{j}" for j, c in enumerate(exclusion_conditions)
    ]
    bd = (
        f"CAST({breakdown_sql(query.breakdown, dialect)} AS VARCHAR)"
        if query.breakdown is not None
        else "CAST(NULL AS VARCHAR)"
    )
    where = [
        f"e.timestamp >= {dialect.timestamp(start.isoformat())}",
        f"e.timestamp < {dialect.timestamp(end.isoformat())}",
        f"{unit} IS NOT NULL",
        filters_sql(query.filters, dialect),
    ]
    if query.order != "strict":
        # The plain name list first: engines push it into the scan (row-group pruning).
        names = sorted({s.event for s in query.steps} | {x.event for x in query.exclusions})
        where.append("e.event IN (" + ", ".join(quote_literal(name) for name in names) + ")")
        if any(s.properties for s in query.steps) or any(x.properties for x in query.exclusions):
            where.append("(" + " OR ".join(step_conditions + exclusion_conditions) + ")")
    # Without a breakdown, and when no event can match two steps (distinct step names), events
    # tied on (timestamp, step) are interchangeable: any order among them gives the same
    # answer, so the per-unit sort needs no uuid tie-break (and, sequential, no row number).
    untied = (
        query.order != "any_order"
        and query.breakdown is None
        and len({s.event for s in query.steps}) == n
    )
    uuid = "" if untied else "e.uuid AS uuid, "
    # DuckDB has ASOF joins: the next step-k event without sorting all of a unit's events.
    asof = (
        untied and query.order == "sequential" and not query.exclusions and dialect.name == "duckdb"
    )
    ctes = [
        "ev AS (\n"
        f"  SELECT {unit} AS unit, e.timestamp AS ts, {uuid}{bd} AS bd,\n    "
        + ",\n    ".join(flags)
        + f"\n  FROM person_events e {joins_sql(all_filters, query.breakdown)}\n"
        "  WHERE " + "\n    AND ".join(where) + "\n)"
    ]
    window = query.window.seconds
    if query.order == "any_order":
        frame = (
            "OVER (PARTITION BY unit ORDER BY ts "
            f"RANGE BETWEEN CURRENT ROW AND {_seconds(window)} FOLLOWING)"
        )
        covered = ",\n    ".join(f"MAX(s{k}) {frame} AS c{k}" for k in range(n))
        firsts = ",\n    ".join(
            f"MIN(CASE WHEN s{k} = 1 THEN ts END) {frame} AS f{k}" for k in range(n)
        )
        ctes.append(f"r AS (\n  SELECT *,\n    {covered},\n    {firsts}\n  FROM ev\n)")
        reached = " + ".join(f"c{k}" for k in range(n))
        last = "GREATEST(" + ", ".join(f"f{k}" for k in range(n)) + ")"
        ctes.append(
            "att AS (\n"
            f"  SELECT unit, ts AS t0, uuid AS o0, bd AS bdv, {reached} AS reached,\n"
            f"    CASE WHEN {reached} = {n} THEN {last} END AS t_last\n"
            "  FROM r WHERE " + " OR ".join(f"s{k} = 1" for k in range(n)) + "\n)"
        )
    elif asof:
        ctes += _asof_attempts(query)
    else:
        tie = "CASE " + " ".join(f"WHEN s{k} = 1 THEN {k}" for k in range(n)) + f" ELSE {n} END"
        # One sort per unit: the event number, and (sequential) for each step k the running
        # count of step-k events so far — the next step-k event after a row is the step-k
        # event whose count is that row's count plus one.
        spec = f"OVER (PARTITION BY unit ORDER BY ts, {tie}" + ("" if untied else ", uuid")
        # ``ord`` orders attempts and (strict) finds the next event; sequential and untied,
        # the timestamp orders attempts just as well.
        numbered = (
            [] if untied and query.order == "sequential" else [f"ROW_NUMBER() {spec}) AS ord"]
        )
        order_of = "r.ts" if not numbered else "r.ord"
        if query.order == "sequential":
            numbered += [f"SUM(s{k}) {spec} ROWS UNBOUNDED PRECEDING) AS c{k}" for k in range(1, n)]
        ctes.append("ordered AS (\n  SELECT *,\n    " + ",\n    ".join(numbered) + "\n  FROM ev\n)")
        extra = []
        for j in range(len(query.exclusions)):
            extra.append(
                f"SUM(x{j}) OVER (PARTITION BY unit ORDER BY ts "
                f"RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS xle{j}"
            )
            extra.append(f"SUM(x{j}) OVER (PARTITION BY unit, ts) AS xat{j}")
        if extra:
            ctes.append("r AS (\n  SELECT *,\n    " + ",\n    ".join(extra) + "\n  FROM ordered\n)")
        else:
            ctes.append("r AS (SELECT * FROM ordered)")
        position = "r.ord" if query.order == "strict" else "r.c{k}"

        def carried(k: int) -> list[str]:
            """Columns an attempt keeps from its step-``k`` row ``r``."""
            cols = [f"{order_of} AS o{k}", f"r.ts AS t{k}", f"r.bd AS b{k}"]
            if k + 1 < n:
                after = "r.ord" if query.order == "strict" else f"r.c{k + 1}"
                cols.append(f"{after} + 1 AS nx{k + 1}")
            for j, exclusion in enumerate(query.exclusions):
                if exclusion.from_step - 1 == k:
                    cols.append(f"r.xle{j} AS xf{j}")
                if exclusion.to_step - 1 == k:
                    cols.append(f"r.xle{j} - r.xat{j} AS xt{j}")
            return cols

        ctes.append(
            "a0 AS (\n  SELECT r.unit, " + ", ".join(carried(0)) + "\n  FROM r WHERE r.s0 = 1\n)"
        )
        for k in range(1, n):
            on = [
                "r.unit = a.unit",
                f"{position.format(k=k)} = a.nx{k}",
                f"r.s{k} = 1",
                f"r.ts <= a.t0 + {_seconds(window)}",
            ]
            within = query.steps[k].within
            if within is not None:
                on.append(f"r.ts <= a.t{k - 1} + {_seconds(within.seconds)}")
            ctes.append(
                f"a{k} AS (\n  SELECT a.*, "
                + ", ".join(carried(k))
                + f"\n  FROM a{k - 1} a LEFT JOIN r ON "
                + " AND ".join(on)
                + "\n)"
            )
        reached = (
            "CASE "
            + " ".join(f"WHEN o{k} IS NOT NULL THEN {k + 1}" for k in range(n - 1, 0, -1))
            + " ELSE 1 END"
        )
        excluded = [
            f"(o{x.to_step - 1} IS NOT NULL AND xt{j} - xf{j} > 0)"
            for j, x in enumerate(query.exclusions)
        ]
        if excluded:
            reached = f"CASE WHEN {' OR '.join(excluded)} THEN 0 ELSE {reached} END"
        ctes.append(f"att0 AS (\n  SELECT a{n - 1}.*, {reached} AS reached FROM a{n - 1}\n)")
        if query.breakdown_attribution == "first_touch":
            bdv = "b0"
        elif query.breakdown_attribution == "last_touch":
            bdv = "CASE reached " + " ".join(f"WHEN {k + 1} THEN b{k}" for k in range(n)) + " END"
        else:
            step = (query.breakdown_attribution_step or 1) - 1
            bdv = f"CASE WHEN reached >= {step + 1} THEN b{step} END"
        ctes.append(
            "att AS (\n"
            f"  SELECT unit, t0, o0, {bdv} AS bdv, reached,\n"
            f"    CASE WHEN reached = {n} THEN t{n - 1} END AS t_last\n"
            "  FROM att0\n)"
        )
    if asof:
        # Later attempts take later (or the same) events at every step, so the earliest
        # complete attempt has both the smallest start and the smallest end: a GROUP BY.
        ctes.append(
            "best AS (\n"
            f"  SELECT unit, MIN(CASE WHEN reached = {n} THEN t0 END) AS t0,"
            " CAST(NULL AS VARCHAR) AS bdv,\n"
            "    MAX(reached) AS reached, MIN(t_last) AS t_last\n"
            "  FROM att GROUP BY unit\n)"
        )
    else:
        ctes.append(
            "best AS (\n"
            "  SELECT unit, t0, bdv, reached, t_last FROM (\n"
            "    SELECT att.*, ROW_NUMBER() OVER (PARTITION BY unit ORDER BY reached DESC, t0, o0)"
            " AS pick\n"
            "    FROM att WHERE reached > 0\n"
            "  ) ranked WHERE pick = 1\n)"
        )
    ctes.append(
        "trend_units AS (\n"
        f"  SELECT {dialect.bucket('t0', query.interval, tz)} AS bucket, unit,"
        " MAX(reached) AS reached\n"
        "  FROM att WHERE reached > 0 GROUP BY 1, 2\n)"
    )
    return "WITH " + ",\n".join(ctes)


def funnel_sql(query: FunnelQuery, dialect: Dialect, tz: str) -> str:
    """The one SQL statement behind :func:`run_funnel` (rows tagged by ``part``)."""
    n = len(query.steps)
    prefix = _best_sql(query, dialect, tz)
    bins = query.bins
    return (
        prefix + ",\n"
        "conv AS (\n"
        f"  SELECT EPOCH(t_last) - EPOCH(t0) AS secs FROM best WHERE reached = {n}\n),\n"
        "stats AS (\n"
        "  SELECT COUNT(*) AS c, AVG(secs) AS mean, MEDIAN(secs) AS med, MIN(secs) AS lo,\n"
        f"    GREATEST(1, CEIL((MAX(secs) - MIN(secs)) / {bins})) AS width FROM conv\n)\n"
        "SELECT 'steps' AS part, bdv AS label, reached AS k, COUNT(*) AS n,\n"
        "  CAST(NULL AS DOUBLE) AS v1, CAST(NULL AS DOUBLE) AS v2\n"
        "FROM best GROUP BY bdv, reached\n"
        "UNION ALL\n"
        "SELECT 'trend', CAST(bucket AS VARCHAR), NULL, COUNT(*),\n"
        f"  SUM(CASE WHEN reached = {n} THEN 1 ELSE 0 END), NULL\n"
        "FROM trend_units GROUP BY bucket\n"
        "UNION ALL\n"
        "SELECT 'stats', NULL, NULL, c, mean, med FROM stats\n"
        "UNION ALL\n"
        f"SELECT 'bins', NULL, CAST(LEAST({bins - 1}, FLOOR((conv.secs - stats.lo) / "
        "stats.width)) AS BIGINT) AS bin,\n"
        "  COUNT(*), MIN(stats.lo), MIN(stats.width)\n"
        "FROM conv CROSS JOIN stats GROUP BY 3"
    )


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _steps(query: FunnelQuery, reached: dict[int, int]) -> list[FunnelStepResult]:
    """Step results from the number of units whose furthest step is each ``k``."""
    n = len(query.steps)
    counts = [sum(c for k, c in reached.items() if k >= step) for step in range(1, n + 1)]
    return [
        FunnelStepResult(
            step=index + 1,
            event=step.event,
            label=step.label or step.event,
            count=counts[index],
            dropped=(counts[index - 1] - counts[index]) if index else 0,
            conversion_from_previous=_rate(counts[index], counts[index - 1]) if index else None,
            conversion_from_start=_rate(counts[index], counts[0]),
        )
        for index, step in enumerate(query.steps)
    ]


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def run_funnel(engine: Engine, query: FunnelQuery, *, tz: str) -> FunnelResult:
    """The funnel ``query`` over ``engine``'s events, bucketed in the time zone ``tz``."""
    sql = funnel_sql(query, engine.dialect, tz)
    by_value: dict[str | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    trend: dict[datetime, tuple[int, int]] = {}
    stats: tuple[int, float | None, float | None] = (0, None, None)
    found: dict[int, int] = {}
    lo = width = 0.0
    for part, label, k, count, v1, v2 in engine.fetch(sql):
        if part == "steps":
            by_value[label][int(k)] += int(count)
        elif part == "trend":
            trend[_as_datetime(label)] = (int(count), int(v1 or 0))
        elif part == "stats":
            stats = (int(count), _float(v1), _float(v2))
        elif part == "bins" and k is not None:
            lo, width = float(v1), float(v2)
            found[int(k)] = int(count)
    bins = [
        TimeToConvertBin(
            from_seconds=lo + i * width, to_seconds=lo + (i + 1) * width, count=found.get(i, 0)
        )
        for i in range(query.bins if found else 0)
    ]
    total: dict[int, int] = defaultdict(int)
    for counts in by_value.values():
        for k, count in counts.items():
            total[k] += count
    series = _series(query, by_value)
    points = []
    for label in bucket_labels(query.date_from, query.date_to, query.interval, tz):
        entered, converted = trend.get(label, (0, 0))
        points.append(
            TrendPoint(
                bucket=label, entered=entered, converted=converted, rate=_rate(converted, entered)
            )
        )
    return FunnelResult(
        order=query.order,
        unit=query.unit,
        date_from=query.date_from,
        date_to=query.date_to,
        window_seconds=query.window.seconds,
        interval=query.interval,
        steps=_steps(query, total),
        breakdown=series,
        time_to_convert=TimeToConvert(
            count=stats[0], average_seconds=stats[1], median_seconds=stats[2], bins=bins
        ),
        trend=points,
        sql=sql,
    )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _series(query: FunnelQuery, by_value: dict[str | None, dict[int, int]]) -> list[FunnelSeries]:
    if query.breakdown is None:
        return []
    ranked = sorted(by_value.items(), key=lambda item: (-sum(item[1].values()), item[0] or ""))
    kept = ranked[: query.breakdown_limit]
    rest: dict[int, int] = defaultdict(int)
    for _, counts in ranked[query.breakdown_limit :]:
        for k, count in counts.items():
            rest[k] += count
    series = [FunnelSeries(breakdown_value=value, steps=_steps(query, c)) for value, c in kept]
    if rest:
        series.append(FunnelSeries(breakdown_value=OTHER, steps=_steps(query, rest)))
    return series


def funnel_persons_sql(
    query: FunnelQuery,
    dialect: Dialect,
    tz: str,
    *,
    step: int,
    status: PersonStatus,
    breakdown_value: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> str:
    """SQL listing the units converted at / dropped before ``step``, with the total."""
    prefix = _best_sql(query, dialect, tz)
    condition = f"reached >= {step}" if status == "converted" else f"reached = {step - 1}"
    if query.breakdown is not None:
        condition += (
            " AND bdv IS NULL"
            if breakdown_value is None
            else f" AND bdv = {quote_literal(breakdown_value)}"
        )
    return (
        prefix + "\n"
        f"SELECT unit, COUNT(*) OVER () AS total FROM best WHERE {condition}\n"
        f"ORDER BY unit LIMIT {int(limit)} OFFSET {int(offset)}"
    )


def funnel_persons(
    engine: Engine,
    query: FunnelQuery,
    *,
    tz: str,
    step: int,
    status: PersonStatus = "converted",
    breakdown_value: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> FunnelPersons:
    """One page (ordered by id) of the units that reached ``step`` or dropped just before it.

    ``converted``: the unit's furthest step is ``step`` or beyond; ``dropped``: it reached
    ``step - 1`` but not ``step`` (so ``step`` ≥ 2). With a breakdown, only the units whose
    breakdown value is ``breakdown_value`` (``None``: the property was absent).
    """
    if not 1 <= step <= len(query.steps):
        raise RuleError(f"step must be from 1 to {len(query.steps)}", field="step")
    if status == "dropped" and step < 2:
        raise RuleError("nobody drops before step 1; ask for step 2 or later", field="step")
    if not 1 <= limit <= 10_000:
        raise RuleError("limit must be from 1 to 10000", field="limit")
    if offset < 0:
        raise RuleError("offset must not be negative", field="offset")
    sql = funnel_persons_sql(
        query,
        engine.dialect,
        tz,
        step=step,
        status=status,
        breakdown_value=breakdown_value,
        limit=limit,
        offset=offset,
    )
    rows = engine.fetch(sql)
    total = int(rows[0][1]) if rows else 0
    if not rows and offset:
        # The page is past the end: count separately so the caller still learns the total.
        counted = engine.fetch(sql.replace(f"LIMIT {int(limit)} OFFSET {int(offset)}", "LIMIT 1"))
        total = int(counted[0][1]) if counted else 0
    return FunnelPersons(
        step=step,
        status=status,
        breakdown_value=breakdown_value,
        total=total,
        units=[str(row[0]) for row in rows],
        limit=limit,
        offset=offset,
        sql=sql,
    )


KIND = register(
    InsightKind(
        kind="funnels",
        title="Funnels",
        description="Conversion through 2 to 20 steps (sequential, strict or any order) within "
        "a window, with exclusions, breakdowns, time to convert and conversion trend.",
        query_model=FunnelQuery,
        run=run_funnel,
        chart="funnel",
        result_model=FunnelResult,
    )
)

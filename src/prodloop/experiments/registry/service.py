"""Experiment use cases: design, start, stop and decide. Services take a session and never
commit; every change is written to the audit log, like ledger records.

An experiment runs on its feature's flag. Its design (metrics, minimum detectable effect,
confidence, power) may change while it is a draft; starting it freezes the decision rules and
the variant split into ``rules``, so the readout applies what was declared before the start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metric_models import MetricDefinition
from prodloop.analytics.metrics import MetricKind, MetricSpec, metric_spec
from prodloop.experiments.flags.models import FeatureFlag
from prodloop.experiments.registry.analysis import (
    ExperimentAnalysis,
    ExperimentPlan,
    analyze_experiment,
)
from prodloop.experiments.registry.engine import experiment_engine
from prodloop.experiments.registry.models import Experiment
from prodloop.experiments.registry.schemas import (
    DecisionIn,
    Design,
    DesignUpdate,
    ExperimentIn,
    ExperimentOut,
    ExperimentStatus,
    Guardrail,
    VariantSplit,
)
from prodloop.experiments.stats.power import MetricBaseline, plan_experiment
from prodloop.ledger.errors import NotFoundError, RuleError
from prodloop.ledger.models import Feature
from prodloop.ledger.records import add_record, change_record, ensure_unique
from prodloop.store.base import utcnow


def get_experiment(session: Session, key: str) -> Experiment:
    """The experiment ``key``."""
    found = session.execute(select(Experiment).where(Experiment.key == key)).scalar_one_or_none()
    if found is None:
        raise NotFoundError(f"no experiment {key!r}", field="experiment")
    return found


def list_experiments(
    session: Session, *, status: ExperimentStatus | None = None, feature: str | None = None
) -> list[Experiment]:
    """Experiments, newest first, filtered by status or feature key."""
    query = select(Experiment).join(Experiment.feature)
    if status is not None:
        query = query.where(Experiment.status == status.value)
    if feature is not None:
        query = query.where(Feature.key == feature)
    query = query.order_by(Experiment.created_at.desc(), Experiment.key)
    return list(session.execute(query).unique().scalars())


def create_experiment(
    session: Session, data: ExperimentIn, *, actor: str, at: datetime | None = None
) -> Experiment:
    """Register a draft experiment on the flag of the ledger feature ``data.feature``."""
    ensure_unique(session, Experiment.key, data.key, field="key")
    feature = session.execute(
        select(Feature).where(Feature.key == data.feature)
    ).scalar_one_or_none()
    if feature is None:
        raise RuleError(f"unknown feature {data.feature!r}", field="feature")
    _check_metrics(session, data)
    columns = _design_columns(data)
    experiment = Experiment(key=data.key, feature=feature, status="draft", **columns)
    _plan(session, experiment)
    return add_record(session, experiment, actor=actor, label=f"experiment {data.key}", at=at)


def update_design(
    session: Session, experiment: Experiment, data: DesignUpdate, *, actor: str
) -> Experiment:
    """Change a draft's design (a started experiment's rules are frozen)."""
    if experiment.status != ExperimentStatus.DRAFT:
        raise RuleError(
            f"experiment {experiment.key} has started; its design and rules are frozen",
            field="status",
        )
    given = data.model_dump(exclude_unset=True)
    current = current_design(experiment).model_dump()
    merged = Design.model_validate(current | given)
    _check_metrics(session, merged)
    changes = _design_columns(merged)
    experiment = change_record(
        session, experiment, changes, actor=actor, label=f"experiment {experiment.key}"
    )
    _plan(session, experiment)
    return experiment


def start_experiment(
    session: Session, experiment: Experiment, *, actor: str, at: datetime | None = None
) -> Experiment:
    """Start a draft: the flag must exist with a control and at least one variant."""
    if experiment.status != ExperimentStatus.DRAFT:
        raise RuleError(f"experiment {experiment.key} is {experiment.status}", field="status")
    flag = _flag_of(session, experiment)
    if flag is None:
        raise RuleError(
            f"feature {experiment.flag_key} has no flag to assign variants with", field="feature"
        )
    if len(flag.variants) < 2:
        raise RuleError(f"flag {experiment.flag_key} needs at least two variants", field="flag")
    _plan(session, experiment)
    moment = at or utcnow()
    changes = {
        "status": ExperimentStatus.RUNNING.value,
        "started_at": moment,
        "rules": frozen_rules(experiment, flag),
    }
    return change_record(
        session, experiment, changes, actor=actor, label=f"experiment {experiment.key}", at=at
    )


def stop_experiment(
    session: Session, experiment: Experiment, *, actor: str, at: datetime | None = None
) -> Experiment:
    """Stop a running experiment; exposures after the stop no longer count."""
    if experiment.status != ExperimentStatus.RUNNING:
        raise RuleError(f"experiment {experiment.key} is {experiment.status}", field="status")
    changes = {"status": ExperimentStatus.STOPPED.value, "stopped_at": at or utcnow()}
    return change_record(
        session, experiment, changes, actor=actor, label=f"experiment {experiment.key}", at=at
    )


def decide_experiment(
    session: Session,
    experiment: Experiment,
    data: DecisionIn,
    *,
    actor: str,
    at: datetime | None = None,
) -> Experiment:
    """Record the decision (ship, roll back, iterate), who made it and why; stops it too."""
    if experiment.status == ExperimentStatus.DRAFT:
        raise RuleError(f"experiment {experiment.key} has not started", field="status")
    moment = at or utcnow()
    changes: dict[str, Any] = {
        "status": ExperimentStatus.DECIDED.value,
        "decision": data.decision.value,
        "decided_by": actor,
        "decision_reason": data.reason,
        "decided_at": moment,
    }
    if experiment.stopped_at is None:
        changes["stopped_at"] = moment
    return change_record(
        session,
        experiment,
        changes,
        actor=actor,
        label=f"experiment {experiment.key}",
        reason=data.reason,
        at=at,
    )


def current_design(experiment: Experiment) -> Design:
    """The experiment's design as the schema holds it."""
    return Design(
        name=experiment.name,
        hypothesis=experiment.hypothesis,
        primary_metric=experiment.primary_metric,
        secondary_metrics=list(experiment.secondary_metrics),
        guardrails=[Guardrail.model_validate(g) for g in experiment.guardrails],
        minimum_detectable_effect=experiment.minimum_detectable_effect,
        alpha=experiment.alpha,
        power=experiment.power,
        sequential=experiment.sequential,
        minimum_units_per_variant=experiment.minimum_units_per_variant,
        baseline_mean=experiment.baseline_mean,
        baseline_variance=experiment.baseline_variance,
        expected_daily_units=experiment.expected_daily_units,
    )


def frozen_rules(experiment: Experiment, flag: FeatureFlag) -> dict[str, Any]:
    """The rules and split a start freezes: JSON the readout reads back."""
    return {
        "primary_metric": experiment.primary_metric,
        "secondary_metrics": list(experiment.secondary_metrics),
        "guardrails": list(experiment.guardrails),
        "minimum_detectable_effect": experiment.minimum_detectable_effect,
        "alpha": experiment.alpha,
        "power": experiment.power,
        "sequential": experiment.sequential,
        "minimum_units_per_variant": experiment.minimum_units_per_variant,
        "planned_units_per_variant": experiment.planned_units_per_variant,
        "unit_type": flag.unit_type,
        "variants": [{"key": v["key"], "weight": v["weight"]} for v in flag.variants],
    }


def variant_split(session: Session, experiment: Experiment) -> list[VariantSplit]:
    """The frozen split once started, else the flag's current one (empty without a flag)."""
    if experiment.rules is not None:
        return [VariantSplit.model_validate(v) for v in experiment.rules["variants"]]
    flag = _flag_of(session, experiment)
    if flag is None:
        return []
    return [VariantSplit(key=v["key"], weight=v["weight"]) for v in flag.variants]


def describe_experiment(session: Session, experiment: Experiment) -> ExperimentOut:
    """An experiment as the API shows it."""
    design = current_design(experiment)
    return ExperimentOut(
        key=experiment.key,
        feature=experiment.feature.key,
        flag=experiment.flag_key,
        status=ExperimentStatus(experiment.status),
        planned_units_per_variant=experiment.planned_units_per_variant,
        planned_days=experiment.planned_days,
        variants=variant_split(session, experiment),
        rules=experiment.rules,
        started_at=experiment.started_at,
        stopped_at=experiment.stopped_at,
        decision=experiment.decision,
        decided_by=experiment.decided_by,
        decision_reason=experiment.decision_reason,
        decided_at=experiment.decided_at,
        created_at=experiment.created_at,
        updated_at=experiment.updated_at,
        **design.model_dump(),
    )


# --- helpers -----------------------------------------------------------------------------------


def _design_columns(design: Design) -> dict[str, Any]:
    fields = design.model_dump(mode="json", exclude={"key", "feature"})
    return {name: fields[name] for name in Design.model_fields}


def _check_metrics(session: Session, design: Design) -> None:
    """Every metric the design names must be a defined metric."""
    named = [
        ("primary_metric", design.primary_metric),
        *(("secondary_metrics", m) for m in design.secondary_metrics),
        *(("guardrails", g.metric) for g in design.guardrails),
    ]
    keys = {m for _field, m in named}
    known = set(
        session.execute(select(MetricDefinition.key).where(MetricDefinition.key.in_(keys)))
        .scalars()
        .all()
    )
    for field, metric in named:
        if metric not in known:
            raise RuleError(f"unknown metric {metric!r}; define it first", field=field)


def _flag_of(session: Session, experiment: Experiment) -> FeatureFlag | None:
    query = select(FeatureFlag).where(FeatureFlag.feature_id == experiment.feature_id)
    return session.execute(query).unique().scalar_one_or_none()


def _plan(session: Session, experiment: Experiment) -> None:
    """Planned units per variant and days from the power calculator, when a baseline is known."""
    baseline = _baseline(session, experiment)
    if baseline is None:
        experiment.planned_units_per_variant = None
        experiment.planned_days = None
        return
    flag = _flag_of(session, experiment)
    variants = len(flag.variants) if flag is not None and len(flag.variants) >= 2 else 2
    try:
        plan = plan_experiment(
            baseline,
            experiment.minimum_detectable_effect,
            daily_units=experiment.expected_daily_units,
            variants=variants,
            alpha=experiment.alpha,
            power=experiment.power,
            sequential=experiment.sequential,
        )
    except ValueError as exc:
        raise RuleError(str(exc), field="minimum_detectable_effect") from None
    experiment.planned_units_per_variant = plan.units_per_variant
    experiment.planned_days = plan.duration_days


def _baseline(session: Session, experiment: Experiment) -> MetricBaseline | None:
    mean, variance = experiment.baseline_mean, experiment.baseline_variance
    if mean is None:
        return None
    kind = session.execute(
        select(MetricDefinition.kind).where(MetricDefinition.key == experiment.primary_metric)
    ).scalar_one_or_none()
    try:
        if variance is None:
            if kind is None or not MetricKind(kind).is_rate:
                raise RuleError(
                    "a baseline for a non-rate metric needs baseline_variance",
                    field="baseline_variance",
                )
            return MetricBaseline.from_rate(mean)
        return MetricBaseline(mean, variance)
    except ValueError as exc:
        raise RuleError(str(exc), field="baseline_mean") from None


def analysis_plan(experiment: Experiment) -> ExperimentPlan:
    """What the analysis reads of a started experiment (its frozen rules)."""
    rules = experiment.rules
    if rules is None or experiment.started_at is None:
        raise RuleError(f"experiment {experiment.key} has not started", field="status")
    return ExperimentPlan(
        key=experiment.key,
        flag_key=experiment.flag_key,
        unit_type=rules["unit_type"],
        variants=[(v["key"], float(v["weight"])) for v in rules["variants"]],
        started_at=experiment.started_at,
        stopped_at=experiment.stopped_at,
        primary_metric=rules["primary_metric"],
        secondary_metrics=list(rules["secondary_metrics"]),
        guardrails=[(g["metric"], float(g.get("margin", 0.0))) for g in rules["guardrails"]],
        alpha=rules["alpha"],
        power=rules["power"],
        minimum_detectable_effect=rules["minimum_detectable_effect"],
        sequential=rules["sequential"],
        minimum_units_per_variant=rules["minimum_units_per_variant"],
        planned_units_per_variant=rules["planned_units_per_variant"],
    )


def metric_specs(session: Session, plan: ExperimentPlan) -> dict[str, MetricSpec]:
    """The definitions of every metric the plan reads."""
    keys = {plan.primary_metric, *plan.secondary_metrics, *(m for m, _ in plan.guardrails)}
    rows = session.execute(select(MetricDefinition).where(MetricDefinition.key.in_(keys)))
    found = {metric.key: metric_spec(metric) for metric in rows.scalars()}
    missing = sorted(keys - found.keys())
    if missing:
        raise RuleError(f"metrics no longer defined: {', '.join(missing)}", field="metrics")
    return found


def read_experiment(
    session: Session,
    lake: EventLake,
    experiment: Experiment,
    *,
    as_of: datetime | None = None,
    timeline: bool = True,
) -> ExperimentAnalysis:
    """Analyse a started experiment over the event lake up to ``as_of`` (default now)."""
    plan = analysis_plan(experiment)
    specs = metric_specs(session, plan)
    engine = experiment_engine(lake, session)
    try:
        return analyze_experiment(engine, plan, specs, as_of=as_of or utcnow(), timeline=timeline)
    finally:
        engine.connection.close()

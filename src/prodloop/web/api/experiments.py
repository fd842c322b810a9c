"""/api/v1/experiments and /api/v1/metrics: the experiment registry, its readouts and the
named metric definitions experiments read.

Reading is open to every signed-in user; designing, starting, stopping and deciding need an
editor or an admin. A decision record names the caller as the one who decided.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import (
    MetricIn,
    MetricOut,
    MetricUpdate,
    create_metric,
    get_metric,
    list_metrics,
    metric_out,
    update_metric,
)
from prodloop.experiments.registry import service
from prodloop.experiments.registry.analysis import ExperimentAnalysis
from prodloop.experiments.registry.schemas import (
    DecisionIn,
    DesignUpdate,
    ExperimentIn,
    ExperimentOut,
    ExperimentStatus,
    StartIn,
)
from prodloop.web.deps import AppSettings, DbSession, Reader, Writer

router = APIRouter(tags=["experiments"])


@router.get("/experiments", response_model=list[ExperimentOut])
def list_experiments(
    db: DbSession,
    _: Reader,
    status_: Annotated[ExperimentStatus | None, Query(alias="status")] = None,
    feature: Annotated[str | None, Query(description="Feature key.")] = None,
) -> list[ExperimentOut]:
    """Experiments, newest first."""
    found = service.list_experiments(db, status=status_, feature=feature)
    return [service.describe_experiment(db, e) for e in found]


@router.post("/experiments", response_model=ExperimentOut, status_code=status.HTTP_201_CREATED)
def create_experiment(data: ExperimentIn, db: DbSession, who: Writer) -> ExperimentOut:
    """Register a draft experiment; the power calculator plans its sample and duration."""
    experiment = service.create_experiment(db, data, actor=who.actor)
    db.commit()
    return service.describe_experiment(db, experiment)


@router.get("/experiments/{key}", response_model=ExperimentOut)
def get_experiment(key: str, db: DbSession, _: Reader) -> ExperimentOut:
    """One experiment: design, frozen rules, run and decision record."""
    return service.describe_experiment(db, service.get_experiment(db, key))


@router.patch("/experiments/{key}", response_model=ExperimentOut)
def update_experiment(key: str, data: DesignUpdate, db: DbSession, who: Writer) -> ExperimentOut:
    """Change a draft's design."""
    experiment = service.update_design(db, service.get_experiment(db, key), data, actor=who.actor)
    db.commit()
    return service.describe_experiment(db, experiment)


@router.post("/experiments/{key}/start", response_model=ExperimentOut)
def start_experiment(
    key: str, db: DbSession, who: Writer, data: StartIn | None = None
) -> ExperimentOut:
    """Start a draft: its rules and variant split are frozen."""
    at = data.at if data is not None else None
    experiment = service.start_experiment(
        db, service.get_experiment(db, key), actor=who.actor, at=at
    )
    db.commit()
    return service.describe_experiment(db, experiment)


@router.post("/experiments/{key}/stop", response_model=ExperimentOut)
def stop_experiment(key: str, db: DbSession, who: Writer) -> ExperimentOut:
    """Stop a running experiment."""
    experiment = service.stop_experiment(db, service.get_experiment(db, key), actor=who.actor)
    db.commit()
    return service.describe_experiment(db, experiment)


@router.post("/experiments/{key}/decision", response_model=ExperimentOut)
def decide_experiment(key: str, data: DecisionIn, db: DbSession, who: Writer) -> ExperimentOut:
    """Record the decision (ship, roll back, iterate) and why; the caller is who decided."""
    experiment = service.decide_experiment(
        db, service.get_experiment(db, key), data, actor=who.actor
    )
    db.commit()
    return service.describe_experiment(db, experiment)


@router.get("/experiments/{key}/analysis", response_model=ExperimentAnalysis)
def analyse_experiment(
    key: str,
    db: DbSession,
    _: Reader,
    settings: AppSettings,
    as_of: Annotated[datetime | None, Query(description="Read up to this instant.")] = None,
) -> ExperimentAnalysis:
    """Results per metric with intervals, health checks, the verdict and the cumulative lift."""
    experiment = service.get_experiment(db, key)
    return service.read_experiment(db, EventLake(settings), experiment, as_of=as_of)


@router.get("/metrics", response_model=list[MetricOut])
def metrics(db: DbSession, _: Reader) -> list[MetricOut]:
    """Every named metric definition."""
    return [metric_out(m) for m in list_metrics(db)]


@router.post("/metrics", response_model=MetricOut, status_code=status.HTTP_201_CREATED)
def add_metric(data: MetricIn, db: DbSession, who: Writer) -> MetricOut:
    """Define a named metric."""
    metric = create_metric(db, data, actor=who.actor)
    db.commit()
    return metric_out(metric)


@router.get("/metrics/{key}", response_model=MetricOut)
def metric(key: str, db: DbSession, _: Reader) -> MetricOut:
    """One named metric."""
    return metric_out(get_metric(db, key))


@router.patch("/metrics/{key}", response_model=MetricOut)
def change_metric(key: str, data: MetricUpdate, db: DbSession, who: Writer) -> MetricOut:
    """Rename or redescribe a metric, or flip its good direction."""
    changed = update_metric(db, get_metric(db, key), data, actor=who.actor)
    db.commit()
    return metric_out(changed)

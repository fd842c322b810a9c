"""The ``experiments`` demo extension: named metrics, four flagged experiments and their data.

Each experiment runs on a demo feature's flag, assigned by the real :class:`FlagSet`; the
visitors' exposures (``$feature_flag_called``) and metric events (sessions before and after
exposure, checkouts with an amount, errors) go to the event lake when the build has one
(``context.lake_dir``). Planted truths, written to the manifest and found by the readout in tests:

* **winner** — checkout conversion 20% → 25% in the treatment: *ship*;
* **flat** — no effect at all, run past its planned sample: *inconclusive* (flat);
* **guardrail** — conversion a little up but errors 4% → 8%: *roll back*;
* **srm** — a treatment bug loses ~15% of its exposures: *don't trust* (sample-ratio mismatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from prodloop.analytics.lake import EventLake
from prodloop.analytics.metrics import MetricIn, create_metric
from prodloop.demo.context import DemoContext
from prodloop.experiments.flags import FlagIn, FlagSet
from prodloop.experiments.flags.exposures import Exposure
from prodloop.experiments.flags.lake_sink import exposure_record
from prodloop.experiments.flags.schemas import UnitType
from prodloop.experiments.flags.service import create_flag, flag_config
from prodloop.experiments.registry.schemas import (
    DecisionIn,
    DecisionKind,
    ExperimentIn,
    Guardrail,
)
from prodloop.experiments.registry.service import (
    create_experiment,
    decide_experiment,
    start_experiment,
    stop_experiment,
)
from prodloop.ledger.models import AuditEntry

CONTROL, TREATMENT = "control", "treatment"
UNITS_PER_EXPERIMENT = 4000
PRE_DAYS = 14

METRICS: tuple[dict[str, Any], ...] = (
    {
        "key": "checkout_conversion",
        "name": "Checkout conversion",
        "kind": "conversion",
        "event": "checkout_completed",
        "description": "Share of visitors who complete a checkout after seeing the change.",
    },
    {
        "key": "sessions",
        "name": "Sessions per visitor",
        "kind": "count",
        "event": "session_started",
        "description": "Sessions started per visitor.",
    },
    {
        "key": "revenue_per_visitor",
        "name": "Revenue per visitor",
        "kind": "mean",
        "event": "checkout_completed",
        "property": "amount",
        "description": "Checkout amount per visitor.",
    },
    {
        "key": "error_rate",
        "name": "Visitors seeing an error",
        "kind": "conversion",
        "event": "error_shown",
        "higher_is_better": False,
        "description": "Share of visitors shown an error page.",
    },
)


@dataclass(frozen=True)
class Planted:
    """One planted experiment: its effects and the verdict the readout must reach."""

    role: str
    key: str
    name: str
    hypothesis: str
    conversion: tuple[float, float]
    errors: tuple[float, float]
    exposure_loss: float
    starts_days_ago: int
    runs_days: int
    stopped: bool
    expected_verdict: str


PLANTED: tuple[Planted, ...] = (
    Planted(
        "winner",
        "one-page-checkout",
        "One-page checkout",
        "Folding the checkout into one page lifts checkout conversion by at least 25%.",
        (0.20, 0.25),
        (0.04, 0.04),
        0.0,
        40,
        28,
        True,
        "ship",
    ),
    Planted(
        "flat",
        "new-pricing-copy",
        "Pricing page copy",
        "Plainer pricing copy raises checkout conversion by at least 25%.",
        (0.20, 0.20),
        (0.04, 0.04),
        0.0,
        36,
        28,
        True,
        "inconclusive",
    ),
    Planted(
        "guardrail",
        "lazy-images",
        "Lazy-loaded product images",
        "Lazy-loading images speeds pages up and lifts conversion without hurting reliability.",
        (0.20, 0.21),
        (0.04, 0.08),
        0.0,
        30,
        28,
        False,
        "roll back",
    ),
    Planted(
        "srm",
        "smart-search",
        "Smart search suggestions",
        "Suggestions in the search box lift checkout conversion by at least 25%.",
        (0.20, 0.22),
        (0.04, 0.04),
        0.15,
        30,
        28,
        False,
        "don't trust",
    ),
)


def build_experiments(context: DemoContext) -> dict[str, Any]:
    """Build the experiments part of the demo and return its planted truths."""
    actor = _actor(context)
    audited_before = _audit_entries(context)
    context.progress("experiments: metric definitions")
    for metric in METRICS:
        create_metric(
            context.session,
            MetricIn.model_validate(metric),
            actor=actor,
            at=context.history_end - timedelta(days=60),
        )
    lake = EventLake(context.lake_dir) if context.lake_dir is not None else None
    planted: dict[str, Any] = {}
    written = 0
    for plan, feature_key in zip(PLANTED, _features(context), strict=True):
        context.progress(f"experiments: {plan.key}")
        flags, started = _register(context, plan, feature_key, actor)
        events: list[dict[str, Any]] = []
        if lake is not None:
            events = experiment_events(context, plan, flags, feature_key, started)
            written += lake.append(events)
        planted[plan.role] = {
            "experiment": plan.key,
            "flag": feature_key,
            "expected_verdict": plan.expected_verdict,
            "conversion": list(plan.conversion),
            "error_rate": list(plan.errors),
            "exposure_loss": plan.exposure_loss,
            "events": len(events),
        }
    context.session.flush()
    if lake is not None:
        context.progress("experiments: compacting the event lake")
        lake.compact()
    return {
        "metrics": [metric["key"] for metric in METRICS],
        "experiments": planted,
        "events_written": written,
        "lake": lake is not None,
        "audit_entries": _audit_entries(context) - audited_before,
    }


def _audit_entries(context: DemoContext) -> int:
    """How many audit entries the app store holds (this step's are reported in the truths)."""
    context.session.flush()
    query = select(func.count()).select_from(AuditEntry)
    return int(context.session.execute(query).scalar_one())


def _register(
    context: DemoContext, plan: Planted, feature_key: str, actor: str
) -> tuple[FlagSet, datetime]:
    """The planted experiment's flag and registry record, started (stopped and decided as
    planted); returns the compiled flag and the start."""
    started = context.history_end - timedelta(days=plan.starts_days_ago)
    split = [{"key": CONTROL, "weight": 0.5}, {"key": TREATMENT, "weight": 0.5}]
    flag = create_flag(
        context.session,
        FlagIn.model_validate(
            {
                "key": feature_key,
                "enabled": True,
                "variants": split,
                "salt": plan.key,
                "description": f"Experiment flag for {plan.name}",
            }
        ),
        actor=actor,
        at=started - timedelta(days=2),
    )
    experiment = create_experiment(
        context.session,
        ExperimentIn(
            key=plan.key,
            name=plan.name,
            hypothesis=plan.hypothesis,
            feature=feature_key,
            primary_metric="checkout_conversion",
            secondary_metrics=["sessions", "revenue_per_visitor"],
            guardrails=[Guardrail(metric="error_rate", margin=0.0)],
            minimum_detectable_effect=0.25,
            baseline_mean=0.2,
            expected_daily_units=UNITS_PER_EXPERIMENT / (0.8 * plan.runs_days),
        ),
        actor=actor,
        at=started - timedelta(days=1),
    )
    start_experiment(context.session, experiment, actor=actor, at=started)
    ends = started + timedelta(days=plan.runs_days)
    if plan.stopped:
        stop_experiment(context.session, experiment, actor=actor, at=ends)
    if plan.role == "winner":
        reason = "Conversion up about a quarter with errors flat; rolling out to all."
        decide_experiment(
            context.session,
            experiment,
            DecisionIn(decision=DecisionKind.SHIP, reason=reason),
            actor=actor,
            at=ends + timedelta(days=1),
        )
    return FlagSet.compile([flag_config(flag)]), started


def _actor(context: DemoContext) -> str:
    managers = [p.email for p in context.company.people if "Product Manager" in p.role]
    return managers[0] if managers else "demo@prodloop.dev"


def _features(context: DemoContext) -> list[str]:
    """Four features to experiment on: shipped or shipping ones first, by key."""
    preferred = ("beta", "launched", "adopted", "building")
    ranked = sorted(
        context.company.features,
        key=lambda f: (preferred.index(f.stage) if f.stage in preferred else 9, f.key),
    )
    if len(ranked) < len(PLANTED):
        raise ValueError("the experiments demo needs at least four features")
    return [feature.key for feature in ranked[: len(PLANTED)]]


def experiment_events(
    context: DemoContext, plan: Planted, flags: FlagSet, flag_key: str, started: datetime
) -> list[dict[str, Any]]:
    """Exposure and metric events of one planted experiment's visitors."""
    rng = np.random.default_rng(context.rng(f"experiments/{plan.key}").randrange(2**32))
    units = [f"visitor-{plan.key}-{n:05d}" for n in range(UNITS_PER_EXPERIMENT)]
    decided = flags.decide_many(flag_key, units)
    exposed_days = rng.uniform(0, plan.runs_days * 0.8, UNITS_PER_EXPERIMENT)
    activity = rng.gamma(2.0, 0.1, UNITS_PER_EXPERIMENT)  # sessions per day
    ends = started + timedelta(days=plan.runs_days)
    ids = _EventIds(PLANTED.index(plan))
    events: list[dict[str, Any]] = []
    for index, unit in enumerate(units):
        variant = decided.variants[int(decided.variant_index[index])]
        arm = 1 if variant == TREATMENT else 0
        if arm and rng.random() < plan.exposure_loss:
            continue
        exposed = started + timedelta(days=float(exposed_days[index]))
        exposure = Exposure(
            flag_key, variant, UnitType.PERSON, unit, exposed, "rollout", distinct_id=unit
        )
        events.append(
            exposure_record(exposure, experiment=plan.key, project="demo", received_at=exposed)
        )
        remaining = (ends - exposed).total_seconds() / 86400
        rate = float(activity[index])
        offsets = [
            *rng.uniform(-PRE_DAYS, 0, rng.poisson(rate * PRE_DAYS)),
            *rng.uniform(0, remaining, rng.poisson(rate * min(remaining, 14))),
        ]
        for offset in offsets:
            events.append(
                _event(ids(), unit, "session_started", exposed + timedelta(days=float(offset)))
            )
        if rng.random() < plan.conversion[arm]:
            moment = exposed + timedelta(days=float(rng.uniform(0, min(remaining, 7))))
            amount = round(float(rng.lognormal(3.5, 0.5)), 2)
            events.append(_event(ids(), unit, "checkout_completed", moment, {"amount": amount}))
        if rng.random() < plan.errors[arm]:
            moment = exposed + timedelta(days=float(rng.uniform(0, min(remaining, 7))))
            events.append(_event(ids(), unit, "error_shown", moment))
    return events


class _EventIds:
    """Event uuids numbered per experiment: unique, and the same for the same seed."""

    def __init__(self, experiment: int) -> None:
        self.prefix = f"6d0e0000-0000-4000-8{experiment:03x}-"
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"{self.prefix}{self.count:012x}"


def _event(
    event_id: str,
    unit: str,
    name: str,
    moment: datetime,
    properties: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A lake record for a visitor's event."""
    stamp = moment.isoformat()
    return {
        "uuid": event_id,
        "event": name,
        "distinct_id": unit,
        "timestamp": stamp,
        "properties": properties or {},
        "person_set": None,
        "person_set_once": None,
        "groups": None,
        "received_at": stamp,
        "sent_at": None,
        "project": "demo",
        "source": "demo",
        "current_url": None,
        "browser": None,
        "os": None,
        "lib": None,
        "account_id": None,
    }

"""The experiments demo: the planted winner, flat test, guardrail regression and sample-ratio
mismatch are each found by prodloop's own readout over the demo's event lake."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

from prodloop.analytics.lake import EventLake
from prodloop.demo.context import DemoContext
from prodloop.demo.experiments import PLANTED, build_experiments
from prodloop.experiments.registry.analysis import ExperimentAnalysis, analyze_experiment
from prodloop.experiments.registry.engine import experiment_engine
from prodloop.experiments.registry.service import (
    analysis_plan,
    get_experiment,
    list_experiments,
    metric_specs,
)
from prodloop.ledger import service as ledger
from prodloop.ledger.schemas import FeatureIn
from prodloop.store.migrate import upgrade

AS_OF = date(2026, 6, 30)


@dataclass
class Built:
    session: Session
    context: DemoContext
    truths: dict[str, Any]
    seconds: float
    analyses: dict[str, ExperimentAnalysis]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("demo-experiments")
    engine = create_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    session = sessionmaker(engine)()
    context = DemoContext(
        session=session, seed=42, as_of=AS_OF, time_zone="Europe/Berlin", lake_dir=folder / "lake"
    )
    for key in ("checkout-flow", "pricing-page", "product-images", "search", "wishlist"):
        title = key.replace("-", " ").title()
        context.company.features.append(
            ledger.create_feature(session, FeatureIn(key=key, title=title), actor="t@example.com")
        )
    began = time.perf_counter()
    truths = build_experiments(context)
    seconds = time.perf_counter() - began
    lake_engine = experiment_engine(EventLake(folder / "lake"), session)
    analyses = {}
    for experiment in list_experiments(session):
        plan = analysis_plan(experiment)
        analyses[experiment.key] = analyze_experiment(
            lake_engine,
            plan,
            metric_specs(session, plan),
            as_of=context.history_end,
            timeline=experiment.key == PLANTED[0].key,
        )
    lake_engine.connection.close()
    yield Built(session, context, truths, seconds, analyses)
    session.close()
    engine.dispose()


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: p.role)
def test_the_readout_finds_each_planted_truth(built: Built, planted: Any) -> None:
    truth = built.truths["experiments"][planted.role]
    analysis = built.analyses[truth["experiment"]]
    assert analysis.verdict == truth["expected_verdict"], analysis.summary
    if planted.role == "srm":
        assert analysis.health.sample_ratio_mismatch
        assert "sample-ratio mismatch" in analysis.summary
    else:
        assert not analysis.health.sample_ratio_mismatch
    if planted.role == "guardrail":
        assert "guardrail error_rate regressed" in analysis.summary
    if planted.role == "flat":
        assert "flat" in analysis.summary
    if planted.role == "winner":
        primary = analysis.metrics[0].rows[1]
        true_lift = planted.conversion[1] / planted.conversion[0] - 1
        assert primary.ci_lower is not None
        assert primary.ci_upper is not None
        assert primary.ci_lower < true_lift < primary.ci_upper


def test_the_demo_records_the_registry_and_builds_quickly(built: Built) -> None:
    winner = get_experiment(built.session, built.truths["experiments"]["winner"]["experiment"])
    assert winner.status == "decided"
    assert winner.decision == "ship"
    assert winner.decided_by
    assert winner.planned_units_per_variant is not None
    statuses = {e.key: e.status for e in list_experiments(built.session)}
    assert statuses == {
        "one-page-checkout": "decided",
        "new-pricing-copy": "stopped",
        "lazy-images": "running",
        "smart-search": "running",
    }
    assert built.truths["lake"] is True
    assert built.truths["audit_entries"] == 4 + 4 + 4 + 4 + 2 + 1  # metrics, flags, experiments,
    # starts, stops and the decision
    assert built.truths["events_written"] > 40_000
    assert built.seconds < 20


def test_the_same_seed_writes_the_same_events(built: Built, tmp_path: Path) -> None:
    from prodloop.demo.experiments import experiment_events
    from prodloop.experiments.flags import FlagSet
    from prodloop.experiments.flags.service import flag_config, get_flag

    plan = PLANTED[0]
    flag_key = built.truths["experiments"]["winner"]["flag"]
    flags = FlagSet.compile([flag_config(get_flag(built.session, flag_key))])
    started = get_experiment(built.session, plan.key).started_at
    assert started is not None
    first = experiment_events(built.context, plan, flags, flag_key, started)
    again = experiment_events(built.context, plan, flags, flag_key, started)
    assert first == again
    assert len(first) == built.truths["experiments"]["winner"]["events"]

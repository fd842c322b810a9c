"""The demo's delivery data: realistic, deterministic, and its planted truths found again by the
delivery maths on facts loaded back from the store (never by re-reading the generator)."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import median
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from prodloop.delivery import dora, flow, service
from prodloop.delivery.dora_bands import PerformanceBand
from prodloop.delivery.facts import (
    DeploymentFacts,
    DueDateChange,
    IncidentFacts,
    PullRequestFacts,
    WorkItemFacts,
)
from prodloop.delivery.firefighting import unplanned_share_by_team, unplanned_trend
from prodloop.delivery.forecast import ThroughputHistory, probability_of_finishing_by
from prodloop.delivery.models import DeliverySource, Incident, WorkItem
from prodloop.delivery.periods import Granularity, Period, local_date
from prodloop.delivery.signals import (
    FeatureDelay,
    FeatureFacts,
    Severity,
    SignalKind,
    delay_signals,
    firefighting_signals,
    ownership_signals,
)
from prodloop.delivery.slips import item_due_date_slips
from prodloop.demo import build_demo
from prodloop.ledger.models import AuditEntry, Feature
from prodloop.store import make_engine, make_session_factory, unit_of_work
from prodloop.store.migrate import upgrade

AS_OF = date(2026, 3, 15)
SEED = 7
ZONE = "America/New_York"
YEAR = Period(AS_OF - timedelta(days=365), AS_OF)


@dataclass
class Loaded:
    """A built demo and its delivery facts, loaded once."""

    engine: Engine
    sessions: sessionmaker[Session]
    truths: dict[str, Any]
    items: list[WorkItemFacts]
    pulls: list[PullRequestFacts]
    deployments: list[DeploymentFacts]
    incidents: list[IncidentFacts]
    leftover_temp_files: list[Path]


def build(path: Path, temp: Path) -> tuple[Engine, sessionmaker[Session], dict[str, Any]]:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_session_factory(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(temp))  # the exports are written here
        with unit_of_work(sessions) as session:
            manifest = build_demo(session, seed=SEED, as_of=AS_OF, scale=0.1)
    return engine, sessions, manifest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    folder = tmp_path_factory.mktemp("delivery-demo")
    temp = folder / "tmp"
    temp.mkdir()
    engine, sessions, manifest = build(folder / "demo.db", temp)
    with sessions() as session:
        loaded = Loaded(
            engine=engine,
            sessions=sessions,
            truths=manifest["planted"]["delivery"],
            items=service.load_work_items(session),
            pulls=service.load_pull_requests(session),
            deployments=service.load_deployments(session),
            incidents=service.load_incidents(session),
            leftover_temp_files=list(temp.iterdir()),
        )
    yield loaded
    engine.dispose()


@pytest.fixture
def db(demo: Loaded) -> Iterator[Session]:
    with demo.sessions() as session:
        yield session


def feature_facts(session: Session, key: str) -> FeatureFacts:
    """A ledger feature with its target-date history read from the audit log."""
    feature = session.execute(select(Feature).where(Feature.key == key)).scalar_one()
    entries = session.execute(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "feature", AuditEntry.entity_id == feature.id)
        .order_by(AuditEntry.at, AuditEntry.id)
    ).scalars()
    changes = []
    for entry in entries:
        after = entry.after or {}
        if "target_date" not in after:
            continue
        before = (entry.before or {}).get("target_date")
        changes.append(
            DueDateChange(
                entry.at,
                date.fromisoformat(before) if before else None,
                date.fromisoformat(after["target_date"]) if after["target_date"] else None,
            )
        )
    return FeatureFacts(
        key=feature.key,
        title=feature.title,
        stage=feature.stage,
        target_date=feature.target_date,
        owner=feature.owner.email if feature.owner else None,
        team=feature.team.key if feature.team else None,
        target_changes=tuple(changes),
    )


# --- realism --------------------------------------------------------------------------------


def test_a_year_of_delivery_data_of_plausible_size(demo: Loaded) -> None:
    items, truths = demo.items, demo.truths
    assert 2_000 <= len(items) <= 6_000
    assert len(items) == truths["counts"]["work_items"]
    assert 500 <= len(demo.pulls) <= 3_000
    assert len(demo.pulls) == truths["counts"]["pull_requests"]
    good = [d for d in demo.deployments if d.succeeded and d.production]
    assert len(good) == truths["counts"]["deployments"]
    assert len(demo.incidents) == truths["counts"]["incidents"] >= 30
    teams = Counter(item.team for item in items)
    assert set(teams) == set(truths["firefighting"]["year_share"])
    assert all(count >= 250 for count in teams.values()), teams
    types = Counter(item.item_type for item in items)
    assert {"Story", "Task", "Bug", "Support", "Incident", "Epic"} <= set(types)
    assert {pull.repo for pull in demo.pulls} == set(truths["sources"]["repos"])
    assert all(YEAR.start <= local_date(i.created_at, ZONE) < AS_OF for i in items)
    assert sum(1 for i in items if i.feature) > 500
    assert sum(1 for i in items if i.sprint) > 1_500
    assert sum(1 for p in demo.pulls if p.feature) > 100


def test_work_is_done_on_weekdays_with_team_specific_cycle_times(demo: Loaded) -> None:
    done = flow.completed_in(demo.items, time_zone=ZONE, period=YEAR)
    weekend = [i for i in done if i.done_at and local_date(i.done_at, ZONE).weekday() >= 5]
    assert 0 < len(weekend) / len(done) < 0.05
    medians = {}
    for team, planned_medians in demo.truths["cycle_time_median_days"].items():
        stories = [i for i in done if i.team == team and i.item_type == "Story"]
        times = [flow.cycle_time_days(i) or 0.0 for i in stories]
        medians[team] = median(times)
        assert medians[team] == pytest.approx(planned_medians, rel=0.45)
    fastest = min(demo.truths["cycle_time_median_days"].items(), key=lambda kv: kv[1])[0]
    slowest = max(demo.truths["cycle_time_median_days"].items(), key=lambda kv: kv[1])[0]
    assert medians[fastest] < medians[slowest] / 1.3


def test_the_exports_went_through_the_importers_and_were_removed(demo: Loaded, db: Session) -> None:
    assert demo.leftover_temp_files == []
    sources = {(s.kind, s.name) for s in db.execute(select(DeliverySource)).scalars()}
    repos = demo.truths["sources"]["repos"]
    assert sources == {("jira_rest", demo.truths["sources"]["jira"])} | {
        ("github", repo) for repo in repos
    }
    epic = db.execute(
        select(WorkItem).where(WorkItem.key == demo.truths["redated_feature"]["epic"])
    ).scalar_one()
    assert epic.item_type == "Epic"
    assert epic.url == f"https://northwind.atlassian.example/browse/{epic.key}"
    assert db.execute(select(Incident).where(Incident.deployment_id.is_(None))).first() is None


# --- planted truths ---------------------------------------------------------------------------


def test_the_firefighting_team_is_found(demo: Loaded) -> None:
    planted = demo.truths["firefighting"]
    team = planted["team"]
    shares = unplanned_share_by_team(
        demo.items, period=YEAR, granularity=Granularity.MONTH, time_zone=ZONE
    )
    rising = {t for t, s in shares.items() if unplanned_trend(s).rising}
    assert rising == {team}, {t: [b.share for b in s] for t, s in shares.items()}
    for quarter, expected in (("first_quarter", 0.15), ("last_quarter", 0.45)):
        start, end = (date.fromisoformat(day) for day in planted[quarter])
        buckets = unplanned_share_by_team(
            demo.items, period=Period(start, end), granularity=Granularity.MONTH, time_zone=ZONE
        )
        for other, in_quarter in buckets.items():
            share = sum(b.unplanned_done for b in in_quarter) / sum(
                b.items_done for b in in_quarter
            )
            assert share == pytest.approx(planted[f"{quarter}_share"][other], abs=0.005)
            if other == team:
                assert share == pytest.approx(expected, abs=0.05)
            else:
                assert 0.07 <= share <= 0.22, (other, quarter, share)
    signals = firefighting_signals(
        demo.items, period=YEAR, granularity=Granularity.MONTH, time_zone=ZONE
    )
    firing = [s for s in signals if s.kind is SignalKind.RISING_UNPLANNED_WORK]
    assert [s.subject for s in firing] == [team]
    mid_sprint = Counter(s.subject for s in signals if s.kind is SignalKind.ADDED_MID_SPRINT)
    assert mid_sprint.most_common(1)[0][0] == team, mid_sprint


def test_the_feature_re_dated_three_times_is_found(demo: Loaded, db: Session) -> None:
    planted = demo.truths["redated_feature"]
    feature = feature_facts(db, planted["key"])
    assert feature.stage == "building"
    assert feature.target_date == date.fromisoformat(planted["target_dates"][-1])
    signals = delay_signals([feature], demo.items, today=AS_OF)
    slipped = [s for s in signals if s.kind is SignalKind.TARGET_DATE_SLIPPED]
    assert len(slipped) == 1
    assert slipped[0].severity is Severity.CRITICAL
    delay = slipped[0].evidence
    assert isinstance(delay, FeatureDelay)
    assert delay.target_slips.redatings == planted["redatings"] == 3
    assert delay.target_slips.slips == planted["slips"]
    assert delay.target_slips.first_due_date == date.fromisoformat(planted["target_dates"][0])
    assert delay.item_slips.items_redated >= 5
    epic = next(item for item in demo.items if item.key == planted["epic"])
    assert epic.feature == planted["key"]
    assert item_due_date_slips(epic).redatings == 3
    assert epic.due_date == feature.target_date
    reasons = db.execute(
        select(AuditEntry.reason).where(AuditEntry.reason.in_(planted["reasons"]))
    ).scalars()
    assert sorted(reason or "" for reason in reasons) == sorted(planted["reasons"])


def test_the_cluster_of_unowned_work_is_found(demo: Loaded) -> None:
    planted = demo.truths["unowned_work"]
    signals = ownership_signals([], demo.items)
    unowned = {s.subject: s for s in signals if s.kind is SignalKind.UNOWNED_WORK}
    warnings = [team for team, s in unowned.items() if s.severity is Severity.WARNING]
    assert warnings == [planted["team"]]
    assert unowned[planted["team"]].message.startswith(f"{planted['items']} open items")
    assert planted["items"] >= 20
    assert all(count < 3 for team, count in planted["by_team"].items() if team != planted["team"])
    bouncing = sorted(s.subject for s in signals if s.kind is SignalKind.BOUNCING_BETWEEN_TEAMS)
    assert bouncing == demo.truths["bouncing_items"]


def test_the_change_of_deployment_cadence_is_found(demo: Loaded) -> None:
    planted = demo.truths["deployment_cadence"]
    changed = date.fromisoformat(planted["changed_on"])
    repo = [d for d in demo.deployments if d.repo == planted["repo"]]
    pulls = [p for p in demo.pulls if p.repo == planted["repo"]]
    before, after = Period(YEAR.start, changed), Period(changed, AS_OF)
    first = dora.deployment_frequency(repo, period=before, time_zone=ZONE)
    second = dora.deployment_frequency(repo, period=after, time_zone=ZONE)
    assert first.deployments_per_week == pytest.approx(
        planted["deployments_per_week_before"], rel=0.05
    )
    assert 1.5 <= first.deployments_per_week <= 2.5
    assert second.deployments_per_week >= 7
    assert first.medians.per_week == 2
    assert second.medians.per_week == 7
    assert first.band
    assert second.band
    assert (first.band.band, second.band.band) == (PerformanceBand.HIGH, PerformanceBand.ELITE)
    assert (first.band.band.value, second.band.band.value) == (
        planted["band_before"],
        planted["band_after"],
    )
    lead_before = dora.lead_time_for_changes(pulls, repo, period=before, time_zone=ZONE)
    lead_after = dora.lead_time_for_changes(pulls, repo, period=after, time_zone=ZONE)
    assert lead_before.median_days
    assert lead_after.median_days
    assert lead_after.median_days < lead_before.median_days
    other = [d for d in demo.deployments if d.repo != planted["repo"]]
    steady = {
        dora.deployment_frequency(other, period=p, time_zone=ZONE).deployments
        for p in (before, after)
    }
    assert max(steady) < 1.5 * min(steady)


def test_incidents_follow_deployments(demo: Loaded) -> None:
    planted = demo.truths["change_failure"]
    for repo in demo.truths["sources"]["repos"]:
        rate = dora.change_failure_rate(
            [d for d in demo.deployments if d.repo == repo],
            [i for i in demo.incidents if i.repo == repo],
            period=YEAR,
            time_zone=ZONE,
        )
        assert rate.deployments == planted[repo]["deployments"]
        assert rate.failed_deployments == planted[repo]["failed_deployments"]
    report = dora.dora_report(
        deployments=demo.deployments,
        pull_requests=demo.pulls,
        incidents=demo.incidents,
        period=YEAR,
        time_zone=ZONE,
    )
    assert report.change_failure_rate.rate == pytest.approx(planted["overall_rate"], abs=1e-3)
    assert 0.08 <= planted["overall_rate"] <= 0.2
    recovery = report.recovery_time
    assert recovery.incidents == len(demo.incidents)
    assert recovery.median_days == pytest.approx(planted["median_recovery_days"], abs=1e-3)
    assert recovery.median_days is not None
    assert 0.02 < recovery.median_days < 1
    lead = report.lead_time_for_changes
    assert lead.median_days is not None
    assert 0.5 < lead.median_days < 7


def test_forecasts_tell_the_unlikely_feature_from_the_likely_one(demo: Loaded, db: Session) -> None:
    planted = demo.truths["forecast"]
    history = Period(AS_OF - timedelta(days=planted["history_days"]), AS_OF)
    chances = {}
    for verdict in ("unlikely", "likely"):
        feature = feature_facts(db, planted[verdict]["feature"])
        assert feature.stage == "building"
        assert feature.target_date == date.fromisoformat(planted[verdict]["target_date"])
        assert feature.target_date is not None
        assert feature.target_date > AS_OF
        remaining = flow.open_items_by_feature(demo.items)[feature.key]
        assert remaining == planted[verdict]["open_items"]
        team = [i for i in demo.items if i.team == feature.team]
        throughput = ThroughputHistory.from_items(team, period=history, time_zone=ZONE)
        chances[verdict] = probability_of_finishing_by(
            throughput, remaining_items=remaining, start=AS_OF, target=feature.target_date
        )
        own = [i for i in demo.items if i.feature == feature.key]
        alone = ThroughputHistory.from_items(own, period=history, time_zone=ZONE)
        chances[f"{verdict} alone"] = probability_of_finishing_by(
            alone, remaining_items=remaining, start=AS_OF, target=feature.target_date
        )
    assert max(chances["unlikely"], chances["unlikely alone"]) < 0.3, chances
    assert min(chances["likely"], chances["likely alone"]) > 0.8, chances
    assert planted["unlikely"]["feature"] == demo.truths["redated_feature"]["key"]


# --- determinism ------------------------------------------------------------------------------


def canonical(items: list[WorkItemFacts]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            i.key,
            i.title,
            i.item_type,
            i.created_at,
            i.started_at,
            i.done_at,
            i.cancelled,
            i.team,
            i.assignee,
            i.feature,
            i.epic,
            i.unplanned,
            i.points,
            i.labels,
            i.due_date,
            i.due_changes,
            i.status_history,
            i.team_history,
            i.sprint,
            i.added_to_sprint_at,
            i.sprint_started_at,
        )
        for i in items
    )


def test_the_same_seed_builds_the_same_delivery_data(demo: Loaded, tmp_path: Path) -> None:
    engine, sessions, manifest = build(tmp_path / "twin.db", tmp_path)
    try:
        with sessions() as session:
            assert canonical(service.load_work_items(session)) == canonical(demo.items)
            assert service.load_pull_requests(session) == demo.pulls
            assert service.load_deployments(session) == demo.deployments
            assert service.load_incidents(session) == demo.incidents
        assert manifest["planted"]["delivery"] == demo.truths
    finally:
        engine.dispose()

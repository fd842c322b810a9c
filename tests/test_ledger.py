"""Ledger services on both backends: rules, stage history, audit log, time stamps."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from prodloop.ledger import service
from prodloop.ledger.errors import ConflictError, RuleError
from prodloop.ledger.models import AuditEntry, Feature, StageChange
from prodloop.ledger.schemas import FeatureIn, FeatureUpdate, PersonIn, TeamIn
from prodloop.ledger.stages import Stage, needs_reason, parse_stage
from prodloop.store import unit_of_work

ACTOR = "pm@example.com"


def test_stage_parsing_and_rules() -> None:
    assert parse_stage(" Beta ") is Stage.BETA
    with pytest.raises(ValueError, match="expected one of: idea, discovery"):
        parse_stage("shipped")
    assert [s.order for s in Stage] == list(range(8))
    assert needs_reason(Stage.RETIRED, Stage.BUILDING)
    assert not needs_reason(Stage.BUILDING, Stage.RETIRED)
    assert not needs_reason(Stage.LAUNCHED, Stage.BUILDING)


def test_unknown_references_and_duplicates(db: Session) -> None:
    service.create_team(db, TeamIn(key="core", name="Core"), actor=ACTOR)
    with pytest.raises(RuleError) as unknown_team:
        service.create_person(
            db, PersonIn(name="X", email="x@example.com", team="nope"), actor=ACTOR
        )
    assert unknown_team.value.field == "team"
    service.create_feature(db, FeatureIn(key="sso", title="SSO"), actor=ACTOR)
    with pytest.raises(ConflictError) as duplicate:
        service.create_feature(db, FeatureIn(key="sso", title="SSO again"), actor=ACTOR)
    assert duplicate.value.field == "key"
    with pytest.raises(RuleError) as owner:
        service.create_feature(
            db, FeatureIn(key="x", title="X", owner="ghost@example.com"), actor=ACTOR
        )
    assert owner.value.field == "owner"
    with pytest.raises(RuleError) as area:
        service.create_feature(db, FeatureIn(key="y", title="Y", product_area="nope"), actor=ACTOR)
    assert area.value.field == "product_area"


def test_launch_sets_launch_date_and_history_keeps_time_zones(
    sessions: sessionmaker[Session],
) -> None:
    # 02:30 local on the night Berlin springs forward does not exist; a time just before and
    # after the change must both survive a round trip through the store as the same instant.
    berlin = ZoneInfo("Europe/Berlin")
    before_dst = datetime(2026, 3, 29, 1, 59, tzinfo=berlin)
    after_dst = datetime(2026, 3, 29, 3, 1, tzinfo=berlin)
    with unit_of_work(sessions) as s:
        feature = service.create_feature(
            s, FeatureIn(key="sso", title="SSO"), actor=ACTOR, at=before_dst - timedelta(days=1)
        )
        service.set_stage(s, feature, Stage.BETA, actor=ACTOR, at=before_dst)
        service.set_stage(s, feature, Stage.LAUNCHED, actor=ACTOR, at=after_dst)
    with unit_of_work(sessions) as s:
        feature = service.get_feature(s, "sso")
        history = feature.stage_history
        assert [h.to_stage for h in history] == ["idea", "beta", "launched"]
        assert history[1].changed_at == before_dst
        assert history[2].changed_at == after_dst
        assert history[2].changed_at - history[1].changed_at == timedelta(minutes=2)
        assert history[2].changed_at.tzinfo is not None
        assert feature.launch_date == after_dst.astimezone(UTC).date()
        assert feature.stage_changed_at == after_dst


def test_stage_change_cannot_predate_previous(db: Session) -> None:
    feature = service.create_feature(
        db, FeatureIn(key="sso", title="SSO"), actor=ACTOR, at=datetime(2026, 5, 1, tzinfo=UTC)
    )
    with pytest.raises(RuleError, match="predate"):
        service.set_stage(
            db, feature, Stage.PLANNED, actor=ACTOR, at=datetime(2026, 4, 1, tzinfo=UTC)
        )
    with pytest.raises(RuleError, match="already in stage"):
        service.set_stage(db, feature, Stage.IDEA, actor=ACTOR)


def test_update_audits_only_what_changed(db: Session) -> None:
    feature = service.create_feature(db, FeatureIn(key="sso", title="SSO", tags=["a"]), actor=ACTOR)
    service.update_feature(db, feature, FeatureUpdate(title="SSO", tags=["a"]), actor=ACTOR)
    service.update_feature(
        db,
        feature,
        FeatureUpdate(target_date=date(2026, 12, 1), reason="committed to Acme"),
        actor="cto@x.io",
    )
    entries = db.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries] == ["create", "update"]
    assert entries[1].before == {"target_date": None}
    assert entries[1].after == {"target_date": "2026-12-01"}
    assert entries[1].actor == "cto@x.io"
    assert entries[1].reason == "committed to Acme"


def test_overdue_and_stage_counts(db: Session) -> None:
    today = date(2026, 11, 22)
    service.create_feature(
        db,
        FeatureIn(key="late", title="Late", stage="building", target_date=date(2026, 11, 1)),
        actor=ACTOR,
    )
    service.create_feature(
        db,
        FeatureIn(key="shipped", title="Shipped", stage="launched", target_date=date(2026, 10, 1)),
        actor=ACTOR,
    )
    service.create_feature(
        db,
        FeatureIn(key="future", title="Future", stage="planned", target_date=date(2027, 1, 1)),
        actor=ACTOR,
    )
    assert [f.key for f in service.overdue_features(db, today=today)] == ["late"]
    counts = service.stage_counts(db)
    assert counts[Stage.BUILDING] == 1
    assert counts[Stage.RETIRED] == 0
    assert sum(counts.values()) == 3


stage_walks = st.lists(
    st.tuples(st.sampled_from(list(Stage)), st.booleans(), st.integers(1, 400)),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(walk=stage_walks)
def test_any_walk_through_stages_keeps_a_consistent_history(
    sessions: sessionmaker[Session], walk: list[tuple[Stage, bool, int]]
) -> None:
    """Brute force: replay random moves and compare with an independent model of the rules."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        for feature in s.execute(select(Feature)).scalars():
            s.delete(feature)
    expected = [Stage.IDEA]
    with unit_of_work(sessions) as s:
        feature = service.create_feature(
            s, FeatureIn(key="walk", title="Walk"), actor=ACTOR, at=start
        )
        when = start
        for target, give_reason, hours in walk:
            when = when + timedelta(hours=hours)
            current = expected[-1]
            allowed = target is not current and (not needs_reason(current, target) or give_reason)
            try:
                service.set_stage(
                    s,
                    feature,
                    target,
                    actor=ACTOR,
                    at=when,
                    reason="because" if give_reason else None,
                )
            except RuleError:
                assert not allowed
            else:
                assert allowed
                expected.append(target)
    with unit_of_work(sessions) as s:
        feature = service.get_feature(s, "walk")
        history = (
            s.execute(
                select(StageChange)
                .where(StageChange.feature_id == feature.id)
                .order_by(StageChange.id)
            )
            .scalars()
            .all()
        )
        assert [Stage(h.to_stage) for h in history] == expected
        assert feature.stage == expected[-1].value
        times = [h.changed_at for h in history]
        assert times == sorted(times)
        assert all(h.from_stage == p.to_stage for p, h in itertools.pairwise(history))

"""Delivery service: source configuration, relinking after ledger changes, and loaders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from prodloop.delivery import service
from prodloop.delivery.schemas import SourceConfig, SourceKind, WorkflowConfig
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import NotFoundError
from prodloop.ledger.schemas import FeatureIn, TeamIn
from prodloop.store import unit_of_work
from tests.conftest import seed_small_ledger

DATA = Path(__file__).parents[1] / "data" / "delivery"


def test_sources_are_listed_and_found(db: Session) -> None:
    service.import_jira_json(db, DATA / "jira_search_changelog.json", source_name="acme")
    service.import_linear_csv(db, DATA / "linear_export.csv")
    assert [(s.kind, s.name) for s in service.list_sources(db)] == [
        ("jira_rest", "acme"),
        ("linear", "linear"),
    ]
    source = service.get_source(db, SourceKind.LINEAR, "linear")
    assert source.last_imported_at is not None
    with pytest.raises(NotFoundError):
        service.get_source(db, "jira", "acme")


def test_relink_after_a_feature_is_added(sessions: sessionmaker[Session]) -> None:
    seed_small_ledger(sessions)
    with unit_of_work(sessions) as session:
        service.import_linear_csv(session, DATA / "linear_export.csv")
    with unit_of_work(sessions) as session:
        assert not service.load_work_items(session, feature="pricing-page")
        ledger.create_feature(
            session, FeatureIn(key="pricing", title="Pricing page"), actor="admin@example.com"
        )
        # GRO-101 carries the Pricing label; GRO-103, its sub-issue, follows it.
        assert service.relink_features(session) == 2
    with sessions() as session:
        linked = service.load_work_items(session, feature="pricing")
        assert [f.key for f in linked] == ["GRO-103", "GRO-101"]  # by creation time
        again = service.import_linear_csv(session, DATA / "linear_export.csv")
        assert again.updated == 0  # relinking left the rows as an import would


def test_config_update_relinks_epics_and_unplanned_work(db: Session) -> None:
    seed = FeatureIn(key="usage-billing", title="Usage-based billing")
    ledger.create_feature(db, seed, actor="admin@example.com")
    service.import_linear_csv(db, DATA / "linear_export.csv")
    source = service.get_source(db, "linear", "linear")
    config = SourceConfig(
        epic_features={"Usage billing": "usage-billing"},
        workflow=WorkflowConfig(unplanned_labels={"Analytics": True}),
    )
    service.update_source_config(db, source, config)
    assert source.config == {
        "workflow": {"unplanned_labels": {"Analytics": True}},
        "epic_features": {"Usage billing": "usage-billing"},
    }
    facts = {f.key: f for f in service.load_work_items(db)}
    assert facts["GRO-101"].feature == facts["GRO-103"].feature == "usage-billing"
    assert facts["GRO-103"].unplanned
    assert service.import_linear_csv(db, DATA / "linear_export.csv").updated == 0


def test_loaders_filter_by_team_and_time(sessions: sessionmaker[Session]) -> None:
    seed_small_ledger(sessions)
    with unit_of_work(sessions) as session:
        ledger.create_team(
            session, TeamIn(key="growth-squad", name="Growth squad"), actor="a@example.com"
        )
        service.import_linear_csv(session, DATA / "linear_export.csv")
        service.import_jira_json(session, DATA / "jira_search_changelog.json")
    with sessions() as session:
        growth = service.load_work_items(session, team="growth")
        assert sorted(f.key for f in growth) == ["GRO-101", "GRO-102", "GRO-103", "GRO-104"]
        assert {f.team for f in growth} == {"growth"}  # the ledger key, not the source name
        payments = service.load_work_items(session, team="Payments")
        assert sorted(f.key for f in payments) == ["PAY-10", "PAY-11", "PAY-12", "PAY-13"]
        recent = service.load_work_items(session, since=datetime(2025, 6, 12, tzinfo=UTC))
        assert "GRO-101" not in {f.key for f in recent}  # done 10 June
        assert {"GRO-102", "GRO-104", "PAY-10", "PAY-12"} <= {f.key for f in recent}
        assert all(f.created_at.tzinfo is not None for f in recent)


def test_loaders_on_an_empty_store(db: Session) -> None:
    assert service.load_work_items(db) == []
    assert service.load_pull_requests(db) == []
    assert service.load_deployments(db) == []
    assert service.load_incidents(db) == []
    assert service.relink_features(db) == 0


def test_deleting_a_feature_unlinks_its_items(sessions: sessionmaker[Session]) -> None:
    seed_small_ledger(sessions)
    with unit_of_work(sessions) as session:
        service.import_jira_csv(session, DATA / "jira_all_fields.csv", time_zone="UTC")
    with unit_of_work(sessions) as session:
        feature = ledger.get_feature(session, "sso")
        ledger.delete_feature(session, feature, actor="admin@example.com")
    with sessions() as session:
        item = next(f for f in service.load_work_items(session) if f.key == "PAY-4")
        assert item.feature is None

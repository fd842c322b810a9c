"""GitHub imports: issues, pull requests, reviews, commits, deployments, releases and CI runs
from REST JSON files, and what each deployment shipped."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from prodloop.delivery import service
from prodloop.delivery.models import Deployment, Incident, PullRequest, WorkItem
from prodloop.store import unit_of_work
from tests.conftest import seed_small_ledger

EXPORT = Path(__file__).parents[1] / "data" / "delivery" / "github"
SHA_A, SHA_B, SHA_OLD = "a" * 40, "b" * 40, "9" * 40


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def copy_export(tmp_path: Path, *, drop: tuple[str, ...] = ()) -> Path:
    target = tmp_path / "export"
    shutil.copytree(EXPORT, target)
    for name in drop:
        path = target / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return target


def test_pull_requests_with_reviews_and_commits(db: Session) -> None:
    summary = service.import_github_dir(db, EXPORT)
    assert summary.source == "acme/shop"
    assert summary.records["pull_requests"].created == 4  # two pages of pulls.json
    pulls = {p.number: p for p in service.load_pull_requests(db, repo="acme/shop")}
    saml = pulls[10]
    assert saml.author == "alice"
    assert saml.first_commit_at == utc(2025, 6, 1, 15, 0)
    assert saml.first_review_at == utc(2025, 6, 2, 13, 0)  # bob's; alice's own comment is not one
    assert saml.merged_at == utc(2025, 6, 3, 10, 0)
    assert saml.merge_sha == SHA_A
    rounding = pulls[11]  # reviews from reviews.json keyed by number; a PENDING one is ignored
    assert rounding.first_review_at == utc(2025, 6, 3, 9, 30)
    assert rounding.first_commit_at == utc(2025, 6, 3, 5, 40)  # +02:00 → UTC
    assert pulls[12].merged_at is None
    assert pulls[12].merge_sha is None
    assert pulls[13].merge_sha is None  # closed without merging


def test_issues_become_work_items_and_incidents(db: Session) -> None:
    service.import_github_dir(db, EXPORT)
    items = {f.key: f for f in service.load_work_items(db)}
    assert sorted(items) == ["acme/shop#5", "acme/shop#6", "acme/shop#7", "acme/shop#8"]
    bug = items["acme/shop#5"]
    assert bug.unplanned
    assert bug.done_at == utc(2025, 6, 3, 12, 5)
    assert items["acme/shop#7"].cancelled  # closed as not_planned
    dashboard = items["acme/shop#8"]
    assert dashboard.due_date == date(2025, 7, 1)
    assert dashboard.epic == "Usage billing v1"
    assert dashboard.assignee == "carol"
    incidents = service.load_incidents(db)
    assert [(i.key, i.created_at, i.resolved_at) for i in incidents] == [
        ("acme/shop#6", utc(2025, 6, 3, 16, 0), utc(2025, 6, 3, 17, 30))
    ]


def test_deployments_statuses_and_what_they_shipped(db: Session) -> None:
    service.import_github_dir(db, EXPORT)
    deployments = {d.key.rsplit(":", 1)[1]: d for d in service.load_deployments(db)}
    assert set(deployments) == {"1001", "1002", "1003", "1004"}  # releases and runs set aside
    first = deployments["1001"]  # success, later marked inactive when superseded
    assert first.succeeded
    assert first.production
    assert first.finished_at == utc(2025, 6, 2, 18, 5)
    assert deployments["1003"].production is False  # staging
    failed = deployments["1004"]  # statuses embedded in the deployment
    assert not failed.succeeded
    assert failed.finished_at == utc(2025, 6, 5, 10, 3)
    # No git history imported: pull requests merged between the two production deployments'
    # starts are shipped by the second.
    assert deployments["1002"].commits == frozenset({SHA_A, SHA_B})
    assert deployments["1001"].commits == frozenset({SHA_OLD})
    assert failed.commits == frozenset()


def test_incident_links_to_the_deployment_before_it(db: Session) -> None:
    service.import_github_dir(db, EXPORT)
    incident = db.execute(select(Incident)).scalar_one()
    linked = db.get(Deployment, incident.deployment_id)
    assert linked is not None
    assert linked.external_id == "deployment:1002"


def test_ci_runs_stand_in_when_there_are_no_deployments(db: Session, tmp_path: Path) -> None:
    export = copy_export(tmp_path, drop=("deployments.json", "deployment_statuses"))
    service.import_github_dir(db, export)
    deployments = service.load_deployments(db)
    # Only "Deploy production" runs on main count; the failed one is kept as a failure.
    assert [(d.key, d.succeeded) for d in deployments] == [
        ("acme/shop/run:5001", False),
        ("acme/shop/run:5004", True),
    ]
    assert deployments[1].commits == frozenset({SHA_A, SHA_B})


def test_releases_stand_in_when_there_is_nothing_else(db: Session, tmp_path: Path) -> None:
    export = copy_export(
        tmp_path, drop=("deployments.json", "deployment_statuses", "actions_runs.json")
    )
    service.import_github_dir(db, export)
    releases = service.load_deployments(db)
    assert [(d.key, d.production) for d in releases] == [
        ("acme/shop/release:v1.1.0", True),
        ("acme/shop/release:v1.1.0-rc.1", False),
    ]  # the draft v1.2.0 is not a release


def test_reimport_is_idempotent(db: Session) -> None:
    service.import_github_dir(db, EXPORT)
    again = service.import_github_dir(db, EXPORT)
    assert again.created == 0
    assert again.updated == 0
    # issues, pulls, 4 deployments + 2 deploy runs + 2 releases, the incident
    assert again.unchanged == 4 + 4 + 8 + 1
    assert len(db.execute(select(PullRequest)).scalars().all()) == 4


def test_newer_export_updates_a_pull_request(db: Session, tmp_path: Path) -> None:
    service.import_github_dir(db, EXPORT)
    export = copy_export(tmp_path)
    pages = json.loads((export / "pulls.json").read_text())
    pages[1][0].update(
        draft=False, merged_at="2025-06-06T10:00:00Z", closed_at="2025-06-06T10:00:00Z"
    )
    (export / "pulls.json").write_text(json.dumps(pages))
    summary = service.import_github_dir(db, export)
    assert summary.records["pull_requests"].updated == 1
    pull = db.execute(select(PullRequest).where(PullRequest.number == 12)).scalar_one()
    db.refresh(pull)
    assert pull.merge_sha == "e" * 40


def test_features_link_by_title_and_closing_keywords(sessions: sessionmaker[Session]) -> None:
    seed_small_ledger(sessions)
    with unit_of_work(sessions) as session:
        service.import_github_dir(session, EXPORT)
    with sessions() as session:
        pulls = {p.number: p.feature for p in service.load_pull_requests(session)}
        items = {f.key: f.feature for f in service.load_work_items(session)}
        only_sso = service.load_pull_requests(session, feature="sso")
    assert pulls[10] == "sso"  # [sso] in the title
    assert pulls[11] == "usage-billing"  # "Fixes #5", and #5 carries feature:usage-billing
    assert items["acme/shop#8"] == "usage-billing"
    assert [p.number for p in only_sso] == [10]


def test_malformed_pull_request_names_record_and_field(db: Session, tmp_path: Path) -> None:
    export = copy_export(tmp_path)
    pages = json.loads((export / "pulls.json").read_text())
    pages[0][1]["created_at"] = "03/06/2025"
    (export / "pulls.json").write_text(json.dumps(pages))
    with pytest.raises(service.ImportFormatError) as caught:
        service.import_github_dir(db, export)
    assert caught.value.record == "pull request 2"
    assert caught.value.field == "created_at"
    assert "pulls.json" in caught.value.file
    assert db.execute(select(WorkItem)).first() is None


def test_a_folder_without_export_files_is_refused(db: Session, tmp_path: Path) -> None:
    with pytest.raises(service.ImportFormatError, match="no GitHub export files"):
        service.import_github_dir(db, tmp_path)

"""Delivery use cases: imports (the CLI and the API call these), source configuration, ledger
relinking, and loaders that turn stored rows into the facts the delivery maths works on.

Services take a session and never commit: the caller owns the unit of work, so a failed
import leaves nothing behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from prodloop.delivery.facts import (
    DeploymentFacts,
    DueDateChange,
    IncidentFacts,
    PullRequestFacts,
    StatusCategory,
    StatusChange,
    WorkItemFacts,
)
from prodloop.delivery.importers.errors import ImportFormatError
from prodloop.delivery.importers.git import import_git_history
from prodloop.delivery.importers.github import import_github_export
from prodloop.delivery.importers.jira_csv import import_jira_csv_file
from prodloop.delivery.importers.jira_rest import import_jira_json_file
from prodloop.delivery.importers.linear_csv import import_linear_csv_file
from prodloop.delivery.importers.linking import relink_source
from prodloop.delivery.importers.memory import without_cycle_collection
from prodloop.delivery.importers.shipping import ORIGINS
from prodloop.delivery.models import (
    DeliverySource,
    Deployment,
    DueDateChangeRow,
    Incident,
    PullRequest,
    StatusTransition,
    TeamChange,
    WorkItem,
)
from prodloop.delivery.schemas import ImportSummary, SourceConfig, SourceKind
from prodloop.ledger.errors import NotFoundError
from prodloop.ledger.models import Feature, Person, Team
from prodloop.ledger.service import get_workspace

__all__ = [
    "ImportFormatError",
    "get_source",
    "import_git_repo",
    "import_github_dir",
    "import_jira_csv",
    "import_jira_json",
    "import_linear_csv",
    "list_sources",
    "load_deployments",
    "load_incidents",
    "load_pull_requests",
    "load_work_items",
    "relink_features",
    "update_source_config",
]

# --- imports -------------------------------------------------------------------------------


def workspace_time_zone(session: Session) -> str:
    """The workspace's time zone (UTC before ``prodloop init``)."""
    workspace = get_workspace(session)
    return workspace.time_zone if workspace else "UTC"


@without_cycle_collection
def import_jira_csv(
    session: Session,
    path: Path | str,
    *,
    time_zone: str | None = None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import a Jira "Export CSV (all fields)" file; its local dates are read in
    ``time_zone`` (default: the workspace's)."""
    zone = time_zone or workspace_time_zone(session)
    name = source_name or "jira"
    return import_jira_csv_file(session, Path(path), time_zone=zone, source_name=name)


@without_cycle_collection
def import_jira_json(
    session: Session, path: Path | str, *, source_name: str | None = None
) -> ImportSummary:
    """Import Jira REST JSON with changelog (a search result, an issue, or a list)."""
    return import_jira_json_file(session, Path(path), source_name=source_name or "jira")


@without_cycle_collection
def import_linear_csv(
    session: Session, path: Path | str, *, source_name: str | None = None
) -> ImportSummary:
    """Import Linear's CSV export."""
    return import_linear_csv_file(session, Path(path), source_name=source_name or "linear")


@without_cycle_collection
def import_github_dir(
    session: Session,
    path: Path | str,
    *,
    repo: str | None = None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import a folder of GitHub REST JSON files (see ``importers.github_files``); the
    repository name comes from the files unless ``repo`` is given."""
    return import_github_export(session, Path(path), repo=repo, source_name=source_name)


@without_cycle_collection
def import_git_repo(
    session: Session,
    path: Path | str,
    *,
    repo: str | None = None,
    source_name: str | None = None,
) -> ImportSummary:
    """Import a local git repository's commits, merges and tags."""
    return import_git_history(session, Path(path), repo=repo, source_name=source_name)


# --- sources -------------------------------------------------------------------------------


def list_sources(session: Session) -> list[DeliverySource]:
    """Every delivery source, by kind and name."""
    query = select(DeliverySource).order_by(DeliverySource.kind, DeliverySource.name)
    return list(session.execute(query).scalars())


def get_source(session: Session, kind: SourceKind | str, name: str) -> DeliverySource:
    """The source of ``kind`` called ``name``."""
    query = select(DeliverySource).where(
        DeliverySource.kind == SourceKind(kind).value, DeliverySource.name == name
    )
    source = session.execute(query).scalar_one_or_none()
    if source is None:
        raise NotFoundError(f"no {kind} source called {name!r}", field="source")
    return source


def update_source_config(
    session: Session, source: DeliverySource, config: SourceConfig
) -> DeliverySource:
    """Store a source's workflow mapping and settings, and relink its records at once.

    Feature, people, team and unplanned mappings apply immediately; status mappings apply
    from the next import (they decide start and finish times, which need the export).
    """
    source.config = config.model_dump(mode="json", exclude_defaults=True)
    session.flush()
    relink_features(session)
    return source


# --- relinking -----------------------------------------------------------------------------


def relink_features(session: Session) -> int:
    """Re-run feature, people, team and unplanned matching for every stored work item and
    pull request (after ledger or config changes); returns how many rows changed."""
    return sum(relink_source(session, source) for source in list_sources(session))


# --- loaders -------------------------------------------------------------------------------


_FACT_COLUMNS = (
    WorkItem.id,
    WorkItem.key,
    WorkItem.title,
    WorkItem.item_type,
    WorkItem.created_at,
    WorkItem.started_at,
    WorkItem.done_at,
    WorkItem.cancelled,
    WorkItem.team,
    WorkItem.assignee,
    WorkItem.epic_key,
    WorkItem.unplanned,
    WorkItem.points,
    WorkItem.labels,
    WorkItem.due_date,
    WorkItem.sprint,
    WorkItem.added_to_sprint_at,
    WorkItem.sprint_started_at,
    Feature.key.label("feature_key"),
    Team.key.label("team_key"),
    Person.email.label("assignee_email"),
)


def _item_query(
    team: str | None, feature: str | None, since: datetime | None
) -> Select[*tuple[Any, ...]]:
    query: Select[*tuple[Any, ...]] = (
        select(*_FACT_COLUMNS)
        .outerjoin(Feature, WorkItem.feature_id == Feature.id)
        .outerjoin(Team, WorkItem.team_id == Team.id)
        .outerjoin(Person, WorkItem.assignee_id == Person.id)
    )
    if team is not None:
        query = query.where(or_(Team.key == team, func.lower(WorkItem.team) == team.lower()))
    if feature is not None:
        query = query.where(Feature.key == feature)
    if since is not None:
        query = query.where(or_(WorkItem.done_at.is_(None), WorkItem.done_at >= since))
    return query.order_by(WorkItem.created_at, WorkItem.id)


@without_cycle_collection
def load_work_items(
    session: Session,
    *,
    team: str | None = None,
    feature: str | None = None,
    since: datetime | None = None,
) -> list[WorkItemFacts]:
    """Work items as facts, optionally only a team's (ledger key or the source's team name),
    a feature's, or those still open or finished at or after ``since``."""
    query = _item_query(team, feature, since)
    ids = query.with_only_columns(WorkItem.id).order_by(None).scalar_subquery()
    statuses, dues, teams = _histories(session, ids)
    team_keys = {
        alias.lower(): key
        for key, name in session.execute(select(Team.key, Team.name))
        for alias in (name, key)
    }
    return [
        _work_item_facts(row, statuses, dues, teams.get(row[0], ()), team_keys)
        for row in session.execute(query)
    ]


def _work_item_facts(
    row: Any,
    statuses: dict[int, list[Any]],
    dues: dict[int, list[Any]],
    teams: Sequence[str | None],
    team_keys: dict[str, str],
) -> WorkItemFacts:
    (item_id, key, title, item_type, created_at, started_at, done_at, cancelled, team_name,
     assignee, epic, unplanned, points, labels, due_date, sprint, added_to_sprint_at,
     sprint_started_at, feature, team_key, email) = row  # fmt: skip
    team = team_key or team_name
    moves = tuple(team_keys.get(t.lower(), t) for t in teams if t)
    return WorkItemFacts(
        key=key,
        title=title,
        item_type=item_type,
        created_at=created_at,
        started_at=started_at,
        done_at=done_at,
        cancelled=cancelled,
        team=team,
        assignee=email or assignee,
        feature=feature,
        epic=epic,
        unplanned=unplanned,
        points=points,
        labels=tuple(labels),
        due_date=due_date,
        due_changes=tuple(dues.get(item_id, ())),
        status_history=tuple(statuses.get(item_id, ())),
        team_history=moves or ((team,) if team else ()),
        sprint=sprint,
        added_to_sprint_at=added_to_sprint_at,
        sprint_started_at=sprint_started_at,
    )


_CATEGORIES = {category.value: category for category in StatusCategory}


def _histories(session: Session, ids: Any) -> tuple[dict[int, list[Any]], ...]:
    statuses: dict[int, list[Any]] = defaultdict(list)
    dues: dict[int, list[Any]] = defaultdict(list)
    teams: dict[int, list[Any]] = defaultdict(list)
    t, d, c = StatusTransition, DueDateChangeRow, TeamChange
    for item_id, at, old, new, category in session.execute(
        select(t.work_item_id, t.at, t.from_status, t.to_status, t.category)
        .where(t.work_item_id.in_(ids))
        .order_by(t.work_item_id, t.at, t.id)
    ):
        statuses[item_id].append(StatusChange(at, old, new, _CATEGORIES[category]))
    for item_id, at, before, after in session.execute(
        select(d.work_item_id, d.at, d.from_date, d.to_date)
        .where(d.work_item_id.in_(ids))
        .order_by(d.work_item_id, d.at, d.id)
    ):
        dues[item_id].append(DueDateChange(at, before, after))
    for item_id, team in session.execute(
        select(c.work_item_id, c.team)
        .where(c.work_item_id.in_(ids))
        .order_by(c.work_item_id, c.at, c.id)
    ):
        teams[item_id].append(team)
    return statuses, dues, teams


@without_cycle_collection
def load_pull_requests(
    session: Session,
    *,
    repo: str | None = None,
    feature: str | None = None,
    since: datetime | None = None,
) -> list[PullRequestFacts]:
    """Pull requests as facts; ``since`` keeps those open or closed at or after it."""
    query = select(PullRequest, Feature.key).outerjoin(
        Feature, PullRequest.feature_id == Feature.id
    )
    if repo is not None:
        query = query.where(PullRequest.repo == repo)
    if feature is not None:
        query = query.where(Feature.key == feature)
    if since is not None:
        query = query.where(or_(PullRequest.closed_at.is_(None), PullRequest.closed_at >= since))
    return [
        PullRequestFacts(
            repo=pull.repo,
            number=pull.number,
            author=pull.author,
            created_at=pull.created_at,
            first_commit_at=pull.first_commit_at,
            first_review_at=pull.first_review_at,
            merged_at=pull.merged_at,
            closed_at=pull.closed_at,
            merge_sha=pull.merge_sha,
            feature=feature_key,
        )
        for pull, feature_key in session.execute(query.order_by(PullRequest.created_at))
    ]


def load_deployments(
    session: Session, *, repo: str | None = None, since: datetime | None = None
) -> list[DeploymentFacts]:
    """Deployments as facts, from the best origin each repository has (GitHub deployments,
    else deploy CI runs, else releases, else tags)."""
    query = select(Deployment).order_by(Deployment.started_at, Deployment.id)
    if repo is not None:
        query = query.where(Deployment.repo == repo)
    if since is not None:
        query = query.where(Deployment.started_at >= since)
    rows = list(session.execute(query).scalars())
    best = _best_origins(session, {row.repo for row in rows})
    return [
        DeploymentFacts(
            key=f"{row.repo}/{row.external_id}",
            repo=row.repo,
            environment=row.environment,
            started_at=row.started_at,
            finished_at=row.finished_at,
            succeeded=row.succeeded,
            production=row.production,
            sha=row.sha,
            commits=frozenset(row.commits),
        )
        for row in rows
        if best.get(row.repo) == row.origin
    ]


def _best_origins(session: Session, repos: Sequence[str] | set[str]) -> dict[str, str]:
    query = (
        select(Deployment.repo, Deployment.origin)
        .where(Deployment.repo.in_(list(repos)), Deployment.succeeded, Deployment.production)
        .distinct()
    )
    present: dict[str, set[str]] = defaultdict(set)
    for repo, origin in session.execute(query):
        present[repo].add(origin)
    return {
        repo: next(origin for origin in ORIGINS if origin in origins)
        for repo, origins in present.items()
    }


def load_incidents(
    session: Session, *, repo: str | None = None, since: datetime | None = None
) -> list[IncidentFacts]:
    """Incidents as facts; ``since`` keeps those open or resolved at or after it."""
    query = select(Incident).order_by(Incident.created_at, Incident.id)
    if repo is not None:
        query = query.where(Incident.repo == repo)
    if since is not None:
        query = query.where(or_(Incident.resolved_at.is_(None), Incident.resolved_at >= since))
    return [
        IncidentFacts(
            key=row.key, repo=row.repo, created_at=row.created_at, resolved_at=row.resolved_at
        )
        for row in session.execute(query).scalars()
    ]

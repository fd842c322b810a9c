"""What delivery data exists: the teams work items belong to and the sources they came from,
with record counts — what the team picker, the sources list and the empty states need."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from prodloop.delivery.models import DeliverySource, Deployment, Incident, PullRequest, WorkItem
from prodloop.delivery.schemas import SourceConfig, SourceKind
from prodloop.delivery.workflow import source_config
from prodloop.ledger.errors import NotFoundError
from prodloop.ledger.models import Team


class DeliveryTeam(BaseModel):
    """A team as delivery sees it: a ledger team, or a team name only a source knows."""

    key: str
    name: str
    in_ledger: bool
    work_items: int = 0
    open_items: int = 0


def delivery_teams(session: Session) -> list[DeliveryTeam]:
    """Ledger teams and source-only team names, busiest first (teams with no items last)."""
    team_key = case((WorkItem.team_id.is_not(None), Team.key), else_=WorkItem.team)
    is_open = case((WorkItem.done_at.is_(None) & ~WorkItem.cancelled, 1), else_=0)
    query = (
        select(team_key, func.count(), func.sum(is_open))
        .select_from(WorkItem)
        .outerjoin(Team, WorkItem.team_id == Team.id)
        .where(team_key.is_not(None))
        .group_by(team_key)
    )
    counts = {key: (int(total), int(open_ or 0)) for key, total, open_ in session.execute(query)}
    teams = []
    for key, name in session.execute(select(Team.key, Team.name)):
        total, open_ = counts.pop(key, (0, 0))
        teams.append(
            DeliveryTeam(key=key, name=name, in_ledger=True, work_items=total, open_items=open_)
        )
    teams.extend(
        DeliveryTeam(key=key, name=key, in_ledger=False, work_items=total, open_items=open_)
        for key, (total, open_) in counts.items()
    )
    return sorted(teams, key=lambda t: (-t.work_items, t.name.lower()))


def find_team(session: Session, key: str) -> DeliveryTeam:
    """The delivery team called ``key`` (ledger key or source team name, any case)."""
    wanted = key.strip().lower()
    for team in delivery_teams(session):
        if wanted in {team.key.lower(), team.name.lower()}:
            return team
    raise NotFoundError(f"no team {key!r} in the ledger or in imported work items", field="team")


class SourceOut(BaseModel):
    """A delivery source: where its records came from, its mapping and what it holds."""

    id: int
    kind: SourceKind
    name: str
    last_imported_at: datetime | None
    created_at: datetime
    config: SourceConfig
    records: dict[str, int] = Field(
        description="Stored records by kind: work_items, pull_requests, deployments, incidents."
    )


_COUNTED: dict[str, Any] = {
    "work_items": WorkItem.source_id,
    "pull_requests": PullRequest.source_id,
    "deployments": Deployment.source_id,
    "incidents": Incident.source_id,
}


def record_counts(session: Session) -> dict[int, dict[str, int]]:
    """Per source id, how many records of each kind it holds."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTED, 0))
    for name, source_id_column in _COUNTED.items():
        query = select(source_id_column, func.count()).group_by(source_id_column)
        for source_id, count in session.execute(query):
            counts[source_id][name] = int(count)
    return counts


def source_out(source: DeliverySource, records: dict[str, int] | None = None) -> SourceOut:
    """The API shape of ``source`` (its config with every default filled in)."""
    return SourceOut(
        id=source.id,
        kind=SourceKind(source.kind),
        name=source.name,
        last_imported_at=source.last_imported_at,
        created_at=source.created_at,
        config=source_config(source.config),
        records=records or dict.fromkeys(_COUNTED, 0),
    )


def source_overview(session: Session) -> list[SourceOut]:
    """Every source with its record counts, by kind and name."""
    counts = record_counts(session)
    query = select(DeliverySource).order_by(DeliverySource.kind, DeliverySource.name)
    return [source_out(s, counts.get(s.id)) for s in session.execute(query).scalars()]


def get_source_by_id(session: Session, source_id: int) -> DeliverySource:
    """The source with ``source_id``."""
    source = session.get(DeliverySource, source_id)
    if source is None:
        raise NotFoundError(f"no delivery source with id {source_id}", field="source")
    return source


def merge_config(source: DeliverySource, changes: SourceConfig) -> SourceConfig:
    """The source's config with the top-level fields ``changes`` was given replaced."""
    current = source_config(source.config).model_dump()
    current.update(changes.model_dump(include=changes.model_fields_set))
    return SourceConfig.model_validate(current)


def has_delivery_data(session: Session) -> bool:
    """Whether any work item has been imported."""
    return session.execute(select(WorkItem.id).limit(1)).first() is not None

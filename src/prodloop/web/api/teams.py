"""/api/v1/teams."""

from __future__ import annotations

from fastapi import APIRouter, status

from prodloop.ledger import service
from prodloop.ledger.schemas import Page, TeamIn, TeamOut, TeamUpdate
from prodloop.web.api.common import Deleted, ListingParams, Search, page_of
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/teams", tags=["teams"])


@router.get("", response_model=Page[TeamOut])
def list_teams(db: DbSession, _: Reader, listing: ListingParams, q: Search = None) -> Page[TeamOut]:
    """Teams, searched and paged."""
    return page_of(service.list_teams(db, q=q, listing=listing), TeamOut)


@router.post("", response_model=TeamOut, status_code=status.HTTP_201_CREATED)
def create_team(data: TeamIn, db: DbSession, who: Writer) -> TeamOut:
    """Add a team."""
    team = service.create_team(db, data, actor=who.actor)
    db.commit()
    return TeamOut.model_validate(team)


@router.get("/{key}", response_model=TeamOut)
def get_team(key: str, db: DbSession, _: Reader) -> TeamOut:
    """One team."""
    return TeamOut.model_validate(service.get_team(db, key))


@router.patch("/{key}", response_model=TeamOut)
def update_team(key: str, data: TeamUpdate, db: DbSession, who: Writer) -> TeamOut:
    """Rename or describe a team."""
    team = service.update_team(db, service.get_team(db, key), data, actor=who.actor)
    db.commit()
    return TeamOut.model_validate(team)


@router.delete("/{key}", response_model=Deleted)
def delete_team(key: str, db: DbSession, who: Writer, reason: str | None = None) -> Deleted:
    """Remove a team."""
    service.delete_team(db, service.get_team(db, key), actor=who.actor, reason=reason)
    db.commit()
    return Deleted(deleted=key)

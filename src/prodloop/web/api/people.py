"""/api/v1/people (addressed by database id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from prodloop.ledger import service
from prodloop.ledger.schemas import Page, PersonIn, PersonOut, PersonUpdate
from prodloop.web.api.common import Deleted, ListingParams, Search, page_of
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/people", tags=["people"])


@router.get("", response_model=Page[PersonOut])
def list_people(
    db: DbSession,
    _: Reader,
    listing: ListingParams,
    q: Search = None,
    team: Annotated[str | None, Query(description="Team key.")] = None,
) -> Page[PersonOut]:
    """People, filtered by team, searched and paged."""
    return page_of(service.list_people(db, team=team, q=q, listing=listing), PersonOut)


@router.post("", response_model=PersonOut, status_code=status.HTTP_201_CREATED)
def create_person(data: PersonIn, db: DbSession, who: Writer) -> PersonOut:
    """Add a person."""
    person = service.create_person(db, data, actor=who.actor)
    db.commit()
    return PersonOut.model_validate(person)


@router.get("/{person_id}", response_model=PersonOut)
def get_person(person_id: int, db: DbSession, _: Reader) -> PersonOut:
    """One person."""
    return PersonOut.model_validate(service.get_person_by_id(db, person_id))


@router.patch("/{person_id}", response_model=PersonOut)
def update_person(person_id: int, data: PersonUpdate, db: DbSession, who: Writer) -> PersonOut:
    """Change a person's details or team."""
    person = service.update_person(
        db, service.get_person_by_id(db, person_id), data, actor=who.actor
    )
    db.commit()
    return PersonOut.model_validate(person)


@router.delete("/{person_id}", response_model=Deleted)
def delete_person(person_id: int, db: DbSession, who: Writer, reason: str | None = None) -> Deleted:
    """Remove a person; features they owned become unowned."""
    person = service.get_person_by_id(db, person_id)
    service.delete_person(db, person, actor=who.actor, reason=reason)
    db.commit()
    return Deleted(deleted=str(person_id))

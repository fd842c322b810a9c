"""People: the directory, one person's page (features owned, audit trail), adding someone."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.models import Feature
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import FeatureOut, Page, PersonIn, PersonOut
from prodloop.web.deps import Writer
from prodloop.web.pages import lookups
from prodloop.web.pages.forms import (
    ALL,
    FormErrors,
    Option,
    TypedForm,
    blank,
    build,
    ledger_errors,
    team_options,
)
from prodloop.web.pages.history import Trail, trail_of
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()


class PersonForm(TypedForm):
    """The "add person" form as typed."""

    name: str = ""
    email: str = ""
    role: str = ""
    team: str = ""

    def to_create(self) -> PersonIn:
        """The person this form describes, or FormErrors."""
        data = {"name": self.name, "email": self.email, "role": self.role, "team": blank(self.team)}
        return build(lambda: PersonIn.model_validate(data))


class PersonRow(PersonOut):
    """A directory row: the person and how many features they own."""

    features: int


class PeopleFilters(BaseModel):
    """The directory's search, team filter, sort and page."""

    q: str | None = None
    team: str | None = None
    sort: str = "name"
    page: int = 1


class PeoplePage(BaseModel):
    """The people directory, and the "add person" form."""

    filters: PeopleFilters
    people: Page[PersonRow]
    teams: list[Option]
    form: PersonForm
    errors: dict[str, str] = {}
    error: str | None = None


class PersonPage(BaseModel):
    """One person: who they are, what they own, what changed."""

    person: PersonOut
    features: list[FeatureOut]
    audit: Trail


def people_page(
    view: Layout,
    filters: PeopleFilters,
    *,
    form: PersonForm | None = None,
    errors: dict[str, str] | None = None,
) -> PeoplePage:
    """Build the directory for ``filters``; a refused filter becomes ``error``."""
    owned = lookups.feature_counts(view.db, Feature.owner_id)
    error = None
    try:
        paged = service.list_people(
            view.db,
            team=filters.team,
            q=filters.q,
            listing=Listing(sort=filters.sort, page=filters.page),
        )
        rows = [
            PersonRow(**PersonOut.model_validate(p).model_dump(), features=owned.get(p.id, 0))
            for p in paged.items
        ]
        people = Page[PersonRow](
            items=rows, total=paged.total, page=paged.page, per_page=paged.per_page
        )
    except LedgerError as refused:
        error = refused.message
        people = Page[PersonRow](items=[], total=0, page=1, per_page=50)
    return PeoplePage(
        filters=filters,
        people=people,
        teams=team_options(view.db),
        form=form or PersonForm(),
        errors=errors or {},
        error=error,
    )


@router.get("/people")
def people(
    view: PageLayout,
    q: str = "",
    team: str = "",
    sort: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The people directory."""
    filters = PeopleFilters(q=q.strip() or None, team=team or None, sort=sort or "name", page=page)
    data = people_page(view, filters)
    return view.render(
        "people/list.html", data, section="people", status_code=422 if data.error else 200
    )


@router.post("/people/new")
def add_person(view: PageLayout, who: Writer, form: Annotated[PersonForm, Form()]) -> Response:
    """Add the person the form describes."""
    try:
        person = service.create_person(view.db, form.to_create(), actor=who.actor)
    except FormErrors as invalid:
        errors = invalid.errors
    except LedgerError as refused:
        errors = ledger_errors(refused, set(PersonForm.model_fields))
    else:
        view.db.commit()
        return redirect(view.request, f"/people/{person.id}", f"Added {person.name}.")
    view.db.rollback()
    data = people_page(view, PeopleFilters(), form=form, errors=errors)
    return view.render("people/list.html", data, section="people", status_code=422)


@router.get("/people/{person_id}")
def person(person_id: int, view: PageLayout) -> Response:
    """One person's page."""
    record = service.get_person_by_id(view.db, person_id)
    owned = service.list_features(view.db, owner=record.email, listing=ALL).items
    data = PersonPage(
        person=PersonOut.model_validate(record),
        features=[FeatureOut.model_validate(f) for f in owned],
        audit=trail_of(view.db, "person", record.id, tz=view.time_zone),
    )
    return view.render("people/detail.html", data, section="people")

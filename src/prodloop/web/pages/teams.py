"""Teams (list, one team's members and features) and product areas, with their add forms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.ledger import service
from prodloop.ledger.models import Feature
from prodloop.ledger.schemas import (
    FeatureOut,
    PersonOut,
    ProductAreaIn,
    ProductAreaOut,
    TeamIn,
    TeamOut,
)
from prodloop.ledger.stages import Stage
from prodloop.web.deps import Writer
from prodloop.web.pages import lookups
from prodloop.web.pages.forms import ALL, TypedForm, attempt, build
from prodloop.web.pages.history import Trail, trail_of
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()


class KeyedForm(TypedForm):
    """The add form of a team or a product area: key, name, description."""

    key: str = ""
    name: str = ""
    description: str = ""


class TeamRow(TeamOut):
    """A team with its head count and feature count."""

    members: int
    features: int


class TeamsPage(BaseModel):
    """Every team, and the "add team" form."""

    teams: list[TeamRow]
    form: KeyedForm
    errors: dict[str, str] = {}


class StageCount(BaseModel):
    """How many of a team's features sit in one stage."""

    stage: Stage
    count: int


class TeamPage(BaseModel):
    """One team: members, features (with a per-stage count) and audit trail."""

    team: TeamOut
    members: list[PersonOut]
    features: list[FeatureOut]
    stages: list[StageCount]
    audit: Trail


class AreaRow(ProductAreaOut):
    """A product area with its feature count."""

    features: int


class AreaPage(BaseModel):
    """One product area: its features (with a per-stage count) and audit trail."""

    area: ProductAreaOut
    features: list[FeatureOut]
    stages: list[StageCount]
    audit: Trail


class AreasPage(BaseModel):
    """Every product area, and the "add area" form."""

    areas: list[AreaRow]
    form: KeyedForm
    errors: dict[str, str] = {}


def teams_page(
    view: Layout, *, form: KeyedForm | None = None, errors: dict[str, str] | None = None
) -> TeamsPage:
    """Build the teams list."""
    members = lookups.team_member_counts(view.db)
    features = lookups.feature_counts(view.db, Feature.team_id)
    rows = [
        TeamRow(
            **TeamOut.model_validate(t).model_dump(),
            members=members.get(t.id, 0),
            features=features.get(t.id, 0),
        )
        for t in service.list_teams(view.db, listing=ALL).items
    ]
    return TeamsPage(teams=rows, form=form or KeyedForm(), errors=errors or {})


@router.get("/teams")
def teams(view: PageLayout) -> Response:
    """Every team."""
    return view.render("teams/list.html", teams_page(view), section="teams")


@router.post("/teams/new")
def add_team(view: PageLayout, who: Writer, form: Annotated[KeyedForm, Form()]) -> Response:
    """Add the team the form describes."""

    def create() -> None:
        data = {"key": form.key, "name": form.name, "description": form.description}
        service.create_team(view.db, build(lambda: TeamIn.model_validate(data)), actor=who.actor)

    errors = attempt(create, set(KeyedForm.model_fields))
    if errors is None:
        view.db.commit()
        return redirect(view.request, f"/teams/{form.key}", f"Added team {form.name}.")
    view.db.rollback()
    return view.render(
        "teams/list.html",
        teams_page(view, form=form, errors=errors),
        section="teams",
        status_code=422,
    )


def stage_counts(features: list[Feature]) -> list[StageCount]:
    """How many of ``features`` sit in each stage, leaving out empty stages."""
    counts = dict.fromkeys(Stage, 0)
    for feature in features:
        counts[Stage(feature.stage)] += 1
    return [StageCount(stage=s, count=c) for s, c in counts.items() if c]


@router.get("/teams/{key}")
def team(key: str, view: PageLayout) -> Response:
    """One team's page."""
    record = service.get_team(view.db, key)
    features = service.list_features(view.db, team=key, listing=ALL).items
    members = service.list_people(view.db, team=key, listing=ALL).items
    data = TeamPage(
        team=TeamOut.model_validate(record),
        members=[PersonOut.model_validate(p) for p in members],
        features=[FeatureOut.model_validate(f) for f in features],
        stages=stage_counts(features),
        audit=trail_of(view.db, "team", record.id, tz=view.time_zone),
    )
    return view.render("teams/detail.html", data, section="teams")


def areas_page(
    view: Layout, *, form: KeyedForm | None = None, errors: dict[str, str] | None = None
) -> AreasPage:
    """Build the product areas list."""
    features = lookups.feature_counts(view.db, Feature.product_area_id)
    rows = [
        AreaRow(**ProductAreaOut.model_validate(a).model_dump(), features=features.get(a.id, 0))
        for a in service.list_product_areas(view.db, listing=ALL).items
    ]
    return AreasPage(areas=rows, form=form or KeyedForm(), errors=errors or {})


@router.get("/product-areas")
def product_areas(view: PageLayout) -> Response:
    """Every product area."""
    return view.render("areas/list.html", areas_page(view), section="areas")


@router.post("/product-areas/new")
def add_product_area(view: PageLayout, who: Writer, form: Annotated[KeyedForm, Form()]) -> Response:
    """Add the product area the form describes."""

    def create() -> None:
        data = {"key": form.key, "name": form.name, "description": form.description}
        area = build(lambda: ProductAreaIn.model_validate(data))
        service.create_product_area(view.db, area, actor=who.actor)

    errors = attempt(create, set(KeyedForm.model_fields))
    if errors is None:
        view.db.commit()
        return redirect(view.request, "/product-areas", f"Added product area {form.name}.")
    view.db.rollback()
    return view.render(
        "areas/list.html",
        areas_page(view, form=form, errors=errors),
        section="areas",
        status_code=422,
    )


@router.get("/product-areas/{key}")
def product_area(key: str, view: PageLayout) -> Response:
    """One product area's page."""
    record = service.get_product_area(view.db, key)
    features = service.list_features(view.db, product_area=key, listing=ALL).items
    data = AreaPage(
        area=ProductAreaOut.model_validate(record),
        features=[FeatureOut.model_validate(f) for f in features],
        stages=stage_counts(features),
        audit=trail_of(view.db, "product_area", record.id, tz=view.time_zone),
    )
    return view.render("areas/detail.html", data, section="areas")

"""One feature's page (fields, delivery, stage timeline, audit trail) and the forms that change it.

Every form posts to its own URL and answers with a 303 back to the feature page and a
flash message; a refusal shows the page again (422) with the user's text and the error
next to the field it concerns.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from prodloop.delivery.report import feature_delivery
from prodloop.delivery.report_schemas import FeatureDelivery
from prodloop.feedback.demand import DemandProfile, demand_profile
from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.models import Feature
from prodloop.ledger.schemas import FeatureDetail, FeatureIn, FeatureUpdate
from prodloop.ledger.stages import Stage, needs_reason, parse_stage
from prodloop.web.deps import Writer
from prodloop.web.pages.adoption import AdoptionSection, adoption_section
from prodloop.web.pages.forms import (
    FormErrors,
    Option,
    TypedForm,
    area_options,
    blank,
    build,
    join_links,
    ledger_errors,
    person_options,
    split_links,
    split_tags,
    stage_options,
    team_options,
)
from prodloop.web.pages.history import Trail, trail_of
from prodloop.web.pages.layout import Layout, PageLayout, redirect
from prodloop.web.pages.ledger import is_overdue

router = APIRouter()


class FeatureForm(TypedForm):
    """The feature form as typed: every field text, so nothing typed is lost on an error."""

    key: str = ""
    title: str = ""
    description: str = ""
    product_area: str = ""
    owner: str = ""
    team: str = ""
    stage: str = Stage.IDEA.value
    target_date: str = ""
    launch_date: str = ""
    tags: str = ""
    links: str = ""
    reason: str = ""

    @classmethod
    def of(cls, feature: Feature) -> FeatureForm:
        """The form pre-filled from ``feature``."""
        return cls(
            key=feature.key,
            title=feature.title,
            description=feature.description,
            product_area=feature.product_area.key if feature.product_area else "",
            owner=feature.owner.email if feature.owner else "",
            team=feature.team.key if feature.team else "",
            stage=feature.stage,
            target_date=feature.target_date.isoformat() if feature.target_date else "",
            launch_date=feature.launch_date.isoformat() if feature.launch_date else "",
            tags=", ".join(feature.tags),
            links=join_links(feature.links),
        )

    def _common(self) -> dict[str, object]:
        return {
            "title": self.title,
            "description": self.description,
            "product_area": blank(self.product_area),
            "owner": blank(self.owner),
            "team": blank(self.team),
            "target_date": blank(self.target_date),
            "launch_date": blank(self.launch_date),
            "tags": split_tags(self.tags),
            "links": split_links(self.links),
        }

    def to_create(self) -> FeatureIn:
        """The new feature this form describes, or FormErrors."""
        data = {**self._common(), "key": self.key, "stage": self.stage}
        return build(lambda: FeatureIn.model_validate(data))

    def to_update(self) -> FeatureUpdate:
        """The changes this form describes (every field set), or FormErrors."""
        data = {**self._common(), "reason": blank(self.reason)}
        return build(lambda: FeatureUpdate.model_validate(data))


FIELDS = set(FeatureForm.model_fields)


class StageForm(TypedForm):
    """The "move stage" form."""

    stage: str = ""
    reason: str = ""


class FeatureOptions(BaseModel):
    """Choices for the feature form's selects."""

    product_areas: list[Option]
    owners: list[Option]
    teams: list[Option]
    stages: list[Option]


class FeaturePage(BaseModel):
    """One feature: its fields, stage history, audit trail and the forms that change it."""

    feature: FeatureDetail
    overdue: bool
    audit: Trail
    form: FeatureForm
    errors: dict[str, str] = {}
    stage_form: StageForm
    stage_errors: dict[str, str] = {}
    reason_required: bool
    options: FeatureOptions
    open_panel: str | None = None
    delivery: FeatureDelivery | None = None
    adoption: AdoptionSection | None = None
    who_asked: DemandProfile | None = None


class NewFeaturePage(BaseModel):
    """The "new feature" form."""

    form: FeatureForm
    errors: dict[str, str] = {}
    options: FeatureOptions


def _options(db: Session) -> FeatureOptions:
    return FeatureOptions(
        product_areas=area_options(db),
        owners=person_options(db),
        teams=team_options(db),
        stages=stage_options(),
    )


def _next_stage(current: Stage) -> Stage:
    """The move form's default: the next stage of the lifecycle (a retired feature: idea)."""
    stages = list(Stage)
    return stages[(current.order + 1) % len(stages)]


def feature_page(
    view: Layout,
    feature: Feature,
    *,
    form: FeatureForm | None = None,
    errors: dict[str, str] | None = None,
    stage_form: StageForm | None = None,
    stage_errors: dict[str, str] | None = None,
    open_panel: str | None = None,
) -> FeaturePage:
    """Build the feature page, optionally with a form as the user left it."""
    current = Stage(feature.stage)
    return FeaturePage(
        feature=FeatureDetail.model_validate(feature),
        overdue=is_overdue(feature.target_date, feature.stage, view.today),
        audit=trail_of(view.db, "feature", feature.id, tz=view.time_zone),
        form=form or FeatureForm.of(feature),
        errors=errors or {},
        stage_form=stage_form or StageForm(stage=_next_stage(current).value),
        stage_errors=stage_errors or {},
        reason_required=needs_reason(current, Stage.IDEA),
        options=_options(view.db),
        open_panel=open_panel,
        delivery=feature_delivery(view.db, feature.key, today=view.today, time_zone=view.time_zone),
        adoption=adoption_section(view, feature),
        who_asked=demand_profile(view.db, feature),
    )


def _show(view: Layout, page: BaseModel, *, status_code: int = 200) -> Response:
    return view.render("features/detail.html", page, section="ledger", status_code=status_code)


@router.get("/features/new")
def new_feature_form(view: PageLayout, who: Writer) -> Response:
    """The empty "new feature" form (editors and admins)."""
    page = NewFeaturePage(form=FeatureForm(), options=_options(view.db))
    return view.render("features/new.html", page, section="ledger")


@router.post("/features/new")
def create_feature(view: PageLayout, who: Writer, form: Annotated[FeatureForm, Form()]) -> Response:
    """Add the feature the form describes."""
    try:
        feature = service.create_feature(view.db, form.to_create(), actor=who.actor)
    except FormErrors as invalid:
        errors = invalid.errors
    except LedgerError as refused:
        errors = ledger_errors(refused, FIELDS)
    else:
        view.db.commit()
        return redirect(view.request, f"/features/{feature.key}", f"Added {feature.key}.")
    view.db.rollback()
    page = NewFeaturePage(form=form, errors=errors, options=_options(view.db))
    return view.render("features/new.html", page, section="ledger", status_code=422)


@router.get("/features/{key}")
def show_feature(key: str, view: PageLayout) -> Response:
    """The feature page."""
    return _show(view, feature_page(view, service.get_feature(view.db, key)))


@router.get("/features/{key}/edit")
def edit_feature_form(key: str, view: PageLayout, who: Writer) -> Response:
    """The feature page with its edit form open."""
    feature = service.get_feature(view.db, key)
    return _show(view, feature_page(view, feature, open_panel="edit"))


@router.post("/features/{key}/edit")
def edit_feature(
    key: str, view: PageLayout, who: Writer, form: Annotated[FeatureForm, Form()]
) -> Response:
    """Save the edit form."""
    feature = service.get_feature(view.db, key)
    try:
        service.update_feature(view.db, feature, form.to_update(), actor=who.actor)
    except FormErrors as invalid:
        errors = invalid.errors
    except LedgerError as refused:
        errors = ledger_errors(refused, FIELDS)
    else:
        view.db.commit()
        return redirect(view.request, f"/features/{key}", f"Saved {key}.")
    view.db.rollback()
    feature = service.get_feature(view.db, key)
    form.key = feature.key
    page = feature_page(view, feature, form=form, errors=errors, open_panel="edit")
    return _show(view, page, status_code=422)


@router.post("/features/{key}/stage")
def move_stage(
    key: str, view: PageLayout, who: Writer, form: Annotated[StageForm, Form()]
) -> Response:
    """Move the feature to another stage (a retired feature needs a reason to come back)."""
    feature = service.get_feature(view.db, key)
    errors: dict[str, str]
    try:
        stage = parse_stage(form.stage)
        service.set_stage(view.db, feature, stage, actor=who.actor, reason=blank(form.reason))
    except ValueError as invalid:
        errors = {"stage": str(invalid)}
    except LedgerError as refused:
        errors = ledger_errors(refused, {"stage", "reason"})
    else:
        view.db.commit()
        return redirect(view.request, f"/features/{key}", f"Moved {key} to {stage.label}.")
    view.db.rollback()
    feature = service.get_feature(view.db, key)
    page = feature_page(view, feature, stage_form=form, stage_errors=errors, open_panel="stage")
    return _show(view, page, status_code=422)


@router.post("/features/{key}/delete")
def delete_feature(
    key: str, view: PageLayout, who: Writer, reason: Annotated[str, Form()] = ""
) -> Response:
    """Remove the feature; the audit log keeps what it was."""
    feature = service.get_feature(view.db, key)
    service.delete_feature(view.db, feature, actor=who.actor, reason=blank(reason.strip()))
    view.db.commit()
    return redirect(view.request, "/features", f"Deleted {key}. The audit log keeps a copy.")

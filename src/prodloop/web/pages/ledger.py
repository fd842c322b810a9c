"""The feature ledger page (``/`` and ``/features``): pipeline, filters, sortable table.

Filters travel in the query string, so every view of the ledger is a shareable URL. HTMX
asks for just the results (``#ledger-results``) when a filter changes; the JSON twin
(``?format=json``) carries the same rows the table shows.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import FeatureOut, Page
from prodloop.ledger.stages import Stage, parse_stage
from prodloop.web.pages import lookups
from prodloop.web.pages.forms import Option, area_options, person_options, team_options
from prodloop.web.pages.layout import PageLayout, is_fragment

router = APIRouter()

RESULTS_ID = "ledger-results"
SORTABLE = ("key", "title", "stage", "target_date", "launch_date", "updated_at")
TRUE_WORDS = {"1", "true", "on", "yes"}


class LedgerFilters(BaseModel):
    """The ledger's filters, sort and page, as the URL carries them."""

    stage: list[Stage] = []
    product_area: str | None = None
    owner: str | None = None
    team: str | None = None
    tag: str | None = None
    unowned: bool = False
    q: str | None = None
    sort: str = "stage"
    page: int = 1
    per_page: int = 50

    @property
    def active(self) -> bool:
        """Whether anything narrows the ledger."""
        return bool(
            self.stage
            or self.product_area
            or self.owner
            or self.team
            or self.tag
            or self.unowned
            or self.q
        )


class FeatureRow(FeatureOut):
    """A ledger row: the feature, and whether its target date has slipped."""

    overdue: bool


class StageSlice(BaseModel):
    """One stage of the pipeline chart."""

    stage: Stage
    label: str
    count: int
    share: float  # percent of all features
    selected: bool


class LedgerOptions(BaseModel):
    """Choices for the filter selects."""

    product_areas: list[Option]
    owners: list[Option]
    teams: list[Option]
    tags: list[str]


class LedgerPage(BaseModel):
    """Everything the ledger page shows: the JSON twin of ``/features``."""

    filters: LedgerFilters
    features: Page[FeatureRow]
    pipeline: list[StageSlice]
    total_features: int
    options: LedgerOptions
    error: str | None = None
    error_field: str | None = None


def is_overdue(target_date: date | None, stage: str, today: date) -> bool:
    """Not yet in customers' hands and past its target date."""
    return target_date is not None and target_date < today and Stage(stage).order < Stage.BETA.order


def _pipeline(db: Session, selected: list[Stage]) -> tuple[list[StageSlice], int]:
    counts = service.stage_counts(db)
    total = sum(counts.values())
    slices = [
        StageSlice(
            stage=stage,
            label=stage.label,
            count=count,
            share=round(100 * count / total, 2) if total else 0.0,
            selected=stage in selected,
        )
        for stage, count in counts.items()
    ]
    return slices, total


def _filters(
    stage: list[str],
    product_area: str,
    owner: str,
    team: str,
    tag: str,
    unowned: str,
    q: str,
    sort: str,
    page: int,
    per_page: int,
) -> tuple[LedgerFilters, LedgerError | None]:
    stages: list[Stage] = []
    problem: LedgerError | None = None
    for value in stage:
        if not value:
            continue
        try:
            stages.append(parse_stage(value))
        except ValueError as exc:
            problem = LedgerError(str(exc), field="stage")
    filters = LedgerFilters(
        stage=stages,
        product_area=product_area or None,
        owner=owner or None,
        team=team or None,
        tag=tag or None,
        unowned=unowned.lower() in TRUE_WORDS,
        q=q.strip() or None,
        sort=sort or "stage",
        page=page,
        per_page=per_page,
    )
    return filters, problem


def ledger_page(db: Session, filters: LedgerFilters, *, today: date) -> LedgerPage:
    """Build the ledger page for ``filters``; a filter the ledger refuses becomes ``error``."""
    pipeline, total = _pipeline(db, filters.stage)
    options = LedgerOptions(
        product_areas=area_options(db),
        owners=person_options(db),
        teams=team_options(db),
        tags=lookups.feature_tags(db),
    )
    empty = Page[FeatureRow](items=[], total=0, page=filters.page, per_page=filters.per_page)
    try:
        paged = service.list_features(
            db,
            stages=filters.stage or None,
            product_area=filters.product_area,
            owner=filters.owner,
            team=filters.team,
            tag=filters.tag,
            unowned=filters.unowned,
            q=filters.q,
            listing=Listing(sort=filters.sort, page=filters.page, per_page=filters.per_page),
        )
    except LedgerError as refused:
        return LedgerPage(
            filters=filters,
            features=empty,
            pipeline=pipeline,
            total_features=total,
            options=options,
            error=refused.message,
            error_field=refused.field,
        )
    rows = [
        FeatureRow(
            **FeatureOut.model_validate(f).model_dump(),
            overdue=is_overdue(f.target_date, f.stage, today),
        )
        for f in paged.items
    ]
    features = Page[FeatureRow](
        items=rows, total=paged.total, page=paged.page, per_page=paged.per_page
    )
    return LedgerPage(
        filters=filters, features=features, pipeline=pipeline, total_features=total, options=options
    )


@router.get("/")
@router.get("/features")
def ledger(
    view: PageLayout,
    stage: Annotated[list[str] | None, Query()] = None,
    product_area: str = "",
    owner: str = "",
    team: str = "",
    tag: str = "",
    unowned: str = "",
    q: str = "",
    sort: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """The ledger, filtered; just the results table when HTMX asks for it."""
    filters, problem = _filters(
        stage or [], product_area, owner, team, tag, unowned, q, sort, page, per_page
    )
    data = ledger_page(view.db, filters, today=view.today)
    if problem is not None:
        data.error, data.error_field = problem.message, problem.field
    fragment = is_fragment(view.request, RESULTS_ID)
    template = "features/_results.html" if fragment else "features/list.html"
    # HTMX only swaps successful responses; the banner explains a refused filter either way.
    status = 422 if data.error and not fragment else 200
    return view.render(template, data, section="ledger", status_code=status, sortable=SORTABLE)

"""/api/v1/feedback: ingestion, the triage inbox, duplicates, feature links, demand, requests.

Sending feedback (``POST /feedback/items``) takes an API token with write scope, so a
support tool or a script can push items; re-sending an item with the same ``external_id``
never duplicates it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from prodloop.feedback import requests as ops
from prodloop.feedback import service, themes_store, understand
from prodloop.feedback.demand import DemandProfile, demand_profile
from prodloop.feedback.ingest.files import FORMATS
from prodloop.feedback.ingest.importer import ImportRejected
from prodloop.feedback.ingest.layouts import LAYOUTS
from prodloop.feedback.loop import NotificationOut, outbox
from prodloop.feedback.models import FeatureLink, FeedbackForm
from prodloop.feedback.schemas import FeedbackIn, ImportSummary, ItemOut, RowProblem
from prodloop.feedback.understanding import Embedder
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import RuleError
from prodloop.ledger.schemas import Page
from prodloop.store.base import utcnow
from prodloop.web.api.common import ListingParams, page_of
from prodloop.web.deps import AppSettings, DbSession, Reader, Writer

router = APIRouter(prefix="/feedback", tags=["feedback"])


def feedback_embedder(db: DbSession, settings: AppSettings) -> Embedder:
    """The embedder the settings ask for (``PRODLOOP_FEEDBACK_EMBEDDER``)."""
    return understand.embedder_for(db, settings.feedback_embedder)


Embedding = Annotated[Embedder, Depends(feedback_embedder)]


class ImportRejectedOut(BaseModel):
    """Why an import wrote nothing."""

    error: dict[str, str | None]
    problems: list[RowProblem]


class MergeIn(BaseModel):
    """Fold an item into the original it duplicates."""

    into: int


class LinkDecision(BaseModel):
    """A person's verdict on whether an item or theme is about a feature."""

    feature: str = Field(description="Feature key.")
    item_id: int | None = None
    theme_id: int | None = None
    confirm: bool = True


class ThemeChange(BaseModel):
    """A person's edit of a theme: a new name, or pinned / unpinned."""

    label: str | None = None
    pinned: bool | None = None


class ThemeMerge(BaseModel):
    """Themes to fold into this one."""

    themes: list[int] = Field(min_length=1)


class LinkOut(BaseModel):
    """A suggested, confirmed or rejected link."""

    id: int
    feature: str
    feature_title: str
    item_id: int | None
    theme_id: int | None
    status: str
    score: float
    reason: str
    decided_by: str | None
    decided_at: datetime | None


def link_out(link: FeatureLink) -> LinkOut:
    """A link as the API shows it."""
    return LinkOut(
        id=link.id,
        feature=link.feature.key,
        feature_title=link.feature.title,
        item_id=link.item_id,
        theme_id=link.theme_id,
        status=link.status,
        score=link.score,
        reason=link.reason,
        decided_by=link.decided_by,
        decided_at=link.decided_at,
    )


@router.get("/items", response_model=Page[ItemOut])
def list_items(
    db: DbSession,
    _: Reader,
    listing: ListingParams,
    channel: str | None = None,
    segment: str | None = None,
    sentiment: str | None = None,
    kind: Annotated[str | None, Query(description="bug, request, complaint, praise…")] = None,
    theme: Annotated[int | None, Query(description="Theme id.")] = None,
    unlinked: bool = False,
    status_: Annotated[str | None, Query(alias="status")] = None,
    q: str | None = None,
) -> Page[ItemOut]:
    """The triage inbox: items filtered by channel, segment, sentiment, type, theme, links."""
    filters = service.InboxFilters(
        channel=channel,
        segment=segment,
        sentiment=sentiment,
        kind=kind,
        theme_id=theme,
        unlinked=unlinked,
        status=status_,
        q=q,
    )
    return page_of(service.inbox(db, filters, listing), ItemOut)


@router.post("/items", response_model=ImportSummary, status_code=status.HTTP_201_CREATED)
def send_items(
    items: Annotated[list[FeedbackIn], Field(min_length=1, max_length=1000)],
    db: DbSession,
    _: Writer,
    embedder: Embedding,
) -> ImportSummary:
    """Store feedback items sent by another tool (up to 1,000 per call)."""
    summary = service.submit_items(db, items, source="api")
    understand.after_ingest(db, summary.item_ids, embedder=embedder)
    db.commit()
    return summary


@router.post(
    "/imports",
    response_model=ImportSummary,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"model": ImportRejectedOut}},
)
async def import_export(
    request: Request,
    db: DbSession,
    _: Writer,
    embedder: Embedding,
    source: Annotated[str, Query(description=f"One of: {', '.join(LAYOUTS)}.")],
    format_: Annotated[Literal["csv", "json", "ndjson"], Query(alias="format")] = "csv",
) -> ImportSummary | JSONResponse:
    """Import an export file sent as the request body; a malformed row rejects it whole."""
    if source not in LAYOUTS:
        raise RuleError(f"unknown source {source!r}", field="source")
    if format_ not in FORMATS:
        raise RuleError(f"unknown format {format_!r}", field="format")
    from prodloop.feedback.ingest.files import decode

    try:
        summary = service.import_text(db, decode(await request.body()), source=source, fmt=format_)
    except ImportRejected as rejected:
        return JSONResponse(
            status_code=422,
            content={
                "error": {"code": "malformed_rows", "message": str(rejected), "field": "body"},
                "problems": [p.model_dump() for p in rejected.problems],
            },
        )
    except (ValueError, UnicodeDecodeError) as bad:
        raise RuleError(str(bad), field="body") from None
    understand.after_ingest(db, summary.item_ids, embedder=embedder)
    db.commit()
    return summary


@router.get("/items/{item_id}", response_model=ItemOut)
def get_item(item_id: int, db: DbSession, _: Reader) -> ItemOut:
    """One item."""
    return ItemOut.model_validate(service.get_item(db, item_id))


@router.post("/items/{item_id}/merge", response_model=ItemOut)
def merge_item(item_id: int, data: MergeIn, db: DbSession, _: Writer) -> ItemOut:
    """Mark an item a duplicate of another; requesters and votes carry over."""
    original = service.merge_duplicate(
        db, service.get_item(db, item_id), service.get_item(db, data.into)
    )
    db.commit()
    return ItemOut.model_validate(original)


@router.get("/items/{item_id}/links", response_model=list[LinkOut])
def item_links(item_id: int, db: DbSession, _: Writer, embedder: Embedding) -> list[LinkOut]:
    """The item's links: fresh suggestions (ranked, scored, with a reason) and decisions."""
    item = service.get_item(db, item_id)
    understand.suggest_for_items(db, [item], embedder=embedder)
    db.commit()
    return [link_out(link) for link in service.links_of(db, item_id=item_id)]


@router.post("/links", response_model=LinkOut)
def decide_link(data: LinkDecision, db: DbSession, who: Writer) -> LinkOut:
    """Confirm or reject that an item or theme is about a feature."""
    link = service.decide_link(
        db,
        feature=ledger.get_feature(db, data.feature),
        confirm=data.confirm,
        actor=who.actor,
        item_id=data.item_id,
        theme_id=data.theme_id,
    )
    db.commit()
    return link_out(link)


@router.get("/features/{key}/demand", response_model=DemandProfile)
def feature_demand(key: str, db: DbSession, _: Reader) -> DemandProfile:
    """Who asked for a feature: requesters, accounts, ARR at stake by segment, trend, quotes."""
    return demand_profile(db, ledger.get_feature(db, key))


@router.get("/outbox", response_model=list[NotificationOut])
def list_outbox(db: DbSession, _: Reader, feature: str | None = None) -> list[NotificationOut]:
    """Messages queued for people who asked for a feature that has launched."""
    feature_id = ledger.get_feature(db, feature).id if feature else None
    return [NotificationOut.model_validate(m) for m in outbox(db, feature_id=feature_id)]


@router.get("/requests", response_model=list[ops.OpsRequestOut])
def list_requests(
    db: DbSession,
    _: Reader,
    team: ops.OpsTeam | None = None,
    include_closed: bool = False,
    overdue: bool = False,
    unowned: bool = False,
) -> list[ops.OpsRequestOut]:
    """Operational requests: overdue first, then unowned, then by due time."""
    return ops.list_requests(
        db,
        now=utcnow(),
        team=team,
        open_only=not include_closed,
        overdue=overdue,
        unowned=unowned,
    )


@router.post("/requests", response_model=ops.OpsRequestOut, status_code=201)
def create_request(data: ops.OpsRequestIn, db: DbSession, who: Writer) -> ops.OpsRequestOut:
    """Raise a request from support, sales or marketplace ops; its SLA follows its urgency."""
    request = ops.create_request(db, data, actor=who.actor)
    db.commit()
    return ops.request_out(request, utcnow())


@router.patch("/requests/{request_id}", response_model=ops.OpsRequestOut)
def update_request(
    request_id: int, data: ops.OpsRequestUpdate, db: DbSession, who: Writer
) -> ops.OpsRequestOut:
    """Change a request's status, owner, urgency or impact."""
    request = ops.update_request(db, ops.get_request(db, request_id), data, actor=who.actor)
    db.commit()
    return ops.request_out(request, utcnow())


@router.get("/search", response_model=list[understand.SearchHit])
def search(
    db: DbSession,
    _: Reader,
    embedder: Embedding,
    q: Annotated[str, Query(min_length=1, description="What to look for.")],
    semantic: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[understand.SearchHit]:
    """Keyword search over feedback; ``semantic=true`` adds search by meaning."""
    return understand.search_items(db, q, semantic=semantic, limit=limit, embedder=embedder)


@router.get("/themes", response_model=list[understand.ThemeSummary])
def list_themes(db: DbSession, _: Reader) -> list[understand.ThemeSummary]:
    """Themes with size, weekly trend, surge flag, accounts and ARR, largest first."""
    return understand.theme_summaries(db, now=utcnow())


@router.post("/themes/rebuild", response_model=dict[str, int])
def rebuild_themes(db: DbSession, _: Writer, embedder: Embedding) -> dict[str, int]:
    """Recluster every item; themes people renamed or pinned keep their id and members."""
    result = understand.rebuild_themes(db, embedder=embedder)
    db.commit()
    return {
        "themes": result.themes,
        "kept": result.kept,
        "created": result.created,
        "items": result.items,
    }


@router.patch("/themes/{theme_id}", response_model=list[understand.ThemeSummary])
def change_theme(
    theme_id: int, data: ThemeChange, db: DbSession, _: Writer
) -> list[understand.ThemeSummary]:
    """Rename or pin a theme."""
    theme = themes_store.get_theme(db, theme_id)
    if data.label is not None:
        themes_store.rename_theme(db, theme, data.label)
    if data.pinned is not None:
        themes_store.pin_theme(db, theme, data.pinned)
    db.commit()
    return [t for t in understand.theme_summaries(db, now=utcnow()) if t.id == theme_id]


@router.post("/themes/{theme_id}/merge", response_model=list[understand.ThemeSummary])
def merge_themes(
    theme_id: int, data: ThemeMerge, db: DbSession, _: Writer
) -> list[understand.ThemeSummary]:
    """Fold other themes into this one; their feature links move along."""
    into = themes_store.get_theme(db, theme_id)
    others = [themes_store.get_theme(db, other) for other in data.themes]
    themes_store.merge_themes(db, others, into)
    db.commit()
    return [t for t in understand.theme_summaries(db, now=utcnow()) if t.id == theme_id]


@router.post("/themes/{theme_id}/split", response_model=list[int])
def split_theme(
    theme_id: int, db: DbSession, _: Writer, parts: Annotated[int, Query(ge=2, le=6)] = 2
) -> list[int]:
    """Split a theme that mixes topics; returns the ids of the resulting themes."""
    made = themes_store.split_theme(db, themes_store.get_theme(db, theme_id), parts)
    db.commit()
    return [theme.id for theme in made]


class FormIn(BaseModel):
    """A new embeddable form."""

    name: str = Field(min_length=1, max_length=200)


class FormOut(BaseModel):
    """An embeddable form and the snippet that shows it."""

    key: str
    name: str
    url: str
    snippet: str


@router.get("/forms", response_model=list[FormOut])
def list_forms(request: Request, db: DbSession, _: Reader) -> list[FormOut]:
    """The embeddable feedback forms."""
    origin = str(request.base_url).rstrip("/")
    forms = db.scalars(select(FeedbackForm).order_by(FeedbackForm.id))
    return [_form_out(form, origin) for form in forms]


@router.post("/forms", response_model=FormOut, status_code=201)
def create_form(data: FormIn, request: Request, db: DbSession, _: Writer) -> FormOut:
    """Create a public form; paste its snippet into any web page."""
    from prodloop.web.pages.feedback_form import create_form as make

    form = make(db, data.name.strip())
    db.commit()
    return _form_out(form, str(request.base_url).rstrip("/"))


def _form_out(form: FeedbackForm, origin: str) -> FormOut:
    return FormOut(
        key=form.key,
        name=form.name,
        url=f"{origin}/f/{form.key}",
        snippet=f'<script src="{origin}/f/{form.key}/embed.js"></script>',
    )

"""The feedback hub's pages: the triage inbox, themes, one item, ops requests.

Filters travel in the query string, so every view is a shareable URL; each page's data is
a pydantic model, so ``?format=json`` gives its JSON twin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import func, select

from prodloop.feedback import requests as ops
from prodloop.feedback import service, themes_store, understand
from prodloop.feedback.models import FeedbackItem
from prodloop.feedback.schemas import ItemOut
from prodloop.feedback.understanding import KINDS, SENTIMENTS
from prodloop.ledger import service as ledger
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import Page
from prodloop.store.base import utcnow
from prodloop.web.api.feedback import LinkOut, link_out
from prodloop.web.deps import Writer
from prodloop.web.pages.layout import PageLayout, redirect

router = APIRouter()

Spec = dict[str, Any]
SEGMENTS = ("smb", "mid_market", "enterprise")


class InboxFilterValues(BaseModel):
    """The inbox filters as the URL carries them."""

    channel: str = ""
    segment: str = ""
    sentiment: str = ""
    kind: str = ""
    theme: int | None = None
    unlinked: bool = False
    q: str = ""
    sort: str = "-received_at"


class ThemeRef(BaseModel):
    """A theme in a filter list."""

    id: int
    label: str
    items: int
    surging: bool


class InboxPage(BaseModel):
    """``/feedback``: the triage inbox."""

    filters: InboxFilterValues
    items: Page[ItemOut]
    channels: dict[str, int]
    segments: list[str]
    sentiments: list[str]
    kinds: list[str]
    themes: list[ThemeRef]
    total_items: int
    unlinked: int
    overdue_requests: int
    error: str | None = None


def _int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@router.get("/feedback")
def inbox_page(
    view: PageLayout,
    channel: str = "",
    segment: str = "",
    sentiment: str = "",
    kind: str = "",
    theme: str = "",
    unlinked: str = "",
    q: str = "",
    sort: str = "-received_at",
    page: int = 1,
) -> Response:
    """The triage inbox, filtered by channel, segment, sentiment, type, theme and links."""
    db = view.db
    values = InboxFilterValues(
        channel=channel,
        segment=segment,
        sentiment=sentiment,
        kind=kind,
        theme=_int(theme),
        unlinked=unlinked in {"1", "true", "on"},
        q=q,
        sort=sort or "-received_at",
    )
    filters = service.InboxFilters(
        channel=channel or None,
        segment=segment or None,
        sentiment=sentiment or None,
        kind=kind or None,
        theme_id=values.theme,
        unlinked=values.unlinked,
        q=q or None,
    )
    error = None
    try:
        paged = service.inbox(db, filters, Listing(sort=values.sort, page=max(page, 1)))
    except LedgerError as refused:
        error = refused.message
        paged = service.inbox(db, filters, Listing())
    summaries = understand.theme_summaries(db, now=utcnow())
    data = InboxPage(
        filters=values,
        items=Page[ItemOut](
            items=[ItemOut.model_validate(i) for i in paged.items],
            total=paged.total,
            page=paged.page,
            per_page=paged.per_page,
        ),
        channels=service.channel_counts(db),
        segments=list(SEGMENTS),
        sentiments=list(SENTIMENTS),
        kinds=list(KINDS),
        themes=[
            ThemeRef(id=t.id, label=t.label, items=t.items, surging=t.surging) for t in summaries
        ],
        total_items=db.scalar(
            select(func.count())
            .select_from(FeedbackItem)
            .where(FeedbackItem.duplicate_of_id.is_(None))
        )
        or 0,
        unlinked=service.inbox(db, service.InboxFilters(unlinked=True), Listing(per_page=1)).total,
        overdue_requests=len(ops.list_requests(db, now=utcnow(), overdue=True)),
        error=error,
    )
    return view.render("feedback/inbox.html", data, section="feedback")


class ThemesPage(BaseModel):
    """``/feedback/themes``: every theme with size, trend and ARR."""

    themes: list[understand.ThemeSummary]
    chart: Spec | None = None


def trend_chart(themes: list[understand.ThemeSummary]) -> Spec | None:
    """Weekly items of the largest and the surging themes, as a Vega-Lite line chart."""
    shown = [t for t in themes if t.surging][:4] + [t for t in themes if not t.surging][:2]
    rows = [
        {"week": week, "items": count, "theme": t.label}
        for t in shown
        for week, count in zip(t.weeks, t.counts, strict=True)
    ]
    if not rows:
        return None
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 220,
        "data": {"values": rows},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "week", "type": "temporal", "title": "Week"},
            "y": {"field": "items", "type": "quantitative", "title": "Items"},
            "color": {"field": "theme", "type": "nominal", "title": "Theme"},
            "tooltip": [
                {"field": "theme"},
                {"field": "week", "type": "temporal"},
                {"field": "items"},
            ],
        },
    }


@router.get("/feedback/themes")
def themes_page(view: PageLayout) -> Response:
    """Themes, largest first, surging ones flagged, with the ARR behind each."""
    themes = understand.theme_summaries(view.db, now=utcnow())
    data = ThemesPage(themes=themes, chart=trend_chart(themes))
    return view.render("feedback/themes.html", data, section="feedback")


class ThemePage(BaseModel):
    """``/feedback/themes/{id}``: one theme."""

    theme: understand.ThemeSummary
    verbatims: list[ItemOut]
    links: list[LinkOut]
    chart: Spec | None = None


@router.get("/feedback/themes/{theme_id}")
def theme_page(theme_id: int, view: PageLayout) -> Response:
    """One theme: size, trend, ARR by segment, its top verbatims and feature links."""
    db = view.db
    themes_store.get_theme(db, theme_id)
    summary = next(
        (t for t in understand.theme_summaries(db, now=utcnow()) if t.id == theme_id), None
    )
    if summary is None:
        return redirect(view.request, "/feedback/themes", "That theme has no items any more.")
    paged = service.inbox(
        db, service.InboxFilters(theme_id=theme_id), Listing(sort="-votes", per_page=12)
    )
    data = ThemePage(
        theme=summary,
        verbatims=[ItemOut.model_validate(i) for i in paged.items],
        links=[link_out(link) for link in service.links_of(db, theme_id=theme_id)],
        chart=trend_chart([summary.model_copy(update={"surging": True})]),
    )
    return view.render("feedback/theme.html", data, section="feedback")


@router.post("/feedback/themes/{theme_id}/edit")
def edit_theme(
    theme_id: int,
    view: PageLayout,
    _: Writer,
    label: Annotated[str, Form()] = "",
    pinned: Annotated[str, Form()] = "",
) -> Response:
    """Rename or pin a theme from its page."""
    theme = themes_store.get_theme(view.db, theme_id)
    if label.strip() and label.strip() != theme.label:
        themes_store.rename_theme(view.db, theme, label)
    if pinned in {"0", "1"}:
        themes_store.pin_theme(view.db, theme, pinned == "1")
    view.db.commit()
    return redirect(view.request, f"/feedback/themes/{theme_id}", "Theme updated.")


class ItemPage(BaseModel):
    """``/feedback/items/{id}``: one item, its suggested features and duplicates."""

    item: ItemOut
    links: list[LinkOut]
    duplicates: list[ItemOut]


@router.get("/feedback/items/{item_id}")
def item_page(item_id: int, view: PageLayout) -> Response:
    """One item with ranked feature suggestions to confirm or reject."""
    db = view.db
    item = service.get_item(db, item_id)
    if not service.links_of(db, item_id=item_id) and view.who.can_write:
        preferred = view.request.app.state.settings.feedback_embedder
        understand.suggest_for_items(db, [item], embedder=understand.embedder_for(db, preferred))
        db.commit()
    dupes = db.scalars(select(FeedbackItem).where(FeedbackItem.duplicate_of_id == item_id))
    data = ItemPage(
        item=ItemOut.model_validate(item),
        links=[link_out(link) for link in service.links_of(db, item_id=item_id)],
        duplicates=[ItemOut.model_validate(d) for d in dupes],
    )
    return view.render("feedback/item.html", data, section="feedback")


@router.post("/feedback/items/{item_id}/link")
def decide_item_link(
    item_id: int,
    view: PageLayout,
    who: Writer,
    feature: Annotated[str, Form()],
    decision: Annotated[str, Form()] = "confirm",
) -> Response:
    """Confirm or reject a suggested feature for an item."""
    service.decide_link(
        view.db,
        feature=ledger.get_feature(view.db, feature),
        confirm=decision == "confirm",
        actor=who.actor,
        item_id=item_id,
    )
    view.db.commit()
    word = "Linked to" if decision == "confirm" else "Rejected"
    return redirect(view.request, f"/feedback/items/{item_id}", f"{word} {feature}.")


class RequestsPage(BaseModel):
    """``/feedback/requests``: operational requests and their SLA clocks."""

    requests: list[ops.OpsRequestOut]
    overdue: int
    unowned: int


@router.get("/feedback/requests")
def requests_page(view: PageLayout, include_closed: str = "") -> Response:
    """Requests from support, sales and marketplace ops: overdue and unowned first."""
    found = ops.list_requests(view.db, now=utcnow(), open_only=not include_closed)
    data = RequestsPage(
        requests=found,
        overdue=sum(r.overdue for r in found),
        unowned=sum(r.unowned for r in found),
    )
    return view.render("feedback/requests.html", data, section="feedback")

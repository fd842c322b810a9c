"""The audit log page: every change to the ledger, newest first, by record type or actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.ledger import service
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import Page
from prodloop.web.pages import lookups
from prodloop.web.pages.history import AuditItem, describe
from prodloop.web.pages.layout import PageLayout

router = APIRouter()

PER_PAGE = 50


class AuditFilters(BaseModel):
    """Which entries the log shows."""

    entity_type: str | None = None
    actor: str | None = None
    page: int = 1


class AuditPage(BaseModel):
    """One page of the audit log, and the choices for its filters."""

    filters: AuditFilters
    entries: Page[AuditItem]
    entity_types: list[str]
    actors: list[str]


@router.get("/audit")
def audit_log(
    view: PageLayout,
    entity_type: str = "",
    actor: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The whole audit log, paged."""
    filters = AuditFilters(entity_type=entity_type or None, actor=actor or None, page=page)
    paged = service.audit_trail(
        view.db,
        entity_type=filters.entity_type,
        actor=filters.actor,
        listing=Listing(sort="-at", page=page, per_page=PER_PAGE),
    )
    entries = Page[AuditItem](
        items=describe(view.db, paged.items, tz=view.time_zone),
        total=paged.total,
        page=paged.page,
        per_page=paged.per_page,
    )
    data = AuditPage(
        filters=filters,
        entries=entries,
        entity_types=lookups.audit_entity_types(view.db),
        actors=lookups.audit_actors(view.db),
    )
    return view.render("audit/list.html", data, section="audit")

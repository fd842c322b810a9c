"""/api/v1/audit: the log of every change to ledger records."""

from __future__ import annotations

from fastapi import APIRouter

from prodloop.ledger import service
from prodloop.ledger.schemas import AuditEntryOut, Page
from prodloop.web.api.common import ListingParams, page_of
from prodloop.web.deps import DbSession, Reader

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditEntryOut])
def audit_log(
    db: DbSession,
    _: Reader,
    listing: ListingParams,
    entity_type: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
) -> Page[AuditEntryOut]:
    """Audit entries, newest first, filtered by record or actor."""
    paged = service.audit_trail(
        db, entity_type=entity_type, entity_id=entity_id, actor=actor, listing=listing
    )
    return page_of(paged, AuditEntryOut)

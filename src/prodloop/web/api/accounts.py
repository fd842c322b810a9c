"""/api/v1/accounts: customers and the revenue they carry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from prodloop.ledger import service
from prodloop.ledger.schemas import AccountIn, AccountOut, AccountUpdate, Page, Segment
from prodloop.web.api.common import Deleted, ListingParams, Search, page_of
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/accounts", tags=["accounts"])


@router.get("", response_model=Page[AccountOut])
def list_accounts(
    db: DbSession,
    _: Reader,
    listing: ListingParams,
    q: Search = None,
    segment: Segment | None = None,
    plan: str | None = None,
    min_arr: Annotated[int | None, Query(ge=0)] = None,
    max_arr: Annotated[int | None, Query(ge=0)] = None,
) -> Page[AccountOut]:
    """Accounts, filtered by segment, plan and ARR, searched and paged (largest ARR first)."""
    paged = service.list_accounts(
        db, segment=segment, plan=plan, min_arr=min_arr, max_arr=max_arr, q=q, listing=listing
    )
    return page_of(paged, AccountOut)


@router.post("", response_model=AccountOut, status_code=status.HTTP_201_CREATED)
def create_account(data: AccountIn, db: DbSession, who: Writer) -> AccountOut:
    """Add a customer account."""
    account = service.create_account(db, data, actor=who.actor)
    db.commit()
    return AccountOut.model_validate(account)


@router.get("/{account_id}", response_model=AccountOut)
def get_account(account_id: int, db: DbSession, _: Reader) -> AccountOut:
    """One account."""
    return AccountOut.model_validate(service.get_account(db, account_id))


@router.patch("/{account_id}", response_model=AccountOut)
def update_account(account_id: int, data: AccountUpdate, db: DbSession, who: Writer) -> AccountOut:
    """Change an account's details, segment, plan or ARR."""
    account = service.update_account(db, service.get_account(db, account_id), data, actor=who.actor)
    db.commit()
    return AccountOut.model_validate(account)


@router.delete("/{account_id}", response_model=Deleted)
def delete_account(
    account_id: int, db: DbSession, who: Writer, reason: str | None = None
) -> Deleted:
    """Remove an account."""
    service.delete_account(db, service.get_account(db, account_id), actor=who.actor, reason=reason)
    db.commit()
    return Deleted(deleted=str(account_id))

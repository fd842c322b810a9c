"""Customer accounts: the list with ARR by segment, one account's page, adding an account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import BaseModel

from prodloop.ledger import service
from prodloop.ledger.errors import LedgerError
from prodloop.ledger.records import Listing
from prodloop.ledger.schemas import AccountIn, AccountOut, Page, Segment
from prodloop.web.deps import Writer
from prodloop.web.pages import lookups
from prodloop.web.pages.forms import (
    Option,
    TypedForm,
    attempt,
    blank,
    build,
    segment_options,
)
from prodloop.web.pages.history import Trail, trail_of
from prodloop.web.pages.layout import Layout, PageLayout, redirect

router = APIRouter()

SORTABLE = ("name", "segment", "plan", "arr")


class AccountForm(TypedForm):
    """The "add account" form as typed."""

    name: str = ""
    domain: str = ""
    segment: str = Segment.SMB.value
    plan: str = ""
    arr: str = "0"

    def to_create(self) -> AccountIn:
        """The account this form describes, or FormErrors."""
        arr = self.arr.replace(",", "").replace("_", "").replace(" ", "") or "0"
        data = {
            "name": self.name,
            "domain": blank(self.domain.lower()),
            "segment": self.segment,
            "plan": self.plan,
            "arr": arr,
        }
        return build(lambda: AccountIn.model_validate(data))


class AccountFilters(BaseModel):
    """The account list's filters, sort and page."""

    segment: Segment | None = None
    plan: str | None = None
    q: str | None = None
    sort: str = "-arr"
    page: int = 1


class SegmentSlice(BaseModel):
    """ARR carried by one segment."""

    segment: Segment
    label: str
    arr: int
    accounts: int
    share: float  # percent of all ARR


class AccountsPage(BaseModel):
    """The account list, ARR by segment, and the "add account" form."""

    filters: AccountFilters
    accounts: Page[AccountOut]
    segments: list[SegmentSlice]
    total_arr: int
    plans: list[str]
    segment_options: list[Option]
    form: AccountForm
    errors: dict[str, str] = {}
    error: str | None = None


class AccountPage(BaseModel):
    """One account and its audit trail."""

    account: AccountOut
    audit: Trail


def _segments(view: Layout) -> tuple[list[SegmentSlice], int]:
    sums = lookups.arr_by_segment(view.db)
    total = sum(arr for arr, _ in sums.values())
    slices = []
    for segment in Segment:
        arr, count = sums.get(segment.value, (0, 0))
        share = round(100 * arr / total, 2) if total else 0.0
        slices.append(
            SegmentSlice(segment=segment, label=segment.label, arr=arr, accounts=count, share=share)
        )
    return slices, total


def accounts_page(
    view: Layout,
    filters: AccountFilters,
    *,
    form: AccountForm | None = None,
    errors: dict[str, str] | None = None,
) -> AccountsPage:
    """Build the account list for ``filters``; a refused sort becomes ``error``."""
    error = None
    try:
        paged = service.list_accounts(
            view.db,
            segment=filters.segment,
            plan=filters.plan,
            q=filters.q,
            listing=Listing(sort=filters.sort, page=filters.page),
        )
        accounts = Page[AccountOut](
            items=[AccountOut.model_validate(a) for a in paged.items],
            total=paged.total,
            page=paged.page,
            per_page=paged.per_page,
        )
    except LedgerError as refused:
        error = refused.message
        accounts = Page[AccountOut](items=[], total=0, page=1, per_page=50)
    segments, total = _segments(view)
    return AccountsPage(
        filters=filters,
        accounts=accounts,
        segments=segments,
        total_arr=total,
        plans=lookups.account_plans(view.db),
        segment_options=segment_options(),
        form=form or AccountForm(),
        errors=errors or {},
        error=error,
    )


@router.get("/accounts")
def accounts(
    view: PageLayout,
    segment: str = "",
    plan: str = "",
    q: str = "",
    sort: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Customer accounts, biggest first."""
    error = None
    try:
        chosen = Segment(segment) if segment else None
    except ValueError:
        chosen = None
        error = f"unknown segment {segment!r}; expected one of: smb, mid_market, enterprise"
    filters = AccountFilters(
        segment=chosen, plan=plan or None, q=q.strip() or None, sort=sort or "-arr", page=page
    )
    data = accounts_page(view, filters)
    data.error = data.error or error
    return view.render(
        "accounts/list.html",
        data,
        section="accounts",
        status_code=422 if data.error else 200,
        sortable=SORTABLE,
    )


@router.post("/accounts/new")
def add_account(view: PageLayout, who: Writer, form: Annotated[AccountForm, Form()]) -> Response:
    """Add the account the form describes."""
    created: list[int] = []

    def create() -> None:
        created.append(service.create_account(view.db, form.to_create(), actor=who.actor).id)

    errors = attempt(create, set(AccountForm.model_fields))
    if errors is None:
        view.db.commit()
        return redirect(view.request, f"/accounts/{created[0]}", f"Added {form.name}.")
    view.db.rollback()
    data = accounts_page(view, AccountFilters(), form=form, errors=errors)
    return view.render(
        "accounts/list.html", data, section="accounts", status_code=422, sortable=SORTABLE
    )


@router.get("/accounts/{account_id}")
def account(account_id: int, view: PageLayout) -> Response:
    """One account's page."""
    record = service.get_account(view.db, account_id)
    data = AccountPage(
        account=AccountOut.model_validate(record),
        audit=trail_of(view.db, "account", record.id, tz=view.time_zone),
    )
    return view.render("accounts/detail.html", data, section="accounts")

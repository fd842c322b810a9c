"""Query parameters and response shapes shared by every listing endpoint."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from prodloop.ledger.records import MAX_PER_PAGE, Listing, Paged
from prodloop.ledger.schemas import Page

T = TypeVar("T", bound=BaseModel)


def listing(
    sort: Annotated[
        str | None, Query(description="Column to sort by; prefix - for descending.")
    ] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> Listing:
    """Sorting and paging from the query string."""
    return Listing(sort=sort, page=page, per_page=per_page)


ListingParams = Annotated[Listing, Depends(listing)]
Search = Annotated[str | None, Query(description="Case-insensitive text search.")]


def page_of(paged: Paged[Any], schema: type[T]) -> Page[T]:
    """Turn a domain page of records into the API's page of ``schema``."""
    return Page[schema](  # type: ignore[valid-type]
        items=[schema.model_validate(item) for item in paged.items],
        total=paged.total,
        page=paged.page,
        per_page=paged.per_page,
    )


class Deleted(BaseModel):
    """Reply to a delete."""

    deleted: str

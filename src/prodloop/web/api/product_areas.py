"""/api/v1/product-areas."""

from __future__ import annotations

from fastapi import APIRouter, status

from prodloop.ledger import service
from prodloop.ledger.schemas import Page, ProductAreaIn, ProductAreaOut, ProductAreaUpdate
from prodloop.web.api.common import Deleted, ListingParams, Search, page_of
from prodloop.web.deps import DbSession, Reader, Writer

router = APIRouter(prefix="/product-areas", tags=["product areas"])


@router.get("", response_model=Page[ProductAreaOut])
def list_product_areas(
    db: DbSession, _: Reader, listing: ListingParams, q: Search = None
) -> Page[ProductAreaOut]:
    """Product areas, searched and paged."""
    return page_of(service.list_product_areas(db, q=q, listing=listing), ProductAreaOut)


@router.post("", response_model=ProductAreaOut, status_code=status.HTTP_201_CREATED)
def create_product_area(data: ProductAreaIn, db: DbSession, who: Writer) -> ProductAreaOut:
    """Add a product area."""
    area = service.create_product_area(db, data, actor=who.actor)
    db.commit()
    return ProductAreaOut.model_validate(area)


@router.get("/{key}", response_model=ProductAreaOut)
def get_product_area(key: str, db: DbSession, _: Reader) -> ProductAreaOut:
    """One product area."""
    return ProductAreaOut.model_validate(service.get_product_area(db, key))


@router.patch("/{key}", response_model=ProductAreaOut)
def update_product_area(
    key: str, data: ProductAreaUpdate, db: DbSession, who: Writer
) -> ProductAreaOut:
    """Rename or describe a product area."""
    area = service.update_product_area(db, service.get_product_area(db, key), data, actor=who.actor)
    db.commit()
    return ProductAreaOut.model_validate(area)


@router.delete("/{key}", response_model=Deleted)
def delete_product_area(key: str, db: DbSession, who: Writer, reason: str | None = None) -> Deleted:
    """Remove a product area."""
    service.delete_product_area(
        db, service.get_product_area(db, key), actor=who.actor, reason=reason
    )
    db.commit()
    return Deleted(deleted=key)
